"""Gatherers of issue #18's page rules that read pages the portal spider fetches anyway.

- An article's 集约化 统一信息资源库 metadata (GB/T 42147): the <meta> names SiteName … ContentSource, kept as
  written (page.metadata judges presence, the site code and the date).
- The 政府网站工作年度报表 (国办函〔2018〕12号): found as a home-page link or an article titled so, its table
  read into figures by row label within its section (信息发布 > 总数, 互动交流 > 收到留言数量 …).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from parsel import Selector

from crawler.dates import normalize, parse_datetime
from crawler.layouts.base import clean
from crawler.scan import PageScan

META_NAMES = ("SiteName", "SiteDomain", "SiteIDCode", "ColumnName", "ArticleTitle", "PubDate", "ContentSource")

REPORT_TITLE = re.compile(r"(?:政府)?网站.{0,8}年度(?:工作)?报表|年度报表")
YEAR = re.compile(r"(20\d{2})\s*年")
SECTIONS = ("信息发布", "专栏专题", "解读回应", "办事服务", "互动交流", "安全防护", "移动新媒体", "创新发展")
SUBSECTIONS = ("微博", "微信", "留言办理", "征集调查", "在线访谈", "解读信息发布", "回应公众关注热点或重大舆情",
               "办件量", "其他")
# figure name: (section or sub-section the row must be under, the row's label)
NAMED = {
    "info_total": ("信息发布", "总数"),
    "columns_maintained": ("专栏专题", "维护数量"),
    "columns_new": ("专栏专题", "新开设数量"),
    "messages_received": ("互动交流", "收到留言数量"),
    "messages_closed": ("互动交流", "办结留言数量"),
    "security_checks": ("安全防护", "安全检测评估次数"),
    "weibo_name": ("微博", "名称"),
    "wechat_name": ("微信", "名称"),
}
HEADER_LABELS = {"site_code": ("政府网站标识码", "网站标识码"), "icp": ("ICP备案号",), "site_name": ("网站名称",)}
NUMBER = re.compile(r"-?\d[\d,，]*")
SHOWN_LABEL = re.compile(r"(?<![成生文新印发])(?:发布时间|发布日期|发表时间|时间|日期)\s*[:：]?\s*(?P<value>[\d年月日:/.\- ]{6,25})")


def article_meta(page: PageScan, *, today: date) -> dict[str, Any]:
    """The 集约化 metas an article carries (name → content, '' when empty) and the date its text shows after a
    发布时间： label (the article parser prefers PubDate, so its date cannot tell whether the two agree)."""
    found: dict[str, str] = {}
    for name, content in page.metas:
        if name in META_NAMES and name not in found:
            found[name] = (content or "").strip()
    return {"metas": found, "shown": shown_date(clean(" ".join(page.visible_text))[:3000], today)}


def shown_date(text: str, today: date) -> str | None:
    """The first date after a publication label (发布时间：, 日期：); a 生成日期/成文日期 of an 信息公开 index box is the
    document's own date, not when the page was published, and is passed over."""
    for m in SHOWN_LABEL.finditer(normalize(text)):
        if found := parse_datetime(m["value"], today=today, partial=False, future_ok=True):
            return found.date().isoformat()
    return None


def is_report_title(text: str | None) -> bool:
    return bool(text) and bool(REPORT_TITLE.search(text or ""))


def report_year(title: str | None, text: str) -> int | None:
    """The year the report is about: the title's year, else the first year named on the page."""
    for source in (title or "", text):
        if m := YEAR.search(source):
            return int(m[1])
    return None


def _cells(row: Selector) -> list[str]:
    return [re.sub(r"\s+", "", "".join(cell.xpath(".//text()").getall())) for cell in row.xpath("./td|./th")]


def number(value: str | None) -> int | None:
    m = NUMBER.search(value or "")
    return int(re.sub(r"[,，]", "", m[0])) if m else None


def parse_report(selector: Selector) -> dict[str, Any]:
    """Figures of a 年度报表 table: every row as section/sub/label → value, the named ones as numbers or text."""
    rows: dict[str, str] = {}
    named: dict[str, Any] = {}
    sections: list[str] = []
    section, sub = "", ""
    for row in selector.xpath("//table//tr"):
        cells = [c for c in _cells(row) if c]
        if not cells:
            continue
        for cell in cells[:-1]:
            if cell in SECTIONS:
                section, sub = cell, ""
                sections.append(cell)
            elif cell in SUBSECTIONS:
                sub = cell
        if len(cells) < 2:
            continue
        label, value = cells[-2], cells[-1]
        rows[f"{section}/{sub}/{label}".strip("/")] = value
        for name, labels in HEADER_LABELS.items():
            if label in labels and name not in named:
                named[name] = value
        for name, (where, wanted) in NAMED.items():
            if label == wanted and where in (section, sub) and name not in named:
                named[name] = value if name.endswith("_name") else number(value)
    text = " ".join(selector.xpath("//body//text()").getall())
    return {"sections": list(dict.fromkeys(sections)), "missing_sections": [s for s in SECTIONS if s not in text],
            **named, "rows": dict(list(rows.items())[:200])}


def report_links(links: list[tuple[str, str, str]]) -> list[tuple[str, str]]:
    """(url, text) of a page's links whose text names the 年度报表."""
    return [(url, text) for url, tag, text in links if tag == "a" and is_report_title(text)]



def write_annual_reports(session: Any, items: list[Any], pipeline: Any) -> None:
    """Called by StorePipeline.flush (EXTRA_WRITERS): one row per report URL, the newest reading kept."""
    from storage.models import AnnualReport
    from storage.upsert import upsert

    latest = {item.url: item for item in items}
    rows = [{"url": i.url, "year": i.year, "title": i.title, "linked_from_home": i.linked_from_home,
             "fetched_at": i.fetched_at, "error": i.error, "figures": i.figures} for i in latest.values()]
    upsert(session, AnnualReport, rows, keys=["url"])
