"""Article pages: title, publication date (with the rule that found it), source, body, images, attachments."""

from __future__ import annotations

import re
from datetime import date, datetime
from urllib.parse import urljoin, urlsplit

from parsel import Selector
from scrapy.http import TextResponse

from crawler.dates import find_dates, find_labelled, find_script_date, normalize, parse_datetime
from crawler.layouts.base import Article, Image, clean

TITLE_META = ("ArticleTitle", "og:title")
TITLE_SELECTORS = (
    "h1",
    ".article_title",
    ".article-title",
    ".news_title",
    ".detail-title",
    ".content-title",
    "#title",
    ".title",
    "#activity-name",
    ".rich_media_title",
)
DATE_META = ("PubDate", "pubdate", "publishdate", "firstpublishedtime", "article:published_time")
SOURCE_META = ("ContentSource", "source")
BODY_SELECTORS = (
    ".TRS_Editor",
    ".TRS_UEDITOR",
    "#zoom",
    ".zoom",
    "#fontzoom",
    ".article-content",
    ".article_content",
    "#js_content",
    ".rich_media_content",
    "#content",
    ".content",
    ".detail-content",
    ".news_content",
    ".main-text",
    "article",
)
# Where the publication date sits: the header strip above the body.
HEADER_SELECTORS = (
    ".article_extend",
    ".article-info",
    ".article_info",
    ".info",
    ".pages-date",
    ".xxgk_info",
    ".time",
    ".date",
    ".source",
    ".sub-title",
    ".subtitle",
)
ATTACHMENT_EXT = re.compile(r"\.(?:pdf|docx?|xlsx?|zip|rar|wps|ofd|et|pptx?)(?:$|[?#])", re.IGNORECASE)
_SOURCE_LABEL = re.compile(r"(?:来源|信息来源|文章来源|发布机构|发布单位)\s*[:：]\s*(?P<v>[^\s|]{2,40})")
_TITLE_SEP = re.compile(r"\s*(?:_|\||-{1,2}|—{1,2}|－)\s*")
_NOISE = "//script|//style|//noscript|//template"


def _meta(sel: Selector, names: tuple[str, ...]) -> str | None:
    for name in names:
        value = sel.xpath(f"//meta[@name='{name}' or @property='{name}']/@content").get()
        if value and value.strip():
            return clean(value)
    return None


def _first_text(sel: Selector, selectors: tuple[str, ...]) -> str | None:
    for css in selectors:
        for node in sel.css(css):
            text = clean(" ".join(node.xpath(".//text()[not(ancestor::script)]").getall()))
            if 4 <= len(text) <= 200:
                return text
    return None


def _title(sel: Selector) -> str | None:
    if t := _meta(sel, TITLE_META) or _first_text(sel, TITLE_SELECTORS):
        return t
    page_title = clean(sel.xpath("//title/text()").get())
    parts = [p for p in _TITLE_SEP.split(page_title) if p]
    return max(parts[:-1] or parts, key=len) if parts else None  # drop the trailing site name


def _body(sel: Selector) -> Selector | None:
    for css in BODY_SELECTORS:
        # A body may be a single image (scanned notice): count images as content.
        nodes = [
            n
            for n in sel.css(css)
            if n.xpath(".//img") or len(clean(" ".join(n.xpath(".//text()").getall()))) >= 10
        ]
        if nodes:
            return max(nodes, key=lambda n: len(" ".join(n.xpath(".//text()").getall())))
    # The CMS's own body block exists but is (nearly) empty: that stub ("详见附件。") is the body;
    # the densest block would be the footer.
    for css in BODY_SELECTORS:
        if nodes := sel.css(css):
            return nodes[0]
    return _densest(sel)


def _densest(sel: Selector) -> Selector | None:
    """Fallback: the block with the most paragraph text that is not link text."""
    best, best_score = None, 0
    for node in sel.xpath("//div|//td|//article|//section"):
        p_text = len("".join(node.xpath("./p//text()[not(ancestor::a)]").getall()))
        if p_text > best_score:
            best, best_score = node, p_text
    return best


def _text(node: Selector | None) -> str:
    if node is None:
        return ""
    return clean(" ".join(node.xpath(".//text()[not(ancestor::script or ancestor::style)]").getall()))


def _dimension(img: Selector, name: str) -> int | None:
    value = img.attrib.get(name) or ""
    if not value:
        m = re.search(rf"(?:^|;)\s*{name}\s*:\s*(\d+)px", img.attrib.get("style", ""))
        value = m.group(1) if m else ""
    m = re.match(r"\s*(\d+)", value)
    return int(m.group(1)) if m else None


def _images(body: Selector | None, url: str) -> list[Image]:
    if body is None:
        return []
    out = []
    for img in body.xpath(".//img"):
        src = img.attrib.get("src") or img.attrib.get("data-src")
        if src and not src.startswith("data:"):
            out.append(
                Image(
                    urljoin(url, src.strip()),
                    _dimension(img, "width"),
                    _dimension(img, "height"),
                    img.attrib.get("alt"),
                )
            )
    return out


def _attachments(sel: Selector, url: str) -> list[str]:
    found: dict[str, None] = {}
    for href in sel.xpath("//a/@href").getall():
        full = urljoin(url, href.strip())
        if ATTACHMENT_EXT.search(urlsplit(full).path + ("?" if "?" in full else "")):
            found[full] = None
    return list(found)


def _date(
    sel: Selector, scripts: str, title: str | None, today: date
) -> tuple[datetime | None, str | None, str | None]:
    """(date, raw, rule). Order: PubDate meta, labelled header date, script assignment, first date after the
    title. The URL (t20260203_…) is never used: TRS keeps the creation date there, not the publication
    date."""
    if (raw := _meta(sel, DATE_META)) and (dt := parse_datetime(raw, today=today, partial=False, future_ok=True)):
        return dt, raw, "meta"
    header = " ".join(_text(n) for css in HEADER_SELECTORS for n in sel.css(css)[:3])
    page_text = clean(" ".join(sel.xpath("//text()[not(ancestor::head)]").getall()))
    for text, in_header in ((header, True), (page_text[:3000], False)):
        if found := find_labelled(text, today=today, future_ok=in_header):
            return found[0], found[1], "label"
    if found := find_script_date(scripts, today=today):
        return found[0], found[1], "script"
    start = normalize(page_text).find(normalize(title)) if title else -1
    window = page_text[start : start + 600] if start >= 0 else page_text[:1500]
    for match in find_dates(window, partial=False):
        if dt := parse_datetime(match.raw, today=today, partial=False):
            return dt, match.raw, "near_title"
    return None, None, None


def _source(sel: Selector, header_text: str) -> str | None:
    if value := _meta(sel, SOURCE_META):
        return value
    m = _SOURCE_LABEL.search(header_text)
    return m.group("v") if m else None


def parse_article(response: TextResponse, *, today: date) -> Article:
    """Everything the checks need from one article page."""
    sel = Selector(text=response.text)
    scripts = "\n".join(sel.xpath("//script[not(@src)]/text()").getall())
    for node in sel.xpath(_NOISE):
        node.drop()
    title = _title(sel)
    published_at, raw, rule = _date(sel, scripts, title, today)
    body = _body(sel)
    header_text = (
        " ".join(_text(n) for css in HEADER_SELECTORS for n in sel.css(css)[:3]) or _text(sel)[:3000]
    )
    return Article(
        title=title,
        published_at=published_at,
        published_raw=raw,
        source=_source(sel, header_text),
        body_text=_text(body),
        images=_images(body, response.url),
        attachments=_attachments(sel, response.url),
        date_source=rule,
    )
