"""Availability probes: one GET per site, a hard time limit, failures named like the crawler names them."""

from __future__ import annotations

import asyncio
import socket
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from sqlalchemy import select

from crawler.probe import Target, format_round, probe_all, run_probe_round
from portalcheck.config import Config
from storage.models import Probe, Site
from storage.session import Store

from ..servers import FixtureServer, reset_connection, send
from .helpers import cli


def slow(handler: BaseHTTPRequestHandler) -> None:
    time.sleep(3)
    send(handler, 200, "<html>late</html>")


def loop(handler: BaseHTTPRequestHandler) -> None:
    send(handler, 302, "", headers={"Location": "/loop/"})


@pytest.fixture(scope="module")
def server() -> FixtureServer:
    routes = {"/": "<html><title>首页</title></html>", "/slow/": slow, "/down/": lambda h: send(h, 503, "维护中"),
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
    started = time.perf_counter()
    results = asyncio.run(probe_all(targets, timeout=1.0, user_agent="test", max_bytes=20_000))
    elapsed = time.perf_counter() - started
    outcome = {r.target.name: (r.ok, r.error) for r in results}
    assert outcome == {"ok": (True, None), "timeout": (False, "timeout"), "http": (False, "http"),
                       "redirect_loop": (False, "redirect_loop"), "too_large": (False, "too_large"),
                       "reset": (False, "reset"), "refused": (False, "refused"), "dns": (False, "dns")}
    assert elapsed < 2.5, "the round is concurrent and the time limit is hard"
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


def test_hundreds_of_sites_finish_in_one_short_round(server: FixtureServer, store: Store) -> None:
    targets = [Target(i, f"站点{i}", f"{server.base_url}/?site={i}") for i in range(300)]
    started = time.perf_counter()
    results = asyncio.run(probe_all(targets, timeout=5, user_agent="test", max_bytes=1_000_000))
    assert all(r.ok for r in results) and len(results) == 300
    assert time.perf_counter() - started < 20


def test_probe_command_prints_a_chinese_summary(server: FixtureServer, tmp_path: Path, db_url: str) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"""portal: {{name: 青山县人民政府门户网站, home: "{server.base_url}/", site_code: "3609990001"}}
units:
  - {{name: 白鹤镇, kind: 乡镇, site: "{server.base_url}/down/"}}
database: {{url: "{db_url}"}}
""", encoding="utf-8")
    result = cli(config, db_url, "probe")
    assert result.returncode == 0, result.stderr
    assert "可用性监测：共访问 2 个站点，正常 1 个，无法访问 1 个" in result.stdout
    assert "白鹤镇　HTTP 503" in result.stdout
