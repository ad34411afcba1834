"""Politeness and honesty: a refusing host is paused (not counted broken), outside links are checked
but not crawled, and a JavaScript-built column is found without being configured."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from portalcheck.demo import serve_demo

from ..conftest import fresh_database
from ..servers import FixtureServer, send
from .runner import crawl, portal_runs, query, visits

TODAY = time.strftime("%Y-%m-%d")


def page(title: str, body: str) -> str:
    return f'<html><head><meta charset="utf-8"><title>{title}</title></head><body>{body}</body></html>'


def write_config(folder: Path, base: str, extra: str = "") -> Path:
    path = folder / "config.yaml"
    path.write_text(f"""
portal: {{name: 青山县人民政府, home: "{base}/", site_code: "3609990001"}}
units:
  - {{name: 白鹤镇, kind: 乡镇, site: "{base}/u/"}}
crawl:
  concurrency_per_host: 2
  delay_seconds: 0
  autothrottle: false
  retries: 0
{extra}""", encoding="utf-8")
    return path


def test_host_refusing_requests_is_paused_and_its_columns_not_seen(tmp_path: Path) -> None:
    nav = "".join(f'<li><a href="/u/c{i}/">栏目{i}</a></li>' for i in range(40))
    routes: dict[str, object] = {"/": page("首页", ""), "/u/": page("白鹤镇", f'<div class="nav"><ul>{nav}</ul></div>')}
    for i in range(40):
        routes[f"/u/c{i}/"] = lambda h: send(h, 403, "<html><title>403 Forbidden</title>WAF</html>")
    with FixtureServer(routes) as server:
        config = write_config(tmp_path, server.base_url, "  check_external_links: false\n")
        for db_url in fresh_database(tmp_path):
            result = crawl(config, db_url, "--full")
            assert result.returncode == 0, result.stderr[-2000:]
            seen = visits(db_url)
            columns = [v for name, v in seen.items() if name.startswith("栏目")]
            assert all(status == "not_seen" for status, _ in columns)
            reasons = {reason for _, reason in columns}
            assert "host_paused" in reasons and reasons <= {"host_paused", "blocked_http_403"}
            assert server.count("/u/c", "GET") < 40  # it stopped asking
            assert portal_runs(db_url)[-1]["counts"]["paused_hosts"]


def test_outside_links_are_checked_with_head_then_get_but_not_crawled(tmp_path: Path) -> None:
    outside_routes = {
        "/head-refused": lambda h: send(h, 405 if h.command == "HEAD" else 200, page("外部", "ok")),
        "/gone": lambda h: send(h, 404, "gone"),
        "/deeper": page("外部", '<a href="/never">不应抓取</a>'),
    }
    with FixtureServer(outside_routes) as outside:
        other_host = outside.base_url.replace("127.0.0.1", "localhost")  # another host name for the crawler
        links = "".join(f'<li><a href="{other_host}{p}">外部{p}</a><span>{TODAY}</span></li>' for p in outside_routes)
        routes = {"/": page("首页", f"<ul>{links}</ul>"), "/u/": page("白鹤镇", "")}
        with FixtureServer(routes) as server:
            config = write_config(tmp_path, server.base_url)
            for db_url in fresh_database(tmp_path):
                assert crawl(config, db_url, "--full").returncode == 0
                rows = {url.rsplit("/", 1)[1]: (status, external) for url, status, external in query(
                    db_url, "SELECT url, http_status, is_external FROM link_targets WHERE url LIKE '%localhost%'")}
                assert rows["head-refused"] == (200, True)
                assert rows["gone"] == (404, True)
                assert ("HEAD", "/head-refused") in outside.log and ("GET", "/head-refused") in outside.log
                assert outside.count("/never") == 0


@pytest.mark.browser
def test_column_built_by_javascript_is_rendered_without_configuration(tmp_path: Path) -> None:
    with serve_demo(port=0) as server:
        text = server.portal.config_yaml(server.base_url).split("\ncrawl:")[0]
        text = re.sub(r"\n    columns:\n(      .*\n)+", "\n", text)  # forget the `render: js` hint
        assert "render: js" not in text
        config = tmp_path / "config.yaml"
        config.write_text(text + "\ncrawl:\n  concurrency_per_host: 8\n  delay_seconds: 0\n", encoding="utf-8")
        for db_url in fresh_database(tmp_path):
            assert crawl(config, db_url, "--full", "--unit", "县卫生健康局").returncode == 0
            column = server.portal.unit("wjj").column("tzgg")
            [(count,)] = query(db_url, """SELECT count(*) FROM list_items i JOIN columns c ON c.id = i.column_id
                                          WHERE c.url = :u""", u=server.base_url + column.path)
            assert count == len(column.all_articles) > 0


def test_a_crawl_of_many_hosts_has_room_for_every_host_while_each_keeps_its_own_limits(tmp_path: Path) -> None:
    """Scrapy counts a request waiting out its host's delay against CONCURRENT_REQUESTS: a queue job of more
    hosts than the configured cap allows must still ask each of them at its own rate."""
    from crawler.run import build_settings
    from portalcheck.core.config import load_config

    sites = [f"http://10.0.0.{n % 12}:8080/u{n}/" for n in range(15)]  # 12 hosts, three of them twice
    units = "\n".join(f"  - {{name: 单位{n}, kind: 部门, site: \"{site}\"}}" for n, site in enumerate(sites))
    path = tmp_path / "config.yaml"
    path.write_text(f"""
portal: {{name: 青山县人民政府, home: "http://10.0.0.1:8080/", site_code: "3609990001"}}
units:
{units}
crawl: {{concurrency_per_host: 2, concurrent_requests: 16, delay_seconds: 0.5}}
""", encoding="utf-8")
    config = load_config(path)
    everything = build_settings(config)
    assert everything.getint("CONCURRENT_REQUESTS") == 12 * 2
    assert everything.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 2 and everything.getfloat("DOWNLOAD_DELAY") == 0.5
    one_job = build_settings(config, units=["单位0", "单位12", "单位1", "单位2"])  # 3 hosts: the cap as configured
    assert one_job.getint("CONCURRENT_REQUESTS") == 16
