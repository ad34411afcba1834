"""What the nightly network round (site.ipv6, site.https) adds to a night, on the demo portal.

Two cases, each timed as the night runs them (the round, then the two checks):
  as served  — the demo on 127.0.0.1 over plain http (no AAAA, no https: the demo's two findings);
  dual stack — the same portal also served on [::1] under a name a loopback DNS server answers A and AAAA
               for, with the crawl's 二、三级 pages in the store: the IPv6 round fetches the home page twice,
               `network.ipv6_sample_pages` pages over IPv6 and every distinct resource they show.

    .venv/bin/python -m bench.network [--rounds 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

from dnslib import AAAA, QTYPE, RR, A
from dnslib.server import BaseResolver, DNSLogger, DNSServer

from checks import run_checks
from crawler.netprobe import run_network_round
from portalcheck.core.config import load_config
from portalcheck.demo import serve_demo
from portalcheck.demo.server import DemoHTTPServer, DemoRequestHandler
from portalcheck.demo_run import rebase
from storage.models import Page
from storage.session import Store

NAME = "www.qingshan.test"
REPO = Path(__file__).resolve().parent.parent


class _Zone(BaseResolver):
    def resolve(self, request, handler):  # type: ignore[no-untyped-def]
        reply = request.reply()
        qtype = QTYPE[request.q.qtype]
        if str(request.q.qname).rstrip(".") == NAME and qtype in ("A", "AAAA"):
            reply.add_answer(RR(NAME, getattr(QTYPE, qtype), rdata=A("127.0.0.1") if qtype == "A" else AAAA("::1")))
        return reply


class _V6Demo(DemoHTTPServer):
    address_family = socket.AF_INET6

    def __init__(self, port: int, portal) -> None:  # type: ignore[no-untyped-def]
        super(DemoHTTPServer, self).__init__(("::1", port), DemoRequestHandler)
        self.portal = portal
        self.request_log = []
        self._log_lock = threading.Lock()


def _pages(server, base: str) -> list[dict]:  # type: ignore[no-untyped-def]
    """The demo's column and article pages, as a crawl stores them."""
    rows = []
    for unit in [server.portal.portal_unit, *server.portal.units]:
        for column in unit.all_columns():
            if not column.broken:
                rows.append({"url": base + column.path, "kind": "list", "http_status": 200})
            rows += [{"url": base + a.path, "kind": "article", "http_status": 200} for a in column.articles]
    return rows


def _night(config, store: Store) -> tuple[float, float, int, dict[str, int]]:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    round_ = run_network_round(config, store)
    probed = time.perf_counter()
    report = run_checks(store, config, as_of=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1),
                        only=["site.ipv6", "site.https"])
    done = time.perf_counter()
    pages = sum((h.ipv6.get("pages") or {}).get("tried", 0) for h in round_.hosts)
    assert report.ok
    return probed - started, done - probed, pages, {o.rule: o.found for o in report.outcomes}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    server = serve_demo()
    v6 = _V6Demo(server.port, server.portal)
    threading.Thread(target=v6.serve_forever, daemon=True).start()
    dns = DNSServer(_Zone(), port=0, address="127.0.0.1", logger=DNSLogger(log="-request,-reply,-truncated,-error,-recv,-send,-data"))
    dns.start_thread()
    base_config = load_config(REPO / "config.yaml")
    try:
        with tempfile.TemporaryDirectory() as folder:
            cases = {
                "as served (127.0.0.1, http)": (rebase(base_config, "http://127.0.0.1:8650", server.base_url), None),
                "dual stack (A + AAAA, [::1])": (rebase(base_config, "http://127.0.0.1:8650",
                                                        f"http://{NAME}:{server.port}"), f"http://{NAME}:{server.port}"),
            }
            for name, (config, base) in cases.items():
                config = config.model_validate({**config.model_dump(mode="json"), "network": {
                    **config.network.model_dump(), "nameservers": [f"127.0.0.1:{dns.server.server_address[1]}"]}})
                store = Store(f"sqlite:///{folder}/{abs(hash(name))}.db")
                with store.session() as session:
                    session.bulk_insert_mappings(Page, _pages(server, base or server.base_url))  # type: ignore[arg-type]
                times = [_night(config, store) for _ in range(args.rounds)]
                print(f"{name}: round {statistics.median(t[0] for t in times):.2f} s, checks "
                      f"{statistics.median(t[1] for t in times):.3f} s (median of {args.rounds}; "
                      f"{times[0][2]} pages over IPv6 per round; findings {times[-1][3]})")
                store.dispose()
    finally:
        v6.shutdown()
        v6.server_close()
        dns.stop()
        server.stop()


if __name__ == "__main__":
    main()
