"""Availability probes: one GET per site, a hard time limit, failures named like the crawler names them."""

from __future__ import annotations

import asyncio
import socket
import threading
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from sqlalchemy import select

from crawler.probe import PER_HOST, Target, format_round, probe_all, run_probe_round
from portalcheck.core.config import Config
from storage.models import Probe, Site
from storage.session import Store
from tests.config_files import write_config_file

from ..servers import FixtureServer, reset_connection, send
from .helpers import cli

SLOW_ENTERED, SLOW_RELEASE = threading.Event(), threading.Event()
MET = {"a": threading.Event(), "b": threading.Event()}


def slow(handler: BaseHTTPRequestHandler) -> None:
    """Holds its answer until the test releases it: a probe that returns meanwhile gave up by itself."""
    SLOW_ENTERED.set()
    SLOW_RELEASE.wait(60)
    send(handler, 200, "<html>late</html>")


def meet(me: str, other: str):  # type: ignore[no-untyped-def]
    """Answers only once the other meeting probe has arrived: two probes sent one after the other never meet
    within their time limit, two sent together do."""
    def handler(h: BaseHTTPRequestHandler) -> None:
        MET[me].set()
        if MET[other].wait(10):
            send(h, 200, f"<html>{me}</html>")
    return handler


def loop(handler: BaseHTTPRequestHandler) -> None:
    send(handler, 302, "", headers={"Location": "/loop/"})


@pytest.fixture(scope="module")
def server() -> FixtureServer:
    routes = {"/": "<html><title>首页</title></html>", "/slow/": slow, "/down/": lambda h: send(h, 503, "维护中"),
              "/meet/a/": meet("a", "b"), "/meet/b/": meet("b", "a"),
              "/loop/": loop, "/big/": "<html>" + "政" * 50_000 + "</html>", "/reset/": reset_connection}
    with FixtureServer(routes) as running:
        yield running


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_each_failure_is_classified_with_the_crawlers_words(server: FixtureServer) -> None:
    urls = {"ok": "/", "timeout": "/slow/", "http": "/down/", "redirect_loop": "/loop/", "too_large": "/big/",
            "reset": "/reset/"}
    targets = [Target(i, name, server.base_url + path) for i, (name, path) in enumerate(urls.items())]
    targets.append(Target(90, "refused", f"http://127.0.0.1:{closed_port()}/"))
    targets.append(Target(91, "dns", "http://no-such-host.invalid/"))
    results = asyncio.run(probe_all(targets, timeout=1.0, user_agent="test", max_bytes=20_000))
    held = SLOW_ENTERED.is_set() and not SLOW_RELEASE.is_set()  # the slow answer was still being held back
    SLOW_RELEASE.set()
    outcome = {r.target.name: (r.ok, r.error) for r in results}
    assert outcome == {"ok": (True, None), "timeout": (False, "timeout"), "http": (False, "http"),
                       "redirect_loop": (False, "redirect_loop"), "too_large": (False, "too_large"),
                       "reset": (False, "reset"), "refused": (False, "refused"), "dns": (False, "dns")}
    assert held, "the time limit is hard: the round ended while the slow site still held its answer"
    by_name = {r.target.name: r for r in results}
    assert by_name["http"].http_status == 503 and by_name["timeout"].latency_ms >= 900


def config_for(base_url: str, **thresholds: float) -> Config:
    return Config.model_validate({
        "portal": {"name": "青山县人民政府门户网站", "home": base_url + "/", "site_code": "3609990001"},
        "units": [{"name": "白鹤镇", "kind": "乡镇", "site": base_url + "/down/"},
                  {"name": "县发改局", "site": base_url + "/"}],  # same URL as the portal home: one site
        "thresholds": thresholds,
    })


def test_a_round_stores_one_probe_per_site_before_any_crawl(server: FixtureServer, store: Store) -> None:
    config = config_for(server.base_url, probe_timeout_seconds=2)
    first = run_probe_round(config, store)
    run_probe_round(config, store)
    with store.session() as session:
        sites = {s.url: s for s in session.scalars(select(Site))}
        probes = session.execute(select(Site.name, Probe.ok, Probe.http_status, Probe.error, Probe.latency_ms)
                                 .join(Site, Site.id == Probe.site_id)).all()
    assert set(sites) == {server.base_url + "/", server.base_url + "/down/"}
    assert sites[server.base_url + "/"].is_portal_home
    assert sorted(p[:4] for p in probes) == sorted([("白鹤镇", False, 503, "http"), ("青山县人民政府门户网站", True, 200, None)] * 2)
    assert all(p.latency_ms is not None for p in probes)
    text = format_round(first)
    assert "共访问 2 个站点，正常 1 个，无法访问 1 个" in text and "白鹤镇　HTTP 503" in text


def test_the_probes_of_a_round_are_sent_together(server: FixtureServer) -> None:
    """Each meeting page answers only once the other has been asked for: probes sent one after the other
    never meet (the first waits out its limit), probes sent together do. 5 s leaves room for a busy machine."""
    targets = [Target(80, "meet_a", server.base_url + "/meet/a/"), Target(81, "meet_b", server.base_url + "/meet/b/")]
    results = asyncio.run(probe_all(targets, timeout=5.0, user_agent="test", max_bytes=20_000))
    assert {r.target.name: (r.ok, r.error) for r in results} == {"meet_a": (True, None), "meet_b": (True, None)}


class Overlap:
    """Counts the probes the server holds at once (each answer is held 0.2 s for others to arrive)."""

    def __init__(self) -> None:
        self.lock, self.open, self.most = threading.Lock(), 0, 0

    def __call__(self, handler: BaseHTTPRequestHandler) -> None:
        with self.lock:
            self.open += 1
            self.most = max(self.most, self.open)
        threading.Event().wait(0.2)  # long enough for others to arrive when they are sent together
        with self.lock:
            self.open -= 1
        send(handler, 200, "<html><title>站点</title></html>")


def test_hundreds_of_sites_are_probed_together_in_one_round(server: FixtureServer, store: Store) -> None:
    overlap = Overlap()
    server.routes["/many/"] = overlap
    targets = [Target(i, f"站点{i}", f"{server.base_url}/many/?site={i}") for i in range(300)]
    results = asyncio.run(probe_all(targets, timeout=5, user_agent="test", max_bytes=1_000_000))
    assert all(r.ok for r in results) and len(results) == 300
    # Together, as many at once as one host is allowed, and never more (sites of one platform share a host).
    assert overlap.most == PER_HOST, f"{overlap.most} probes were in flight at once"


def test_probe_command_prints_a_chinese_summary(server: FixtureServer, tmp_path: Path, db_url: str) -> None:
    config = write_config_file(tmp_path, f"""portal: {{name: 青山县人民政府门户网站, home: "{server.base_url}/", site_code: "3609990001"}}
units:
  - {{name: 白鹤镇, kind: 乡镇, site: "{server.base_url}/down/"}}
database: {{url: "{db_url}"}}
""")
    result = cli(config, db_url, "probe")
    assert result.returncode == 0, result.stderr
    assert "可用性监测：共访问 2 个站点，正常 1 个，无法访问 1 个" in result.stdout
    assert "白鹤镇　HTTP 503" in result.stdout
