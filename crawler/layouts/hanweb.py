"""大汉 Hanweb jpage lists: items sit in CDATA records of `<script type="text/xml"><datastore>`; further pages
come from module/web/jpage/dataproxy.jsp in groups of groupSize × perPage records, fetched by POST as
jquery.page.js does (record range in the query, ajaxParam as a urlencoded form)."""

from __future__ import annotations

import math
import re
from datetime import date
from urllib.parse import parse_qsl, urlsplit

from parsel import Selector

from crawler.layouts import generic
from crawler.layouts.base import Form, ListPage, PageRequest
from crawler.layouts.common import absolute, build_items, read_row

FAMILY = "hanweb"
MARKERS = re.compile(r"<datastore>|jpage/dataproxy\.jsp", re.IGNORECASE)
_DATASTORE = re.compile(r"<datastore>", re.IGNORECASE)
_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.DOTALL | re.IGNORECASE)
_NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[.*?href=[\"']([^\"']+)[\"']", re.DOTALL | re.IGNORECASE)
_TOTAL = re.compile(r"totalRecord\s*[:=]\s*['\"]?(\d+)|<totalrecord>\s*(\d+)", re.IGNORECASE)
_TOTAL_PAGES = re.compile(r"<totalpage>\s*(\d+)", re.IGNORECASE)
_PER_PAGE = re.compile(r"perPage\s*[:=]\s*['\"]?(\d+)", re.IGNORECASE)
_GROUP = re.compile(r"groupSize\s*[:=]\s*['\"]?(\d+)", re.IGNORECASE)
_PROXY = re.compile(r"proxyUrl\s*[:=]\s*['\"]([^'\"]+)['\"]", re.IGNORECASE)
_AJAX_PARAM = re.compile(r"ajaxParam\s*:\s*\{(.*?)\}", re.DOTALL)
# name: 'quoted, may hold commas' | "quoted" | bare (number, identifier)
_PARAM = re.compile(r"""['"]?(\w+)['"]?\s*:\s*(?:'([^']*)'|"([^"]*)"|([^,}\s]*))""")
DEFAULT_PROXY = "/module/web/jpage/dataproxy.jsp"
DEFAULT_PER_PAGE = 15
DEFAULT_GROUP = 3


def matches(html: str) -> bool:
    return bool(MARKERS.search(html))


def _int(pattern: re.Pattern[str], text: str) -> int | None:
    m = pattern.search(text)
    return int(next(g for g in m.groups() if g)) if m else None


def _nextgroup(html: str) -> str | None:
    m = _NEXTGROUP.search(html)
    return m.group(1).replace("&amp;", "&") if m else None


def _form(html: str) -> Form:
    """The dataproxy form, in the page's order: jpage's ajaxParam, else the query of the <nextgroup> link
    (older templates carry the same fields there; its `page` is the link's own, not a form field)."""
    if m := _AJAX_PARAM.search(html):
        return tuple((name, "".join(values).strip()) for name, *values in _PARAM.findall(m.group(1)))
    if link := _nextgroup(html):
        return tuple((k, v) for k, v in parse_qsl(urlsplit(link).query, keep_blank_values=True) if k != "page")
    return ()


def _proxy_path(html: str) -> str:
    """jpage's proxyUrl, else the <nextgroup> link's path (older templates: /module/jslib/jquery/jpage/…)."""
    if m := _PROXY.search(html):
        path = m.group(1)
    else:
        path = urlsplit(_nextgroup(html) or "").path or DEFAULT_PROXY
    return "/" + path if path.startswith("module/") else path  # jpage resolves its proxy from the site root


def _groups(url: str, html: str, fetched: int, total: int, per_page: int) -> list[PageRequest]:
    """One POST per group of groupSize × perPage records after those in the page, as jpage sends it: only the
    record range in the query, the form as the body (servers answer a bare GET with an empty datastore)."""
    base = absolute(url, _proxy_path(html))
    group = per_page * (_int(_GROUP, html) or DEFAULT_GROUP)
    form = _form(html)
    pages = []
    for start in range(fetched + 1, total + 1, group):
        end = min(start + group - 1, total)
        pages.append(PageRequest(f"{base}?startrecord={start}&endrecord={end}&perpage={per_page}", "POST", form))
    return pages


def parse(sel: Selector, url: str, today: date, html: str) -> ListPage:
    """`html` is the raw text: the records are CDATA inside a script (or an XML answer of the proxy)."""
    records = _RECORD.findall(html)
    rows = [r for r in (read_row(Selector(text=rec)) for rec in records) if r is not None]
    if not records and not _DATASTORE.search(html):
        # The page's own script posts to the proxy and writes the records into the list: as rendered, they are
        # ordinary rows of the page.
        rows = [r for r in (read_row(n) for n in generic.main_list_rows(sel, url)) if r is not None]
    items = build_items(rows, url, today)
    total = _int(_TOTAL, html)
    per_page = _int(_PER_PAGE, html) or DEFAULT_PER_PAGE
    page_count = _int(_TOTAL_PAGES, html) or (
        max(1, math.ceil(total / per_page)) if total is not None else None
    )
    next_pages: list[PageRequest] = []
    is_proxy_answer = "startrecord=" in url  # the first page already listed every group
    if total is not None and not is_proxy_answer:
        # Groups follow the records the page holds, readable or not: the ranges jpage itself asks for.
        next_pages = _groups(url, html, len(records), total, per_page)
    needs_js = total is None and not rows
    return ListPage(items=items, next_pages=next_pages, page_count=page_count, family=FAMILY, needs_js=needs_js)
