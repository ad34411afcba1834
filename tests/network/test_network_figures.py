"""The figures of both network rules are kept with the check run and shown in the summary export,
for every probed host, whether or not a rule found a problem."""

from __future__ import annotations

import datetime as dt
import json

from checks import run_checks
from crawler.netprobe import run_network_round
from portalcheck.exports import Period, export

from .conftest import crawled_pages, make_config
from .netservers import DualStackServer


def test_summary_export_lists_ipv6_and_https_figures_per_host(dns, store, db_url, tmp_path, unused_port) -> None:  # type: ignore[no-untyped-def]
    dns.zone["www.plain.test"] = {"A": ["127.0.0.1"], "AAAA": ["::1"]}
    page = "<html><body><p>首页</p></body></html>"
    server = DualStackServer({"/": page, "/xwzx/": page}, {"/": page, "/xwzx/": page})
    home = f"http://www.plain.test:{server.port}/"
    crawled_pages(store, [home + "xwzx/"])
    try:
        config = make_config(home, dns, https_port=unused_port)
        config = config.model_validate({**config.model_dump(mode="json"), "database": {"url": db_url}})
        run_network_round(config, store)
    finally:
        server.stop()
    as_of = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    report = run_checks(store, config, as_of=as_of)
    assert {o.rule: o.found for o in report.outcomes}["site.ipv6"] == 0
    path = export(config, "summary", tmp_path / "summary.json", fmt="json", period=Period.make(as_of=as_of))
    data = json.loads(path.read_text(encoding="utf-8"))
    [row] = data["tables"]["network"]["rows"]
    assert row["aaaa"] == "::1" and row["home_v6"] == "可访问" and row["pages"] == "1/1"
    assert row["https"] == "否" and row["redirect"] == "否"  # nothing listens on the https port
    indicators = {r["rule"]: r for r in data["tables"]["indicators"]["rows"]}
    assert indicators["site.https"]["（整站）"] == "1处" and indicators["site.ipv6"]["（整站）"] == "合格"
