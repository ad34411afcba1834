"""The demo portal over real HTTP: what a crawler sees."""

from __future__ import annotations

import datetime as dt
import re

from portalcheck.demo import DemoServer, serve_demo

from .conftest import TODAY, fetch


def test_home_page_is_served_with_all_footer_marks(server: DemoServer) -> None:
    resp = fetch(server.base_url + "/")
    html = resp.body.decode("utf-8")
    assert resp.status == 200
    assert resp.headers["Content-Type"] == "text/html; charset=utf-8"
    for mark in (
        "网站标识码：3609990001",
        "赣ICP备12345678号-1",
        "赣公网安备36099902000123号",
        "bszs.conac.cn/sitename?method=show&amp;id=",
        '<meta name="SiteIDCode" content="3609990001">',
        '<script id="_jiucuo_" sitecode="3609990001" src="https://zfwzgl.www.gov.cn/exposure/jiucuo.js">',
    ):
        assert mark in html
    assert fetch(server.base_url + "/index.html").body == resp.body


def test_home_page_newest_items_are_within_two_days(server: DemoServer) -> None:
    html = fetch(server.base_url + "/").body.decode("utf-8")
    iso = [dt.date.fromisoformat(d) for d in re.findall(r'<span class="time">(\d{4}-\d\d-\d\d)</span>', html)]
    short = re.findall(r'<span class="time">\[(\d\d)-(\d\d)\]</span>', html)
    assert iso and short
    assert (TODAY - max(iso)).days <= 2
    newest_notice = max(dt.date(TODAY.year, int(m), int(d)) for m, d in short)
    assert (TODAY - newest_notice).days <= 2


def test_every_unit_index_is_reachable_and_lists_its_columns(server: DemoServer) -> None:
    home = fetch(server.base_url + "/").body.decode("utf-8")
    assert len(server.portal.units) >= 12
    for unit in server.portal.units:
        assert f'href="{unit.site}"' in home
        resp = fetch(server.base_url + unit.site)
        assert resp.status == 200
        html = resp.body.decode(unit.encoding)
        nav = html.split('aria-label="站点主目录"', 1)[1].split("</ul>", 1)[0]  # the menu: <nav aria-label=…><ul>
        for col in unit.columns:
            assert f'href="{col.path}"' in nav and col.name in nav
        assert 5 <= len(unit.columns) <= 9


def test_trs_static_pagination_pages_exist(server: DemoServer) -> None:
    col = server.portal.unit("bhz").column("xzdt")
    first = fetch(server.base_url + col.path + "index.html").body.decode("utf-8")
    match = re.search(r'createPageHTML\((\d+), 0, "index", "html"\)', first)
    assert match and int(match.group(1)) == col.page_count >= 3
    for k in range(1, col.page_count):
        page = fetch(f"{server.base_url}{col.path}index_{k}.html")
        assert page.status == 200
        assert f'createPageHTML({col.page_count}, {k}, "index", "html")' in page.body.decode("utf-8")
    assert fetch(f"{server.base_url}{col.path}index_{col.page_count}.html").status == 404
    items = re.findall(r'<li><a href="(\./\d{6}/t\d{8}_\d+\.html)"', first)
    assert 10 <= len(items) <= 20
    assert fetch(server.base_url + col.path + items[0][2:]).status == 200


def test_query_next_link_and_js_config_pagers_reach_every_item(server: DemoServer) -> None:
    portal = server.portal
    for unit_code, col_code, url_of in [
        ("shx", "gzdt", lambda k: f"?page={k + 1}"),
        ("zbx", "xzdt", lambda k: "index.html" if k == 0 else f"list_{k + 1}.html"),
        ("czj", "gzdt", lambda k: "index.html" if k == 0 else f"index_{k}.html"),
    ]:
        col = portal.unit(unit_code).column(col_code)
        seen = 0
        for k in range(col.page_count):
            html = fetch(server.base_url + col.path + url_of(k)).body.decode("utf-8")
            seen += len(re.findall(r'<li><a href="[^"]+/t\d{8}_\d+\.html"', html))
        assert seen == len(col.articles) > 0
    jsconf = fetch(server.base_url + "/bm/czj/gzdt/").body.decode("utf-8")
    assert "recordCount: '45'" in jsconf and "prepage: 15" in jsconf
    nxt = fetch(server.base_url + "/xzjd/zbx/xzdt/").body.decode("utf-8")
    assert '<a href="list_2.html">下一页</a>' in nxt


def test_gbk_unit_decodes_as_gbk_and_not_as_utf8(server: DemoServer) -> None:
    resp = fetch(server.base_url + "/xzjd/jdx/")
    assert resp.headers["Content-Type"] == "text/html"
    assert b'<meta charset="gbk">' in resp.body
    try:
        resp.body.decode("utf-8")
        raise AssertionError("GBK page decoded as UTF-8")
    except UnicodeDecodeError:
        pass
    assert "青山县九道乡人民政府" in resp.body.decode("gbk")
    wrong = fetch(server.base_url + "/xzjd/jdx/tzgg/")
    assert wrong.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "通知公告" in wrong.body.decode("gbk")


def test_unknown_path_is_a_real_404_and_soft_404_is_200(server: DemoServer) -> None:
    missing = fetch(server.base_url + "/no/such/page.html")
    assert missing.status == 404 and "页面不存在" in missing.body.decode("utf-8")
    soft = fetch(server.base_url + "/xxgk/zfxxgknb/")
    assert soft.status == 200 and "页面不存在" in soft.body.decode("utf-8")
    assert fetch(server.base_url + "/bm/fgj/ghjh/").status == 404


def test_redirects_point_to_home(server: DemoServer) -> None:
    for path in ("/index.shtml", "/bm/rsj/czxx/"):
        resp = fetch(server.base_url + path)
        assert resp.status in (301, 302) and resp.headers["Location"] == "/"


def test_head_returns_headers_without_body(server: DemoServer) -> None:
    get = fetch(server.base_url + "/xzjd/bhz/")
    head = fetch(server.base_url + "/xzjd/bhz/", method="HEAD")
    assert head.status == 200 and head.body == b""
    assert head.headers["ETag"] == get.headers["ETag"]
    assert head.headers["Content-Length"] == str(len(get.body))


def test_conditional_get_returns_304_and_publish_changes_etag() -> None:
    with serve_demo(port=0, today=TODAY) as srv:
        url = srv.base_url + "/xzjd/bhz/tzgg/"
        first = fetch(url)
        etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
        assert fetch(url, headers={"If-None-Match": etag}).status == 304
        assert fetch(url, headers={"If-Modified-Since": modified}).status == 304
        path = srv.portal.publish("bhz", "tzgg", "关于开展夏季防溺水安全教育的通知", TODAY)
        after = fetch(url, headers={"If-None-Match": etag})
        assert after.status == 200 and after.headers["ETag"] != etag
        assert fetch(url, headers={"If-Modified-Since": modified}).status == 200
        assert path.startswith("/xzjd/bhz/tzgg/")
        assert '<li><a href=".' + path.removeprefix("/xzjd/bhz/tzgg") in after.body.decode("utf-8")
        article = fetch(srv.base_url + path).body.decode("utf-8")
        assert "关于开展夏季防溺水安全教育的通知" in article
        assert f'<meta name="PubDate" content="{TODAY.isoformat()} 10:00">' in article
        untouched = srv.base_url + "/bm/czj/gzdt/"
        tag = fetch(untouched).headers["ETag"]
        assert fetch(untouched, headers={"If-None-Match": tag}).status == 304


def test_request_log_counts_what_was_fetched() -> None:
    with serve_demo(port=0, today=TODAY) as srv:
        fetch(srv.base_url + "/robots.txt")
        fetch(srv.base_url + "/?x=1", method="HEAD")
        assert srv.request_log == [("GET", "/robots.txt"), ("HEAD", "/?x=1")]


def test_robots_disallows_search_only(server: DemoServer) -> None:
    robots = fetch(server.base_url + "/robots.txt").body.decode()
    assert "Disallow: /search/" in robots
    assert [line for line in robots.splitlines() if line.startswith("Disallow")] == ["Disallow: /search/"]


def test_calendar_links_to_next_month_forever(server: DemoServer) -> None:
    url = "/hdrl/?month=2026-06"
    for _ in range(5):
        html = fetch(server.base_url + url).body.decode("utf-8")
        url = re.search(r'<a href="(/hdrl/\?month=\d{4}-\d\d)">下一月</a>', html).group(1)
    assert url == "/hdrl/?month=2026-11"


def test_js_column_is_empty_without_javascript_and_api_has_items(server: DemoServer) -> None:
    col = server.portal.unit("wjj").column("tzgg")
    html = fetch(server.base_url + col.path).body.decode("utf-8")
    assert '<ul class="list" id="docList"></ul>' in html and "/api/bm/wjj/tzgg.json" in html
    import json

    data = json.loads(fetch(server.base_url + "/api/bm/wjj/tzgg.json").body)
    assert data["total"] == len(col.articles) == len(data["data"])
    assert fetch(server.base_url + data["data"][0]["url"]).status == 200


def test_attachments_and_images_are_real_files(server: DemoServer) -> None:
    arts = [a for u in server.portal.units for a in u.all_articles()]
    att = next(a.attachments[0] for a in arts if a.attachments and a.attachments[0].kind == "pdf")
    pdf = fetch(server.base_url + att.path)
    assert pdf.headers["Content-Type"] == "application/pdf" and pdf.body.startswith(b"%PDF-")
    img = next(a.image for a in arts if a.image and a.image_exists)
    assert fetch(server.base_url + img).body.startswith(b"\x89PNG")


def test_message_board_lists_and_details(server: DemoServer) -> None:
    html = fetch(server.base_url + "/hdjl/xzxx/").body.decode("utf-8")
    for label in ("留言标题", "留言时间", "状态"):
        assert label in html
    assert "?page=2" in html
    msg = server.portal.messages[0]
    detail = fetch(server.base_url + msg.path).body.decode("utf-8")
    for label in ("留言人：", "留言时间：", "办理单位：", "答复时间：", "答复内容："):
        assert label in detail
    assert len(server.portal.messages) == 40


def test_feeds_are_rss(server: DemoServer) -> None:
    resp = fetch(server.base_url + "/feeds/bhz.xml")
    assert resp.headers["Content-Type"].startswith("application/rss+xml")
    assert b'<rss version="2.0">' in resp.body and resp.body.count(b"<item>") == 12
