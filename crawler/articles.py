"""Article pages: title, publication date (with the rule that found it), source, body, images, attachments."""

from __future__ import annotations

import copy
import re
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from lxml import etree
from parsel import Selector
from scrapy.http import HtmlResponse, TextResponse

from crawler.dates import find_dates, find_labelled, find_script_date, normalize, parse_datetime
from crawler.layouts.base import Article, Image, clean, compiled, compiled_css
from crawler.scan import XML_SPACE, page_root
from crawler.urls import join

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
_ATTACHMENT_SUFFIX = r"\.(?:pdf|docx?|xlsx?|zip|rar|wps|ofd|et|pptx?)"
ATTACHMENT_EXT = re.compile(_ATTACHMENT_SUFFIX + r"(?:$|[?#])", re.IGNORECASE)  # at the end of the path
_ATTACHMENT_HINT = re.compile(_ATTACHMENT_SUFFIX, re.IGNORECASE)  # anywhere: the cheap test first
_SOURCE_LABEL = re.compile(r"(?:来源|信息来源|文章来源|发布机构|发布单位)\s*[:：]\s*(?P<v>[^\s|]{2,40})")
_TITLE_SEP = re.compile(r"\s*(?:_|\||-{1,2}|—{1,2}|－)\s*")
_NOISE = "//script|//style|//noscript|//template"
# Text that `Selector(text=…)` would not parse as HTML: JSON, or an XML declaration (parsel's own test).
_NOT_HTML = re.compile(r"[\s\ufeff]*(?:<\?xml\s|[\[{])")
# The noise is dropped before any text is read, so no script or style element is left to be an ancestor:
# `.//text()` gives what `.//text()[not(ancestor::script or ancestor::style)]` gave, without its ancestor
# walk per text node.
_TEXT = ".//text()"
_SIMPLE_CSS = re.compile(r"([.#]?)([\w-]+)")


class _Selectors:
    """Simple CSS selectors (.class, #id, tag) answered by one lxml walk: the elements with a class, an
    id or a wanted tag, each kept by the queries whose cssselect predicate accepts it. libxml2 evaluates
    `contains(concat(' ', normalize-space(@class), ' '), ' x ')` slowly: one XPath per selector was most
    of an article's parse."""

    def __init__(self, queries: tuple[str, ...]):
        self.queries = frozenset(queries)
        self.by_class: dict[str, list[str]] = {}
        self.by_id: dict[str, list[str]] = {}
        self.by_tag: dict[str, list[str]] = {}
        tests = {".": self.by_class, "#": self.by_id, "": self.by_tag}
        for query in queries:
            sign, name = _SIMPLE_CSS.fullmatch(query).groups()  # type: ignore[union-attr]
            tests[sign].setdefault(name, []).append(query)
        tags = "".join(f" or self::{name}" for name in self.by_tag)
        self.candidates = compiled(f"descendant-or-self::*[@class or @id{tags}]")

    def select(self, root: Any) -> dict[str, list[Any]]:
        found: dict[str, list[Any]] = {query: [] for query in self.queries}
        for node in self.candidates(root):  # document order
            classes = node.get("class")
            tokens = set(XML_SPACE.split(classes)) if classes else ()  # as normalize-space(@class) splits
            for query in (*(q for t in tokens for q in self.by_class.get(t, ())),
                          *self.by_id.get(node.get("id"), ()), *self.by_tag.get(node.tag, ())):
                found[query].append(node)
        return found


_ARTICLE_CSS = _Selectors((*TITLE_SELECTORS, *BODY_SELECTORS, *HEADER_SELECTORS))


class _Page:
    """The article's own tree once its noise is dropped, and the queries asked of it."""

    def __init__(self, root: Any, kind: str):
        self.root, self.kind = root, kind
        self.selected: dict[str, list[Any]] | None = None
        self.metas: list[tuple[str | None, str | None, str]] | None = None

    def xpath(self, expr: str, node: Any = None) -> list[Any]:
        return compiled(expr)(self.root if node is None else node)  # type: ignore[no-any-return]

    def css(self, query: str) -> list[Any]:
        """The nodes parsel's `.css(query)` gives."""
        if query not in _ARTICLE_CSS.queries:
            return compiled_css(query, self.kind)(self.root)  # type: ignore[no-any-return]
        if self.selected is None:
            self.selected = _ARTICLE_CSS.select(self.root)
        return self.selected[query]

    def meta(self, names: tuple[str, ...]) -> str | None:
        """//meta[@name=N or @property=N]/@content for the first N of `names` with a non-blank value."""
        if self.metas is None:
            self.metas = [(m.get("name"), m.get("property"), content) for m in self.xpath("//meta")
                          if (content := m.get("content")) is not None]
        for name in names:
            value = next((content for n, p, content in self.metas if name in (n, p)), None)
            if value and value.strip():
                return clean(value)
        return None

    def text(self, node: Any) -> str:
        return " ".join(self.xpath(_TEXT, node))


def _first_text(page: _Page, selectors: tuple[str, ...]) -> str | None:
    for css in selectors:
        for node in page.css(css):
            text = clean(page.text(node))
            if 4 <= len(text) <= 200:
                return text
    return None


def _title(page: _Page) -> str | None:
    if t := page.meta(TITLE_META) or _first_text(page, TITLE_SELECTORS):
        return t
    page_title = clean(next(iter(page.xpath("//title/text()")), None))
    parts = [p for p in _TITLE_SEP.split(page_title) if p]
    return max(parts[:-1] or parts, key=len) if parts else None  # drop the trailing site name


def _body(page: _Page) -> Any | None:
    for css in BODY_SELECTORS:
        # A body may be a single image (scanned notice): count images as content.
        nodes = [n for n in page.css(css) if page.xpath(".//img", n) or len(clean(page.text(n))) >= 10]
        if nodes:
            return max(nodes, key=lambda n: len(page.text(n)))
    # The CMS's own body block exists but is (nearly) empty: that stub ("详见附件。") is the body;
    # the densest block would be the footer.
    for css in BODY_SELECTORS:
        if nodes := page.css(css):
            return nodes[0]
    return _densest(page)


def _densest(page: _Page) -> Any | None:
    """Fallback: the block with the most paragraph text that is not link text."""
    best, best_score = None, 0
    for node in page.xpath("//div|//td|//article|//section"):
        p_text = len("".join(page.xpath("./p//text()[not(ancestor::a)]", node)))
        if p_text > best_score:
            best, best_score = node, p_text
    return best


def _text(page: _Page, node: Any | None) -> str:
    if node is None:
        return ""
    return clean(page.text(node))


def _dimension(img: Any, name: str) -> int | None:
    value = img.get(name) or ""
    if not value:
        m = re.search(rf"(?:^|;)\s*{name}\s*:\s*(\d+)px", img.get("style", ""))
        value = m.group(1) if m else ""
    m = re.match(r"\s*(\d+)", value)
    return int(m.group(1)) if m else None


def _images(page: _Page, body: Any | None, url: str) -> list[Image]:
    if body is None:
        return []
    out = []
    for img in page.xpath(".//img", body):
        src = img.get("src") or img.get("data-src")
        if src and not src.startswith("data:"):
            out.append(Image(join(url, src.strip()), _dimension(img, "width"), _dimension(img, "height"),
                             img.get("alt")))
    return out


def _attachments(page: _Page, url: str) -> list[str]:
    found: dict[str, None] = {}
    for href in page.xpath("//a/@href"):
        full = join(url, href.strip())
        # The path is part of the URL as urlsplit reads it (tab, CR, LF deleted): no extension in that
        # text, no attachment; most links are pages, and urlsplit costs more than the test.
        if not _ATTACHMENT_HINT.search(full.replace("\t", "").replace("\r", "").replace("\n", "")):
            continue
        if ATTACHMENT_EXT.search(urlsplit(full).path + ("?" if "?" in full else "")):
            found[full] = None
    return list(found)


def _date(
    page: _Page, scripts: str, title: str | None, header: str, today: date
) -> tuple[datetime | None, str | None, str | None]:
    """(date, raw, rule). Order: PubDate meta, labelled header date, script assignment, first date after the
    title. The URL (t20260203_…) is never used: TRS keeps the creation date there, not the publication
    date."""
    if (raw := page.meta(DATE_META)) and (dt := parse_datetime(raw, today=today, partial=False, future_ok=True)):
        return dt, raw, "meta"
    page_text = clean(" ".join(page.xpath("//text()[not(ancestor::head)]")))
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


def _source(page: _Page, header_text: str) -> str | None:
    if value := page.meta(SOURCE_META):
        return value
    m = _SOURCE_LABEL.search(header_text)
    return m.group("v") if m else None


def _own_tree(response: TextResponse) -> Selector:
    """`Selector(text=response.text)`, whose noise we drop. Where that parse is the response's own (an HTML
    page with one root element: no second <html> beside it, which a copy would lose) a copy of the
    response's tree is made instead: a third of the cost of parsing the page again."""
    text = response.text
    if isinstance(response, HtmlResponse) and not _NOT_HTML.match(text):
        root = response.selector.root
        if isinstance(root, etree._Element) and not any(
                isinstance(n.tag, str) for n in (*root.itersiblings(), *root.itersiblings(preceding=True))):
            return Selector(root=copy.deepcopy(root), type="html")
    return Selector(text=text)


def parse_article(response: TextResponse, *, today: date) -> Article:
    """Everything the checks need from one article page."""
    sel = _own_tree(response)
    root = page_root(sel)
    scripts = "\n".join(compiled("//script[not(@src)]/text()")(root))
    for node in sel.xpath(_NOISE):
        node.drop()
    page = _Page(root, "xml" if sel.type == "xml" else "html")
    title = _title(page)
    header = " ".join(_text(page, n) for css in HEADER_SELECTORS for n in page.css(css)[:3])
    published_at, raw, rule = _date(page, scripts, title, header, today)
    body = _body(page)
    return Article(
        title=title,
        published_at=published_at,
        published_raw=raw,
        source=_source(page, header or _text(page, page.root)[:3000]),
        body_text=_text(page, body),
        images=_images(page, body, response.url),
        attachments=_attachments(page, response.url),
        date_source=rule,
    )
