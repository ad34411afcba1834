"""Footer marks (indicators.md F2-F4): 网站标识码, SiteIDCode meta, ICP, 公安备案, conac badge, 找错 entry."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from crawler.layouts.base import ErrorReport, Marks, as_selector, clean
from crawler.scan import PageScan, scan, serialize

# Whatever is written after the label is kept, well formed or not: the check judges the format.
SITE_CODE = re.compile(r"网站标识码\s*[:：]?\s*((?:bm)?\d{4,14})(?![\dA-Za-z])", re.IGNORECASE)
ICP = re.compile(
    r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼]\s*ICP\s*备\s*\d{8}\s*号?(?:\s*-\s*\d+)?"
)
POLICE_TEXT = re.compile(r"公网安备\s*(\d{14})\s*号?|公安(?:机关)?备案号?\s*[:：]?\s*(\d{11}-\d{5}|\d{14})")
POLICE_LINK = re.compile(r"recordcode=([\d-]+)")
CONAC_HOSTS = re.compile(r"bszs[.-]conac[.-]cn|dcs[.-]conac[.-]cn|conac\.cn", re.IGNORECASE)
# 找错 entries: the national widget script, its click target, gov.cn's own page, the span the script fills.
JIUCUO_SCRIPT_ID = "_jiucuo_"
JIUCUO_SPAN_ID = "_span_jiucuo"
CONAC_BOX_ID = "_ideConac"
_COMMENT_SCRIPT = re.compile(r"<script[^>]*_jiucuo_[^>]*>", re.IGNORECASE)
_COMMENT_LINK = re.compile(r"href=[\"']([^\"']*jiucuo[^\"']*)", re.IGNORECASE)
_SITECODE_ATTR = re.compile(r"sitecode\s*=\s*[\"']?(\w+)", re.IGNORECASE)
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_RANK = {"present": 3, "hidden": 2, "commented_out": 1, "missing": 0}
_KIND_RANK = {"script": 2, "link": 1, "span": 0}


def _footer_text(page: PageScan) -> str:
    # Not //body//text(): lxml closes <body> early on some malformed pages and the footer lands after it.
    return clean(" ".join(page.visible_text))


def _is_hidden(node: Any) -> bool:
    styles = (n.get("style") for n in (node, *node.iterancestors()))
    return any(_HIDDEN.search(s) for s in styles if s is not None)


def _link_params(href: str) -> tuple[str | None, str | None]:
    query = parse_qs(urlsplit(href).query)
    return (query.get("site_code") or [None])[0], (query.get("url") or [None])[0]


def _live_entries(page: PageScan) -> list[ErrorReport]:
    out = []
    for node in page.ids.get(JIUCUO_SCRIPT_ID, ()):
        if node.tag == "script":
            status = "hidden" if _is_hidden(node) else "present"
            out.append(ErrorReport(status, "script", node.get("sitecode"), None, serialize(page, node)[:300]))
    for link in page.links:
        if link.tag == "a" and "jiucuo" in link.value:
            code, url = _link_params(link.value)
            status = "hidden" if _is_hidden(link.element) else "present"
            out.append(ErrorReport(status, "link", code, url, serialize(page, link.element)[:300]))
    for node in page.ids.get(JIUCUO_SPAN_ID, ()):
        if node.tag == "span":
            status = "hidden" if _is_hidden(node) else "present"
            out.append(ErrorReport(status, "span", None, None, serialize(page, node)[:300]))
    return out


def _commented_entries(page: PageScan) -> list[ErrorReport]:
    out = []
    for node in page.comments:
        words = node.text or ""  # the <!-- --> around it holds none of the words looked for
        if "jiucuo" not in words.lower() and "纠错" not in words and "找错" not in words:
            continue
        comment = serialize(page, node)
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


def error_report(page: PageScan) -> ErrorReport:
    """The best 找错 entry: a live one beats a hidden one beats a commented-out one; a script (which carries
    the sitecode) beats a link beats the bare span it renders into."""
    entries = _live_entries(page) + _commented_entries(page)
    if not entries:
        return ErrorReport("missing")
    return max(entries, key=lambda e: (_RANK[e.status], _KIND_RANK.get(e.kind or "", -1)))


_CONAC_IN_SCRIPT = re.compile(r"https?://(?:bszs|dcs)\.conac\.cn/[^'\"\s)]+")


def _conac(page: PageScan) -> tuple[bool, str | None]:
    urls = (link.value for link in page.links if link.tag in ("a", "script"))  # //a/@href | //script/@src
    url = next((u for u in urls if CONAC_HOSTS.search(u)), None)
    if url is None:  # badge written by document.write(unescape("…dcs.conac.cn/js/…"))
        m = _CONAC_IN_SCRIPT.search(" ".join(page.script_texts))
        url = m[0] if m else None
    boxes = page.ids.get(CONAC_BOX_ID, [])
    if url is None:
        url = next((href for box in boxes for a in box.iter("a") if a is not box
                    and (href := a.get("href")) is not None), None)
    return bool(url or boxes), url


def _police(page: PageScan, text: str) -> str | None:
    if m := POLICE_TEXT.search(text):
        return m[1] or m[2]
    for link in page.links:
        if link.tag == "a" and "beian" in link.value and (m := POLICE_LINK.search(link.value)):
            return m[1]
    return None


def parse_marks(page: object) -> Marks:
    """Marks of one page (a Scrapy response, a parsel Selector or its PageScan); text inside comments does
    not count."""
    if not isinstance(page, PageScan):
        page = scan(as_selector(page))
    text = _footer_text(page)
    code = SITE_CODE.search(text)
    icp = ICP.search(text)
    conac, conac_url = _conac(page)
    site_id = next((content for name, content in page.metas if name == "SiteIDCode" and content is not None), None)
    return Marks(
        site_code_text=code[1] if code else None,
        site_id_meta=clean(site_id) or None,
        icp=re.sub(r"\s+", "", icp[0]) if icp else None,
        police_record=_police(page, text),
        conac=conac,
        conac_url=conac_url,
        error_report=error_report(page),
    )
