"""`portalcheck crawl` on the demo portal reads its accounts through chromium — feeds and the Weibo
API stand-in — and the checks give the demo's answer key: fresh accounts pass, 20 days silent fails,
400 days silent is also dormant, a closed account is unreachable, a blocked one is not checked."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from checks import run_checks
from portalcheck.core.config import load_config
from portalcheck.demo import serve_demo
from portalcheck.exports.accounts import accounts_table
from storage.models import Finding, Unit
from storage.session import Store
from tests.conftest import fresh_database
from tests.crawl.runner import crawl

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str, list[dict]]]:
    folder = tmp_path_factory.mktemp("demo_accounts")
    with serve_demo(port=0) as server:
        text = server.portal.config_yaml(server.base_url).split("\ncrawl:")[0]
        text += "\ncrawl:\n  concurrency_per_host: 8\n  delay_seconds: 0\n  autothrottle: false\n  check_external_links: false\n"
        (folder / "config.yaml").write_text(text, encoding="utf-8")
        units = [u.name for u in server.portal.units if u.accounts]
        truth = [t for t in server.portal.truth() if "account" in t]
        for db_url in fresh_database(folder):
            result = crawl(folder / "config.yaml", db_url, "--full", *[a for u in units for a in ("--unit", u)])
            assert result.returncode == 0, result.stderr[-3000:]
            assert "政务新媒体采集：9个账号，正常7个，账号不存在或已关闭1个，未能检查1个" in result.stderr
            yield folder / "config.yaml", db_url, truth


def test_demo_account_findings_are_the_answer_key(crawled: tuple[Path, str, list[dict]]) -> None:
    path, db_url, truth = crawled
    config = load_config(path)
    store = Store(db_url)
    try:
        report = run_checks(store, config, datetime.now(UTC), only=["account"])
        assert report.ok
        with store.session() as session:
            found = {(f.rule, name) for f, name in session.query(Finding, Unit.name).join(Unit)}
        expected = {(t["rule"], t["unit"]) for t in truth if t["rule"].startswith("account.")}
        assert found == expected
        assert ("account.dormant", "县财政局") in found and ("account.not_updated", "沙河乡") in found
        ok_units = {t["unit"] for t in truth if t["rule"] == "expected_ok"}
        table = accounts_table(store, config, date.today() - timedelta(days=30), date.today(), datetime.now(UTC))
        verdicts = {r["unit"]: r["verdict"] for r in table["rows"]}
        assert {u for u, v in verdicts.items() if v == "合格"} == ok_units
        assert table["dormant_units"] == ["县财政局"]
        # A closed account fails (account.unreachable); a blocked one is not checked and stays out of the rate.
        assert verdicts["县发改局"] == "不合格" and verdicts["县统计局"] == "未检查"
        assert ("account.not_updated", "县统计局") not in found
        checked = [v for v in verdicts.values() if v != "未检查"]
        assert (table["totals"]["accounts"], table["totals"]["qualified"]) == (9, len(ok_units))
        assert table["totals"]["rate"] == round(100 * len(ok_units) / len(checked))
    finally:
        store.dispose()
