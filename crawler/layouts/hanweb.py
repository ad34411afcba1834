"""大汉 Hanweb jpage lists: items sit in CDATA records of `<script type="text/xml"><datastore>`; further pages
come from module/web/jpage/dataproxy.jsp in groups of groupSize × perPage records."""

from __future__ import annotations

import math
import re
from datetime import date
from urllib.parse import parse_qsl, urlencode, urlsplit

from parsel import Selector

from crawler.layouts.base import ListPage
from crawler.layouts.common import absolute, build_items, read_row

FAMILY = "hanweb"
MARKERS = re.compile(r"<datastore>|jpage/dataproxy\.jsp", re.IGNORECASE)
_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.DOTALL | re.IGNORECASE)
_NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[.*?href=[\"']([^\"']+)[\"']", re.DOTALL | re.IGNORECASE)
_TOTAL = re.compile(r"totalRecord\s*[:=]\s*['\"]?(\d+)|<totalrecord>\s*(\d+)", re.IGNORECASE)
_TOTAL_PAGES = re.compile(r"<totalpage>\s*(\d+)", re.IGNORECASE)
_PER_PAGE = re.compile(r"perPage\s*[:=]\s*['\"]?(\d+)", re.IGNORECASE)
_GROUP = re.compile(r"groupSize\s*[:=]\s*['\"]?(\d+)", re.IGNORECASE)
_PROXY = re.compile(r"proxyUrl\s*[:=]\s*['\"]([^'\"]+)['\"]", re.IGNORECASE)
_AJAX_PARAM = re.compile(r"ajaxParam\s*:\s*\{(.*?)\}", re.DOTALL)
_PARAM = re.compile(r"['\"]?(\w+)['\"]?\s*:\s*['\"]?([^,'\"}]*)['\"]?")
DEFAULT_PROXY = "/module/web/jpage/dataproxy.jsp"
DEFAULT_PER_PAGE = 15
DEFAULT_GROUP = 3


def matches(html: str) -> bool:
    return bool(MARKERS.search(html))


def _int(pattern: re.Pattern[str], text: str) -> int | None:
    m = pattern.search(text)
    return int(next(g for g in m.groups() if g)) if m else None


def _params(html: str) -> dict[str, str]:
    """The dataproxy form parameters: jpage's ajaxParam, else the query of the <nextgroup> link."""
    if m := _AJAX_PARAM.search(html):
        return {k: v.strip() for k, v in _PARAM.findall(m.group(1))}
    if m := _NEXTGROUP.search(html):
        params = dict(parse_qsl(urlsplit(m.group(1).replace("&amp;", "&")).query))
        params.pop("page", None)
        return params
    return {}


def _group_urls(url: str, html: str, fetched: int, total: int, per_page: int) -> list[str]:
    proxy = _PROXY.search(html)
    path = proxy.group(1) if proxy else DEFAULT_PROXY
    if path.startswith("module/"):  # jpage resolves its proxy from the site root
        path = "/" + path
    base = absolute(url, path)
    group = per_page * (_int(_GROUP, html) or DEFAULT_GROUP)
    query = urlencode(_params(html))
    urls = []
    for start in range(fetched + 1, total + 1, group):
        end = min(start + group - 1, total)
        urls.append(
            f"{base}?startrecord={start}&endrecord={end}&perpage={per_page}" + (f"&{query}" if query else "")
        )
    return urls


def parse(sel: Selector, url: str, today: date, html: str) -> ListPage:
    """`html` is the raw text: the records are CDATA inside a script (or an XML answer of the proxy)."""
    rows = [r for r in (read_row(Selector(text=rec)) for rec in _RECORD.findall(html)) if r is not None]
    items = build_items(rows, url, today)
    total = _int(_TOTAL, html)
    per_page = _int(_PER_PAGE, html) or DEFAULT_PER_PAGE
    page_count = _int(_TOTAL_PAGES, html) or (
        max(1, math.ceil(total / per_page)) if total is not None else None
    )
    next_urls: list[str] = []
    is_proxy_answer = "startrecord=" in url  # the first page already listed every group
    if total is not None and not is_proxy_answer:
        next_urls = _group_urls(url, html, len(rows), total, per_page)
    needs_js = total is None and not rows
    return ListPage(items=items, next_urls=next_urls, page_count=page_count, family=FAMILY, needs_js=needs_js)
