"""HTML/XML/JSON rendering of demo pages with Jinja2 templates modelled on real county portals.

Returns text only; encoding, headers and caching are the portal's business (portal.py).
"""

from __future__ import annotations

import calendar
import datetime as dt
import email.utils
import hashlib
import json
import posixpath
from typing import TYPE_CHECKING, Any

import jinja2

from .model import Account, Article, Column, Message, Unit, load_yaml
from .truth import api_path, report_year

if TYPE_CHECKING:
    from .portal import DemoPortal

TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("portalcheck.demo", "templates"),
    autoescape=jinja2.select_autoescape(["html", "xml"]),
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
BOARD_PAGE_SIZE = 15
CST = dt.timezone(dt.timedelta(hours=8))


def format_date(when: dt.datetime | dt.date, style: str) -> str:
    """A list-item date in one of the formats real county CMSs print."""
    y, m, d = when.year, when.month, when.day
    return {
        "iso": f"{y}-{m:02d}-{d:02d}",
        "slash": f"{y}/{m}/{d}",
        "dot": f"{y}.{m:02d}.{d:02d}",
        "cn": f"{y}年{m}月{d}日",
        "bracket": f"[{m:02d}-{d:02d}]",
    }[style]


def item_href(art: Article, page_dir: str, cms: str) -> str:
    """Item links as each CMS family writes them: ./relative (TRS), absolute (query), bare relative."""
    if cms == "query":
        return art.path
    rel = posixpath.relpath(art.path, page_dir)
    return rel if cms == "next" or rel.startswith("..") else "./" + rel


def unit_full_name(unit: Unit) -> str:
    if unit.kind == "乡镇":
        return f"青山县{unit.name}人民政府"
    return "青山县" + unit.name.removeprefix("县") if unit.kind == "部门" else "青山县人民政府"


class PageRenderer:
    def __init__(self, portal: DemoPortal) -> None:
        self.portal = portal
        self.site = load_yaml("site.yaml")
        self.p = self.site["portal"]

    # -- shared context -------------------------------------------------------------------------
    def footer(self, unit: Unit | None, index_page: bool = False) -> dict[str, Any]:
        """Footer marks; per-unit options in site.yaml plant the footer/找错 defects."""
        opts = unit.options if unit else {}
        site_code: str | None = self.p["site_code"]
        if opts.get("footer_site_code") == "missing":
            site_code = None
        elif opts.get("footer_site_code") == "malformed":
            site_code = site_code[:-1]
        jiucuo = opts.get("jiucuo", "ok")
        if index_page and opts.get("jiucuo_index"):
            jiucuo = opts["jiucuo_index"]
        sponsor = unit_full_name(unit) if unit and unit.kind != "门户" else self.p["sponsor"]
        return {
            "site_code": site_code,
            "jiucuo": jiucuo,
            "sponsor": sponsor,
            "wrong_code": self.p["site_code"][:-1] + "2",
        }

    def base(self, unit: Unit | None, title: str, index_page: bool = False, **extra: Any) -> dict[str, Any]:
        sub = unit if unit and unit.kind != "门户" else None
        return {
            "portal": self.p,
            "unit": sub,
            "unit_title": unit_full_name(sub) if sub else "",
            "nav": sub.columns if sub else [],
            "charset": sub.encoding if sub else "utf-8",
            "title": title,
            "footer": self.footer(unit, index_page),
            "fmt": format_date,
            "date_format": unit.date_format if unit else "iso",
            **extra,
        }

    def render(self, template: str, **ctx: Any) -> str:
        return TEMPLATES.get_template(template).render(**ctx)

    # -- pages ----------------------------------------------------------------------------------
    def home(self) -> str:
        portal = self.portal.portal_unit
        news, notices = portal.column("ywdt"), portal.column("tzgg")
        units = self.portal.units
        return self.render(
            "home.html",
            **self.base(None, self.p["name"], index_page=True),
            news=news,
            notices=notices,
            towns=[u for u in units if u.kind == "乡镇"],
            depts=[u for u in units if u.kind == "部门"],
            messages=self.portal.messages[:6],
            links=self.p["home_links"],
            accounts=[a for u in units for a in u.accounts],
            today=self.portal.today,
            report_year=report_year(self.portal.today),
        )

    def annual_report_figures(self) -> dict[str, Any]:
        """The previous year's 政府网站工作年度报表 as the demo publishes it: true figures, except 信息发布总数,
        which is inflated (the planted site.annual_report defect)."""
        year = report_year(self.portal.today)
        units = [self.portal.portal_unit, *self.portal.units]
        published = sum(1 for u in units for a in u.all_articles() if a.published.year == year)
        asked = [m for m in self.portal.messages if m.asked.year == year]
        accounts = [a for u in self.portal.units for a in u.accounts]
        return {
            "year": year,
            "info_total": published * 2 + 40,
            "info_true": published,
            "received": len(asked),
            "closed": sum(1 for m in asked if m.replied is not None),
            "weibo": "、".join(a.name for a in accounts if a.platform == "weibo") or "无",
            "wechat": "、".join(a.name for a in accounts if a.platform == "wechat") or "无",
        }

    def annual_report(self) -> str:
        figures = self.annual_report_figures()
        title = f"{self.p['name']}{figures['year']}年度政府网站工作年度报表"
        return self.render("annual_report.html", **self.base(None, title), heading=title, f=figures)

    def unit_index(self, unit: Unit) -> str:
        blocks = [c for c in unit.columns if c.all_articles and not c.broken and c.render == "html"][:4]
        return self.render(
            "unit_index.html",
            **self.base(unit, unit_full_name(unit), index_page=True),
            blocks=blocks,
            cms=unit.cms,
            href=lambda a: item_href(a, unit.site, unit.cms),
        )

    def column(self, col: Column, page: int) -> str:
        unit = col.unit
        size = unit.page_size
        items = col.all_articles
        page_dir = col.path
        ctx = self.base(
            unit,
            f"{col.name}_{unit_full_name(unit)}",
            column=col,
            page=page,
            pages=col.page_count,
            total=len(items),
            size=size,
            cms=unit.cms,
            items=[] if col.render == "js" else items[page * size : (page + 1) * size],
            href=lambda a: item_href(a, page_dir, unit.cms),
            api=api_path(col),
            crumbs=self._crumbs(col),
        )
        if col.catalog:
            return self.render("catalog.html", **ctx, index_no=self._index_no)
        if col.children:
            return self.render("parent_column.html", **ctx)
        return self.render("column.html", **ctx)

    def building(self, col: Column) -> str:
        return self.render(
            "building.html",
            **self.base(
                col.unit, f"{col.name}_{unit_full_name(col.unit)}", column=col, crumbs=self._crumbs(col)
            ),
        )

    def article(self, art: Article) -> str:
        col = art.column
        return self.render(
            "article.html",
            **self.base(
                col.unit,
                f"{art.title}_{unit_full_name(col.unit)}",
                column=col,
                art=art,
                crumbs=self._crumbs(col),
            ),
        )

    def board_list(self, page: int) -> str:
        msgs = self.portal.messages
        pages = max(1, -(-len(msgs) // BOARD_PAGE_SIZE))
        return self.render(
            "board_list.html",
            **self.base(None, "县长信箱_" + self.p["name"]),
            messages=msgs[page * BOARD_PAGE_SIZE : (page + 1) * BOARD_PAGE_SIZE],
            page=page,
            pages=pages,
            total=len(msgs),
        )

    def board_detail(self, msg: Message) -> str:
        return self.render("board_detail.html", **self.base(None, msg.title + "_县长信箱"), msg=msg)

    def calendar(self, month: str | None) -> str:
        try:
            first = dt.datetime.strptime(month or "", "%Y-%m").date()
        except ValueError:
            first = self.portal.today.replace(day=1)
        prev = (first - dt.timedelta(days=1)).replace(day=1)
        nxt = (first + dt.timedelta(days=32)).replace(day=1)
        weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
        events = {d: self._event(d) for w in weeks for d in w if d.month == first.month}
        return self.render(
            "calendar.html",
            **self.base(None, "活动日历_" + self.p["name"]),
            first=first,
            prev=prev,
            next=nxt,
            weeks=weeks,
            events=events,
        )

    def search(self, query: str) -> str:
        hits = []
        if query:
            everything = [a for u in [self.portal.portal_unit, *self.portal.units] for a in u.all_articles()]
            hits = [a for a in everything if query in a.title][:20]
        return self.render(
            "search.html", **self.base(None, "站内搜索_" + self.p["name"]), query=query, hits=hits
        )

    def simple(self, title: str, text: str) -> str:
        """Plain information pages: 404, soft 404, 关于我们."""
        return self.render("simple.html", **self.base(None, title), heading=title, text=text)

    def sitemap(self) -> str:
        return self.render(
            "sitemap.html",
            **self.base(None, "网站地图_" + self.p["name"]),
            portal_unit=self.portal.portal_unit,
            units=self.portal.units,
        )

    def feed(self, acc: Account) -> str:
        posts = [
            {
                "title": title,
                "date": email.utils.format_datetime(when.replace(tzinfo=CST)),
                "link": self._post_link(acc, when),
            }
            for title, when in acc.posts
        ]
        return self.render(
            "feed.xml", acc=acc, posts=posts, full_name=unit_full_name(acc.unit), built=posts[0]["date"]
        )

    def api_json(self, col: Column) -> str:
        items = [
            {"title": a.title, "url": a.path, "pubDate": a.published.strftime("%Y-%m-%d")}
            for a in col.all_articles
        ]
        return json.dumps({"code": 0, "total": len(items), "data": items}, ensure_ascii=False)

    # -- helpers --------------------------------------------------------------------------------
    def _crumbs(self, col: Column) -> list[tuple[str, str]]:
        chain = []
        node: Column | None = col
        while node:
            chain.append((node.name, node.path))
            node = node.parent
        unit = col.unit
        return [("首页", "/"), (unit_full_name(unit), unit.site), *reversed(chain)]

    @staticmethod
    def _index_no(art: Article) -> str:
        return f"QS-{art.column.unit.code.upper()}-{art.published.year}-{art.id:06d}"

    @staticmethod
    def _event(day: dt.date) -> str | None:
        h = int(hashlib.md5(day.isoformat().encode()).hexdigest(), 16) % 9
        return {0: "县政府常务会议", 3: "政务公开日活动", 6: "“12345”热线接待日"}.get(h)

    @staticmethod
    def _post_link(acc: Account, when: dt.datetime) -> str:
        token = hashlib.sha1(f"{acc.code}{when.isoformat()}".encode()).hexdigest()[:22]
        if acc.platform == "wechat":
            return f"https://mp.weixin.qq.com/s/{token}"
        uid = int(hashlib.md5(acc.code.encode()).hexdigest()[:8], 16)
        return f"https://weibo.com/{uid}/{token[:9]}"
