"""Footer marks (indicators.md F2-F4): 网站标识码, SiteIDCode meta, ICP, 公安备案, conac badge, 找错 entry."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from parsel import Selector

from crawler.layouts.base import ErrorReport, Marks, as_selector, clean

# Whatever is written after the label is kept, well formed or not: the check judges the format.
SITE_CODE = re.compile(r"网站标识码\s*[:：]?\s*((?:bm)?\d{4,14})(?![\dA-Za-z])", re.IGNORECASE)
ICP = re.compile(
    r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼]\s*ICP\s*备\s*\d{8}\s*号?(?:\s*-\s*\d+)?"
)
POLICE_TEXT = re.compile(r"公网安备\s*(\d{14})\s*号?|公安(?:机关)?备案号?\s*[:：]?\s*(\d{11}-\d{5}|\d{14})")
POLICE_LINK = re.compile(r"recordcode=([\d-]+)")
CONAC_HOSTS = re.compile(r"bszs[.-]conac[.-]cn|dcs[.-]conac[.-]cn|conac\.cn", re.IGNORECASE)
# 找错 entries: the national widget script, its click target, gov.cn's own page, the span the script fills.
JIUCUO_SCRIPT = "//script[@id='_jiucuo_']"
JIUCUO_LINK = "//a[contains(@href, 'jiucuo')]"
JIUCUO_SPAN = "//span[@id='_span_jiucuo']"
_COMMENT_SCRIPT = re.compile(r"<script[^>]*_jiucuo_[^>]*>", re.IGNORECASE)
_COMMENT_LINK = re.compile(r"href=[\"']([^\"']*jiucuo[^\"']*)", re.IGNORECASE)
_SITECODE_ATTR = re.compile(r"sitecode\s*=\s*[\"']?(\w+)", re.IGNORECASE)
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_RANK = {"present": 3, "hidden": 2, "commented_out": 1, "missing": 0}
_KIND_RANK = {"script": 2, "link": 1, "span": 0}


def _footer_text(sel: Selector) -> str:
    # Not //body//text(): lxml closes <body> early on some malformed pages and the footer lands after it.
    parts = sel.xpath("//text()[not(ancestor::script or ancestor::style or ancestor::head)]").getall()
    return clean(" ".join(parts))


def _is_hidden(node: Selector) -> bool:
    styles = node.xpath("ancestor-or-self::*/@style").getall()
    return any(_HIDDEN.search(s) for s in styles)


def _link_params(href: str) -> tuple[str | None, str | None]:
    query = parse_qs(urlsplit(href).query)
    return (query.get("site_code") or [None])[0], (query.get("url") or [None])[0]


def _live_entries(sel: Selector) -> list[ErrorReport]:
    out = []
    for node in sel.xpath(JIUCUO_SCRIPT):
        status = "hidden" if _is_hidden(node) else "present"
        out.append(ErrorReport(status, "script", node.attrib.get("sitecode"), None, node.get()[:300]))
    for node in sel.xpath(JIUCUO_LINK):
        code, url = _link_params(node.attrib["href"])
        status = "hidden" if _is_hidden(node) else "present"
        out.append(ErrorReport(status, "link", code, url, node.get()[:300]))
    for node in sel.xpath(JIUCUO_SPAN):
        status = "hidden" if _is_hidden(node) else "present"
        out.append(ErrorReport(status, "span", None, None, node.get()[:300]))
    return out


def _commented_entries(sel: Selector) -> list[ErrorReport]:
    out = []
    for comment in sel.xpath("//comment()").getall():
        if "jiucuo" not in comment.lower() and "纠错" not in comment and "找错" not in comment:
            continue
        code_m = _SITECODE_ATTR.search(comment)
        if _COMMENT_SCRIPT.search(comment):
            out.append(
                ErrorReport("commented_out", "script", code_m[1] if code_m else None, None, comment[:300])
            )
        elif link := _COMMENT_LINK.search(comment):
            code, url = _link_params(link[1].replace("&amp;", "&"))
            out.append(ErrorReport("commented_out", "link", code, url, comment[:300]))
        else:
            out.append(
                ErrorReport("commented_out", "span", code_m[1] if code_m else None, None, comment[:300])
            )
    return out


def error_report(sel: Selector) -> ErrorReport:
    """The best 找错 entry: a live one beats a hidden one beats a commented-out one; a script (which carries
    the sitecode) beats a link beats the bare span it renders into."""
    entries = _live_entries(sel) + _commented_entries(sel)
    if not entries:
        return ErrorReport("missing")
    return max(entries, key=lambda e: (_RANK[e.status], _KIND_RANK.get(e.kind or "", -1)))


_CONAC_IN_SCRIPT = re.compile(r"https?://(?:bszs|dcs)\.conac\.cn/[^'\"\s)]+")


def _conac(sel: Selector) -> tuple[bool, str | None]:
    urls = sel.xpath("//a/@href | //script/@src").getall()
    url = next((u for u in urls if CONAC_HOSTS.search(u)), None)
    if url is None:  # badge written by document.write(unescape("…dcs.conac.cn/js/…"))
        m = _CONAC_IN_SCRIPT.search(" ".join(sel.xpath("//script/text()").getall()))
        url = m[0] if m else None
    if url is None:
        url = sel.xpath("//*[@id='_ideConac']//a/@href").get()
    return bool(url or sel.xpath("//*[@id='_ideConac']")), url


def _police(sel: Selector, text: str) -> str | None:
    if m := POLICE_TEXT.search(text):
        return m[1] or m[2]
    for href in sel.xpath("//a/@href").getall():
        if "beian" in href and (m := POLICE_LINK.search(href)):
            return m[1]
    return None


def parse_marks(page: object) -> Marks:
    """Marks of one page (a Scrapy response or a parsel Selector); text inside comments does not count."""
    sel = as_selector(page)
    text = _footer_text(sel)
    code = SITE_CODE.search(text)
    icp = ICP.search(text)
    conac, conac_url = _conac(sel)
    meta = clean(sel.xpath("//meta[@name='SiteIDCode']/@content").get()) or None
    return Marks(
        site_code_text=code[1] if code else None,
        site_id_meta=meta,
        icp=re.sub(r"\s+", "", icp[0]) if icp else None,
        police_record=_police(sel, text),
        conac=conac,
        conac_url=conac_url,
        error_report=error_report(sel),
    )
