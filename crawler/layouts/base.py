"""Plain result records of the page-understanding layer (what spiders store), plus small shared helpers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Literal
from urllib.parse import urlencode

from lxml import etree
from parsel import Selector
from parsel.csstranslator import GenericTranslator, HTMLTranslator

ErrorReportStatus = Literal["present", "missing", "commented_out", "hidden"]
ErrorReportKind = Literal["script", "link", "span"]


@dataclass(frozen=True, slots=True)
class ListItem:
    title: str
    url: str  # absolute
    published_on: date | None
    position: int  # 0-based order on the page
    raw_date: str | None


Form = tuple[tuple[str, str], ...]  # ordered (name, value) pairs: sent in the order the page states them


@dataclass(frozen=True, slots=True)
class PageRequest:
    """A further list page as the site's own pager fetches it: most by GET, Hanweb jpage's groups by a POST
    of its ajaxParam form. Layouts say what to fetch; the spider builds the Scrapy request."""

    url: str  # absolute
    method: Literal["GET", "POST"] = "GET"
    form: Form = ()  # the urlencoded body of a POST

    @property
    def key(self) -> str:
        """What identifies the page (dedup, the stored page URL): the URL, a POST's form appended as a query.
        Every column of a Hanweb site posts to the same dataproxy.jsp?startrecord=46&endrecord=90…:
        only the form (columnid, unitid) tells their pages apart."""
        if self.method == "GET" or not self.form:
            return self.url
        return self.url + ("&" if "?" in self.url else "?") + urlencode(self.form)


def plain_pages(urls: list[str]) -> list[PageRequest]:
    """Pages fetched by following a URL: what every layout but Hanweb's finds."""
    return [PageRequest(url) for url in urls]


@dataclass(frozen=True, slots=True)
class ListPage:
    items: list[ListItem]
    next_pages: list[PageRequest]  # further list pages to fetch, in order, deduplicated
    page_count: int | None
    family: str  # trs | hanweb | catalogue | generic
    empty_notice: str | None = None  # "本栏目暂无信息": the column explains it is empty
    under_construction: bool = False  # "建设中" placeholder
    needs_js: bool = False  # items or further pages are only reachable by running the page's scripts

    @property
    def next_urls(self) -> list[str]:
        """The further pages' URLs (a POST's URL without its form)."""
        return [page.url for page in self.next_pages]

    @property
    def newest(self) -> date | None:
        dates = [i.published_on for i in self.items if i.published_on]
        return max(dates) if dates else None


@dataclass(frozen=True, slots=True)
class Image:
    src: str
    width: int | None
    height: int | None
    alt: str | None


@dataclass(frozen=True, slots=True)
class Article:
    title: str | None
    published_at: datetime | None
    published_raw: str | None
    source: str | None  # 来源 / 发布机构 / ContentSource
    body_text: str
    images: list[Image] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)
    date_source: str | None = None  # meta | label | script | near_title | None


@dataclass(frozen=True, slots=True)
class ErrorReport:
    """The 我为政府网站找错 entry (indicators.md F4)."""

    status: ErrorReportStatus
    kind: ErrorReportKind | None = None
    site_code: str | None = None
    url_param: str | None = None
    raw: str | None = None


@dataclass(frozen=True, slots=True)
class Marks:
    """Footer marks (indicators.md F2/F3)."""

    site_code_text: str | None
    site_id_meta: str | None
    icp: str | None
    police_record: str | None
    conac: bool
    conac_url: str | None
    error_report: ErrorReport


def as_selector(page: object) -> Selector:
    """Accept a Scrapy response or a parsel Selector."""
    if isinstance(page, Selector):
        return page
    return page.selector  # type: ignore[attr-defined, no-any-return]


def clean(text: str | None) -> str:
    """Collapse whitespace (incl. U+3000 and nbsp) to single spaces."""
    return " ".join((text or "").split())


@cache
def compiled(expr: str) -> etree.XPath:
    """An XPath compiled once and run on lxml nodes directly: the same query as parsel's `.xpath()`,
    without a Selector object per hit (a crawl asks each query of ~50,000 pages)."""
    return etree.XPath(expr, smart_strings=False)


_CSS_TRANSLATORS = {"html": HTMLTranslator(), "xml": GenericTranslator()}


@cache
def compiled_css(query: str, kind: str = "html") -> etree.XPath:
    """A CSS selector as parsel's `.css()` translates it for an html or xml Selector, compiled once."""
    return compiled(_CSS_TRANSLATORS[kind].css_to_xpath(query))
