"""Faults are facts about the site: each is recorded, none crashes or hangs the crawl."""

from __future__ import annotations

import gzip
import subprocess
import time
from collections.abc import Iterator

import pytest

from ..conftest import fresh_database
from ..servers import FixtureServer, reset_connection, send
from .runner import crawl, query, visits

TODAY = time.strftime("%Y-%m-%d")
NAV = ["工作动态:gzdt", "通知公告:slow", "政策文件:reset", "人事信息:err500", "规划计划:busy", "机构职能:loop",
       "领导信息:bomb", "财政信息:huge", "统计信息:broken", "重大项目:gbk", "活动日历:calendar"]


def page(title: str, body: str, charset: str = "utf-8") -> str:
    return (f'<html><head><meta charset="{charset}"><title>{title}</title></head><body>{body}'
            '<div class="footer">网站标识码：3609990001</div></body></html>')


def listing(title: str, items: list[tuple[str, str]], pager: str = "") -> str:
    rows = "".join(f'<li><a href="{href}">{text}</a><span>{TODAY}</span></li>' for href, text in items)
    return page(title, f'<div class="list"><ul>{rows}</ul></div>{pager}')


BOMB = gzip.compress(b"\0" * (40 * 1024 * 1024))


def slow(handler) -> None:  # type: ignore[no-untyped-def]
    time.sleep(4)
    send(handler, 200, listing("慢", [("a.html", "慢页面")]))


def busy_then_ok(state: dict[str, int]):  # type: ignore[no-untyped-def]
    def handle(handler) -> None:  # type: ignore[no-untyped-def]
        state["n"] = state.get("n", 0) + 1
        if state["n"] == 1:
            send(handler, 429, "稍后再试", headers={"Retry-After": "1"})
        else:
            send(handler, 200, listing("规划计划", [("/u/busy/plan1.html", "2026年工作计划")]))
    return handle


def bomb(handler) -> None:  # type: ignore[no-untyped-def]
    send(handler, 200, BOMB, headers={"Content-Encoding": "gzip"})


def huge(handler) -> None:  # type: ignore[no-untyped-def]
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", str(200 * 1024 * 1024))
    handler.end_headers()
    try:
        for _ in range(200 * 16):
            handler.wfile.write(b"\0" * 65536)
    except OSError:
        pass


def redirect(target: str):  # type: ignore[no-untyped-def]
    def handle(handler) -> None:  # type: ignore[no-untyped-def]
        handler.send_response(302)
        handler.send_header("Location", target)
        handler.send_header("Content-Length", "0")
        handler.end_headers()
    return handle


def calendar(handler) -> None:  # type: ignore[no-untyped-def]
    month = int(handler.path.rsplit("=", 1)[1]) if "=" in handler.path else 0
    send(handler, 200, listing("活动日历", [(f"/u/calendar/day{month}.html", f"活动{month}")],
                               pager=f'<div class="page"><a href="/u/calendar/?m={month + 1}">下一页</a></div>'))


def routes() -> dict[str, object]:
    nav = "".join(f'<li><a href="/u/{path}/">{name}</a></li>' for name, path in (n.split(":") for n in NAV))
    gbk_body = listing("重大项目", [("/u/gbk/p1.html", "青山县重大项目建设进展情况")]).replace("utf-8", "gbk")
    return {
        "/": page("青山县人民政府", f'<ul class="news"><li><a href="/u/">白鹤镇</a><span>{TODAY}</span></li></ul>'),
        "/robots.txt": "User-agent: *\nDisallow:\n",
        "/u/": page("白鹤镇", f'<div class="nav"><ul>{nav}</ul></div>'),
        "/u/gzdt/": listing("工作动态", [("/u/gzdt/a1.html", "镇召开安全生产会议")]),
        "/u/gzdt/a1.html": page("镇召开安全生产会议", f"<h1>镇召开安全生产会议</h1><p>发布时间：{TODAY}</p>"),
        "/u/slow/": slow,
        "/u/reset/": reset_connection,
        "/u/err500/": lambda h: send(h, 500, "Internal Server Error"),
        "/u/busy/": busy_then_ok({}),
        "/u/loop/": redirect("/u/loop2/"),
        "/u/loop2/": redirect("/u/loop/"),
        "/u/bomb/": bomb,
        "/u/huge/": huge,
        # Unclosed tags, an unquoted attribute, a stray closing tag, NUL bytes and a truncated end.
        "/u/broken/": (f'<html><head><title>统计信息</title><body><div class="list"><ul><li><a href="/u/broken/s1.html">'
                       f'统计公报</a><span>{TODAY}</span><li><a href=/u/broken/s2.html>月报</a><span>{TODAY}'
                       '</b></ul></div></table><div <p>>>\x00\xff<a href="'),
        "/u/gbk/": lambda h: send(h, 200, gbk_body.encode("gbk"), content_type="text/html; charset=utf-8"),
        "/u/calendar/": calendar,
    }


@pytest.fixture(scope="module")
def faulty_crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, FixtureServer, subprocess.CompletedProcess[str]]]:
    folder = tmp_path_factory.mktemp("faults")
    with FixtureServer(routes()) as server:
        config = folder / "config.yaml"
        config.write_text(f"""
portal: {{name: 青山县人民政府, home: "{server.base_url}/", site_code: "3609990001"}}
units:
  - {{name: 白鹤镇, kind: 乡镇, site: "{server.base_url}/u/"}}
crawl:
  concurrency_per_host: 4
  delay_seconds: 0
  timeout_seconds: 2
  retries: 1
  max_page_bytes: 1048576
  max_pages_per_column: 8
  check_external_links: false
""", encoding="utf-8")
        for url in fresh_database(folder):
            # A hang is a subprocess.TimeoutExpired here: the slow, resetting and looping routes must each end
            # with their own error, within their own limits.
            result = crawl(config, url, "--full", timeout=120)
            yield url, server, result


def test_faulty_site_crawl_ends_by_itself_and_succeeds(faulty_crawl) -> None:  # type: ignore[no-untyped-def]
    result = faulty_crawl[2]
    assert result.returncode == 0, result.stderr[-3000:]


def test_each_fault_is_recorded_as_a_column_not_seen_with_its_cause(faulty_crawl) -> None:  # type: ignore[no-untyped-def]
    seen = visits(faulty_crawl[0])
    assert seen["通知公告"] == ("not_seen", "timeout")
    assert seen["政策文件"] == ("not_seen", "reset")
    assert seen["人事信息"] == ("not_seen", "http_500")
    assert seen["机构职能"] == ("not_seen", "redirect_loop")
    assert seen["领导信息"] == ("not_seen", "too_large")
    assert seen["财政信息"] == ("not_seen", "too_large")


def test_429_with_retry_after_is_waited_out_and_then_read(faulty_crawl) -> None:  # type: ignore[no-untyped-def]
    url, server, _ = faulty_crawl
    assert visits(url)["规划计划"] == ("full", None)
    assert query(url, "SELECT title FROM list_items WHERE url LIKE '%/u/busy/plan1.html'") == [("2026年工作计划",)]


def test_broken_html_still_yields_its_items(faulty_crawl) -> None:  # type: ignore[no-untyped-def]
    titles = {t for (t,) in query(faulty_crawl[0], "SELECT title FROM list_items WHERE url LIKE '%/u/broken/%'")}
    assert {"统计公报", "月报"} <= titles


def test_gbk_page_with_utf8_header_is_decoded_as_gbk(faulty_crawl) -> None:  # type: ignore[no-untyped-def]
    assert query(faulty_crawl[0], "SELECT title FROM list_items WHERE url LIKE '%/u/gbk/p1.html'") == [
        ("青山县重大项目建设进展情况",)]


def test_endless_pagination_is_bounded_and_recorded(faulty_crawl) -> None:  # type: ignore[no-untyped-def]
    url, server, _ = faulty_crawl
    [(list_pages,)] = query(url, "SELECT count(*) FROM pages WHERE kind = 'list' AND url LIKE '%/u/calendar/%'")
    assert list_pages == 8  # max_pages_per_column
    # the 8 list pages, their 8 entries, and one link check of the page beyond the bound
    assert server.count("/u/calendar/", "GET") <= 8 + 8 + 1
    assert visits(url)["活动日历"] == ("partial", "max_pages")


def test_failures_are_stored_as_pages_with_an_error_class(faulty_crawl) -> None:  # type: ignore[no-untyped-def]
    rows = dict(query(faulty_crawl[0], "SELECT url, error FROM pages WHERE error IS NOT NULL"))
    assert {error for error in rows.values()} >= {"timeout", "reset", "redirect_loop", "too_large"}
