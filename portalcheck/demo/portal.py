"""DemoPortal: the fictional 青山县 site as a path -> response function, with no network involved.

Pages are rendered lazily and cached; `publish()` drops the cache so list pages re-render with a
new body (hence a new ETag) and a later Last-Modified.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from . import files, weibo
from .config import config_yaml
from .model import SEED, Article, Column, Message, SiteBuilder, Unit, build_messages
from .pages import BOARD_PAGE_SIZE, PageRenderer, unit_full_name
from .truth import api_path, build_quirks, build_truth

CST = dt.timezone(dt.timedelta(hours=8))
MAX_CACHED = 5000
STATIC_CSS = """body{margin:0;font:14px/1.8 "Microsoft YaHei",SimSun,sans-serif;color:#333}
a{color:#333;text-decoration:none}a:hover{color:#c00}.container{width:1200px;margin:0 auto}
.topbar{background:#f5f5f5;font-size:12px}.header{background:#b71c1c;color:#fff;padding:20px 0}
.header a{color:#fff}.site-title{font-size:28px;font-weight:bold;margin-left:10px}
.menu{background:#8e0000}.nav{list-style:none;margin:0;padding:0}.nav li{display:inline-block}
.nav a{color:#fff;display:block;padding:8px 18px}.nav .on a{background:#c62828}
.list li,.newsList li{list-style:none;border-bottom:1px dashed #ddd;overflow:hidden}
.date,.time{float:right;color:#666}.footer{background:#eee;padding:20px 0;text-align:center;font-size:12px}
.block,.home-newsBox,.home-units,.home-hdjl{margin:12px 0}.clearfix:after{content:"";display:block;clear:both}
"""
STATIC_JS = """/* TRS-style pagers. createPageHTML(pageCount, currentIndex, name, ext): index.html, index_1.html ... */
function createPageHTML(n, cur, name, ext) {
  if (n <= 1) { return; }
  var html = "共" + n + "页 ";
  html += cur > 0 ? "<a href='" + name + "." + ext + "'>首页</a> " : "首页 ";
  if (cur > 0) { html += "<a href='" + (cur == 1 ? name : name + "_" + (cur - 1)) + "." + ext + "'>上一页</a> "; }
  if (cur + 1 < n) { html += "<a href='" + name + "_" + (cur + 1) + "." + ext + "'>下一页</a> "; }
  html += "<a href='" + name + "_" + (n - 1) + "." + ext + "'>尾页</a>";
  document.write(html);
}
/* pageChnlInfo pager: pages = ceil(recordCount / prepage); page k (0-based) is name_k.ext, k=0 is name.ext */
function renderChnlPager(info, id) {
  var n = Math.ceil(parseInt(info.recordCount, 10) / info.prepage), box = document.getElementById(id), html = "";
  for (var k = 0; k < n; k++) {
    var url = (k == 0 ? info.pageName : info.pageName + "_" + k) + "." + info.pageExt;
    html += k == info.pageIndex ? "<span>" + (k + 1) + "</span> " : "<a href='" + url + "'>" + (k + 1) + "</a> ";
  }
  if (box && n > 1) { box.innerHTML = html; }
}
document.addEventListener("DOMContentLoaded", function () {
  var el = document.getElementById("today");
  if (el) { el.textContent = new Date().toLocaleDateString("zh-CN"); }
});
"""
ROBOTS = "User-agent: *\nDisallow: /search/\n"


@dataclass(frozen=True)
class DemoResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


Handler = Callable[[dict[str, list[str]]], DemoResponse | None]


def http_date(when: dt.datetime) -> str:
    """Naive China-time datetime -> RFC 7231 date."""
    return email.utils.format_datetime(when.replace(tzinfo=CST).astimezone(dt.UTC), usegmt=True)


def make_response(
    body: bytes, content_type: str, modified: dt.datetime | None, status: int = 200
) -> DemoResponse:
    headers = {"Content-Type": content_type, "ETag": '"' + hashlib.sha1(body).hexdigest()[:20] + '"'}
    if modified is not None:
        headers["Last-Modified"] = http_date(modified)
    return DemoResponse(status, headers, body)


class DemoPortal:
    """The whole fictional county portal for one `today`; deterministic (seeded) and thread-safe."""

    def __init__(self, today: dt.date | None = None) -> None:
        self.today = today or dt.date.today()
        builder = SiteBuilder(self.today)
        self.portal_unit, self.units = builder.build()
        self.messages: list[Message] = build_messages(random.Random(SEED + 1), self.today, self.units)
        self.pages = PageRenderer(self)
        self.built_at = dt.datetime.combine(self.today - dt.timedelta(days=30), dt.time(6, 0))
        self._lock = threading.RLock()
        self._cache: dict[str, DemoResponse] = {}
        self._routes: dict[str, Handler] | None = None
        all_ids = [a.id for u in [self.portal_unit, *self.units] for a in u.all_articles()]
        self._next_id = max(all_ids) + 7

    # -- public API -----------------------------------------------------------------------------
    def render(self, path_with_query: str) -> DemoResponse | None:
        """Response for a path (with optional ?query), or None when the path does not exist (404)."""
        parts = urlsplit(path_with_query)
        path = unquote(parts.path) or "/"
        key = f"{path}?{parts.query}"
        with self._lock:
            if key in self._cache:
                return self._cache[key]
            handler = self._route_table().get(path)
            response = handler(parse_qs(parts.query)) if handler else None
            if response is not None and len(self._cache) < MAX_CACHED:
                self._cache[key] = response
            return response

    def not_found(self) -> DemoResponse:
        html = self.pages.simple("页面不存在", "抱歉，您访问的页面不存在或已被删除。")
        return make_response(html.encode("utf-8"), "text/html; charset=utf-8", None, status=404)

    def publish(self, unit_code: str, column_code: str, title: str, on: dt.date) -> str:
        """Add an article to a column; affected pages re-render (new ETag, later Last-Modified)."""
        with self._lock:
            unit = self.unit(unit_code)
            col = unit.column(column_code)
            published = dt.datetime.combine(on, dt.time(10, 0))
            art = Article(
                self._next_id,
                published,
                col,
                title=title,
                source=unit_full_name(unit),
                paragraphs=[f"{title}。", "特此公告。"],
            )
            self._next_id += 1
            col.articles.append(art)
            col.articles.sort(key=lambda a: (a.published, a.id), reverse=True)
            node: Column | None = col
            while node:
                assert node.modified is not None
                node.modified = max(node.modified + dt.timedelta(minutes=1), published)
                node = node.parent
            self._cache.clear()
            self._routes = None
            return art.path

    def retire_unit(self, code: str) -> None:
        """A unit merged away (offices merge): its site and its home-page link are gone (`init --check`)."""
        with self._lock:
            self.units = [u for u in self.units if u.code != code]
            self._routes = None
            self._cache.clear()

    def unit(self, code: str) -> Unit:
        """A unit by code; "portal" is the county's own 新闻中心 (要闻动态, 通知公告)."""
        for unit in [self.portal_unit, *self.units]:
            if code in (unit.code, unit.name):
                return unit
        raise KeyError(code)

    def truth(self) -> list[dict[str, Any]]:
        with self._lock:
            return build_truth(self.portal_unit, self.units, self.messages, self.today)

    def quirks(self) -> list[dict[str, Any]]:
        """Crawler-robustness features (encodings, JS column, traps) that are not defects."""
        return build_quirks(self.portal_unit, self.units)

    def config_yaml(self, base_url: str) -> str:
        return config_yaml(self, base_url)

    # -- routing --------------------------------------------------------------------------------
    def _route_table(self) -> dict[str, Handler]:
        if self._routes is None:
            self._routes = self._build_routes()
        return self._routes

    def _build_routes(self) -> dict[str, Handler]:
        r: dict[str, Handler] = {}
        pg = self.pages
        home = self._html_handler(None, pg.home, lambda: self._newest(self.portal_unit))
        r["/"] = r["/index.html"] = home
        r["/index.shtml"] = lambda q: DemoResponse(301, {"Location": "/", "Content-Type": "text/html"}, b"")
        r["/robots.txt"] = lambda q: make_response(
            ROBOTS.encode(), "text/plain; charset=utf-8", self.built_at
        )
        r["/css/style.css"] = lambda q: make_response(
            STATIC_CSS.encode(), files.CONTENT_TYPES["css"], self.built_at
        )
        r["/js/common.js"] = lambda q: make_response(
            STATIC_JS.encode(), files.CONTENT_TYPES["js"], self.built_at
        )
        for name, rgb in {
            "logo": (183, 28, 28),
            "red": (220, 0, 0),
            "gaba": (30, 80, 160),
            "banner": (60, 140, 90),
        }.items():
            r[f"/images/{name}.png"] = self._bytes_handler(files.png(rgb=rgb), "png", self.built_at)
        r["/xxgk/zfxxgknb/"] = self._html_handler(
            None,
            lambda: pg.simple("页面不存在", "抱歉，您访问的页面不存在或已被删除！"),
            lambda: self.built_at,
        )
        r["/gywm/"] = self._html_handler(
            None,
            lambda: pg.simple(
                "关于我们", f"{self.pages.p['name']}由{self.pages.p['sponsor']}主办，青山县信息化中心承办。"
            ),
            lambda: self.built_at,
        )
        r["/wzdt/"] = self._html_handler(None, pg.sitemap, lambda: self.built_at)
        r["/gzbb/"] = r["/gzbb/index.html"] = self._html_handler(None, pg.annual_report, lambda: self.built_at)
        r["/search/"] = r["/search/index.html"] = lambda q: self._html(
            None, pg.search(q.get("q", [""])[0]), None
        )
        r["/hdrl/"] = r["/hdrl/index.html"] = lambda q: self._html(
            None, pg.calendar(q.get("month", [None])[0]), None
        )
        r["/hdjl/xzxx/"] = r["/hdjl/xzxx/index.html"] = self._board_handler
        for msg in self.messages:
            r[msg.path] = self._html_handler(
                None, lambda m=msg: pg.board_detail(m), lambda m=msg: m.replied or m.asked
            )
        for unit in [self.portal_unit, *self.units]:
            self._unit_routes(unit, r)
        accounts = [a for u in self.units for a in u.accounts]
        r["/weibo/api/container/getIndex"] = weibo.api_handler(
            accounts, lambda status, body, kind: DemoResponse(status, {"Content-Type": kind}, body))
        return r

    def _unit_routes(self, unit: Unit, r: dict[str, Handler]) -> None:
        pg = self.pages
        if unit.kind == "门户":
            index = self._html_handler(None, pg.sitemap, lambda: self._newest(unit))
        else:
            index = self._html_handler(unit, lambda: pg.unit_index(unit), lambda: self._newest(unit))
        r[unit.site] = r[unit.site + "index.html"] = index
        wrong_header = {unit.column(c).path for c in unit.options.get("wrong_charset_header", [])}
        for col in unit.all_columns():
            if col.broken == "404":
                continue
            if col.broken == "redirect":
                r[col.path] = r[col.path + "index.html"] = lambda q: DemoResponse(
                    302, {"Location": "/", "Content-Type": "text/html"}, b""
                )
                continue
            if col.broken == "building":
                r[col.path] = r[col.path + "index.html"] = self._html_handler(
                    unit, lambda c=col: pg.building(c), lambda: self.built_at
                )
                continue
            self._column_routes(col, r, col.path in wrong_header)
            for art in col.articles:
                self._article_routes(art, r)
        for acc in unit.accounts:
            if acc.uid:
                continue  # read through the Weibo stand-in, not a feed
            body = pg.feed(acc).encode("utf-8")
            r[acc.path] = self._bytes_handler(body, "rss", acc.posts[0][1])

    def _column_routes(self, col: Column, r: dict[str, Handler], wrong_header: bool) -> None:
        unit, pg = col.unit, self.pages
        charset = "utf-8" if wrong_header else None

        def page_handler(page: int) -> Handler:
            return self._html_handler(unit, lambda: pg.column(col, page), lambda: col.modified, charset)

        if unit.cms == "query" or col.catalog:

            def query_handler(q: dict[str, list[str]]) -> DemoResponse | None:
                raw = q.get("page", ["1"])[0]
                page = int(raw) - 1 if raw.isdigit() else 0
                return page_handler(page)(q) if 0 <= page < col.page_count else None

            r[col.path] = r[col.path + "index.html"] = query_handler
        else:
            r[col.path] = r[col.path + "index.html"] = page_handler(0)
            for k in range(1, col.page_count):
                name = f"list_{k + 1}.html" if unit.cms == "next" else f"index_{k}.html"
                r[col.path + name] = page_handler(k)
        if col.render == "js":
            r[api_path(col)] = lambda q: make_response(
                pg.api_json(col).encode("utf-8"), "application/json; charset=utf-8", col.modified
            )

    def _article_routes(self, art: Article, r: dict[str, Handler]) -> None:
        r[art.path] = self._html_handler(
            art.column.unit, lambda: self.pages.article(art), lambda: art.published
        )
        if art.image and art.image_exists:
            r[art.image] = self._bytes_handler(files.png(320, 200, (120, 160, 200)), "png", art.published)
        for att in art.attachments:
            if att.exists:
                r[att.path] = self._bytes_handler(
                    files.attachment(att.kind, art.title), att.kind, art.published
                )

    # -- response helpers -----------------------------------------------------------------------
    def _html(
        self, unit: Unit | None, html: str, modified: dt.datetime | None, charset_header: str | None = None
    ) -> DemoResponse:
        """Encode as the unit's charset; non-UTF-8 sites send no charset (or a wrong one) like real ones."""
        encoding = unit.encoding if unit else "utf-8"
        body = html.encode(encoding, errors="xmlcharrefreplace")
        if charset_header:
            content_type = f"text/html; charset={charset_header}"
        elif encoding == "utf-8":
            content_type = "text/html; charset=utf-8"
        else:
            content_type = "text/html"
        return make_response(body, content_type, modified)

    def _html_handler(
        self,
        unit: Unit | None,
        render: Callable[[], str],
        modified: Callable[[], dt.datetime | None],
        charset: str | None = None,
    ) -> Handler:
        return lambda q: self._html(unit, render(), modified(), charset)

    @staticmethod
    def _bytes_handler(body: bytes, kind: str, modified: dt.datetime) -> Handler:
        content_type = "application/rss+xml; charset=utf-8" if kind == "rss" else files.CONTENT_TYPES[kind]
        return lambda q: make_response(body, content_type, modified)

    def _board_handler(self, q: dict[str, list[str]]) -> DemoResponse | None:
        raw = q.get("page", ["1"])[0]
        page = int(raw) - 1 if raw.isdigit() else 0
        if not 0 <= page * BOARD_PAGE_SIZE < max(len(self.messages), 1):
            return None
        newest = max((m.replied or m.asked) for m in self.messages)
        return self._html(None, self.pages.board_list(page), newest)

    def _newest(self, unit: Unit) -> dt.datetime:
        stamps = [c.modified for c in unit.all_columns() if c.modified]
        return max(stamps, default=self.built_at)
