"""TRS WCM list pages: static createPageHTML pagination and the "动静结合" avalon pager (平潭 template)."""

from __future__ import annotations

import math
import re
from dataclasses import replace
from datetime import date

from parsel import Selector

from crawler.layouts import catalogue, generic
from crawler.layouts.base import ListPage, compiled, plain_pages
from crawler.layouts.common import absolute, read_row

FAMILY = "trs"
# Any of these in the raw HTML marks a TRS WCM page.
MARKERS = re.compile(r"createPageHTML\s*\(|var\s+pageChnlInfo\s*=|list2\.trsapi|TRS_Editor|countPage\s*=")
# Static items of the "动静结合" template: blocks of 5 rendered for $showStatic(k).
STATIC_ROWS = "//div[starts-with(@ms-visible, '$showStatic(')]//li"
_CREATE_PAGE = re.compile(r"createPageHTML\s*\(([^)]*)\)")
_VAR = re.compile(r"var\s+(\w+)\s*=\s*['\"]?(\d+)['\"]?")
_CHNL_INFO = re.compile(r"pageChnlInfo\s*=\s*\{(?P<body>.*?)\}", re.DOTALL)
_CHNL_FIELD = re.compile(
    r"(?P<key>recordCount|prepage|maxStaticIndex|quickMode|pageName|pageExt|pageIndex)\s*:\s*['\"]?(?P<value>[^,'\"\n}]*)"
)


def matches(html: str) -> bool:
    return bool(MARKERS.search(html))


def _create_page_args(script: str) -> tuple[int, int, str, str] | None:
    """(page count, current index, file name, extension) of `createPageHTML(n, cur, "index", "html")`, also
    the newer `createPageHTML('page_div', n, cur, 'index', 'html', total)` and variable arguments."""
    m = _CREATE_PAGE.search(script)
    if not m:
        return None
    variables = dict(_VAR.findall(script))
    args = [a.strip().strip("'\"") for a in m.group(1).split(",")]
    values = [variables.get(a, a) for a in args]
    for i in range(len(values) - 3):
        if values[i].isdigit() and values[i + 1].isdigit() and not values[i + 2].isdigit():
            return int(values[i]), int(values[i + 1]), values[i + 2], values[i + 3]
    return None


def _static_urls(url: str, count: int, current: int, name: str, ext: str) -> list[str]:
    pages = [f"{name}.{ext}" if k == 0 else f"{name}_{k}.{ext}" for k in range(count) if k != current]
    return [absolute(url, p) for p in pages]


def _chnl_info(scripts: str) -> dict[str, str]:
    m = _CHNL_INFO.search(scripts)
    return {f["key"]: f["value"].strip() for f in _CHNL_FIELD.finditer(m["body"])} if m else {}


def parse(sel: Selector, url: str, today: date, html: str = "") -> ListPage:
    # Items: the static blocks of the avalon template, else a catalogue table, else the main list.
    static = sel.xpath(STATIC_ROWS)
    rows = [r for r in (read_row(n) for n in static) if r is not None] if static else catalogue.rows(sel)
    if not rows:
        rows = [r for r in (read_row(n) for n in generic.main_list_rows(sel, url)) if r is not None]
    page = generic.from_rows(rows, sel, url, today, family=FAMILY)
    scripts = "\n".join(compiled("//script[not(@src)]/text()")(sel.root))
    if args := _create_page_args(scripts):
        count, current, name, ext = args
        urls = _static_urls(url, count, current, name, ext)
        return replace(page, next_pages=plain_pages(urls), page_count=count)
    info = _chnl_info(scripts)
    if info.get("recordCount", "").isdigit():
        per_page = int(info["prepage"]) if info.get("prepage", "").isdigit() else 15
        count = max(1, math.ceil(int(info["recordCount"]) / per_page))
        if info.get("pageName") and info.get("pageExt"):  # static pages named like createPageHTML's
            current = int(info["pageIndex"]) if info.get("pageIndex", "").isdigit() else 0
            urls = _static_urls(url, count, current, info["pageName"], info["pageExt"])
            return replace(page, next_pages=plain_pages(urls), page_count=count)
        # 动静结合: only the first maxStaticIndex pages are in the HTML; the rest come from /fjdzapp/search.
        needs_js = int(info["recordCount"]) > len(page.items)
        return replace(page, next_pages=[], page_count=count, needs_js=needs_js)
    return page
