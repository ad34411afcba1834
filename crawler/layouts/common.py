"""Helpers every layout family shares: a list row -> (title, url, date), phrase detection, URL joining."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from parsel import Selector

from crawler.data import load
from crawler.dates import DateMatch, find_dates, infer_years
from crawler.layouts.base import ListItem, clean, compiled
from crawler.scan import page_root
from crawler.urls import join

# Links that are list chrome, not entries.
_SKIP_LINK_TEXT = {"更多", "more", "更多>>", ">>", "详细", "详情", "查看", "全文"}
_BAD_HREF = re.compile(r"^\s*(?:javascript:|#|mailto:|tel:)", re.IGNORECASE)
# Elements that only exist in a client-side template (avalon/vue/angular): their text is not on the page.
_TEMPLATE_ATTRS = "@ms-if or @ms-visible or @ms-repeat or @v-if or @v-show or @v-for or @ng-if or @ng-repeat"


@dataclass(frozen=True, slots=True)
class RawRow:
    title: str
    href: str
    date: DateMatch | None


def absolute(base_url: str, href: str) -> str:
    return join(base_url, href.strip())


def row_link(node: Selector) -> Selector | None:
    """The entry's link: the first real link with a title or text that is not list chrome."""
    link = _row_link(page_root(node))
    return None if link is None else Selector(root=link, type="xml" if node.type == "xml" else "html")


def _row_link(node: Any) -> Any | None:
    for a in compiled(".//a[@href]")(node):
        href = a.get("href", "")
        if not href.strip() or _BAD_HREF.match(href):
            continue
        text = _link_title(a)
        if len(text) >= 2 and text.lower() not in _SKIP_LINK_TEXT:
            return a
    return None


def link_title(a: Selector) -> str:
    """@title when it is at least as long as the text (texts are often cut with '...'), else the text."""
    return _link_title(page_root(a))


def _link_title(a: Any) -> str:
    text = clean(" ".join(compiled(".//text()")(a)))
    title = clean(a.get("title"))
    return title if title and len(title) >= len(text.rstrip(".…")) else text


def _row_date(node: Any, link: Any | None) -> DateMatch | None:
    """The row's date: written outside the link (span/td/em), else in an inner element of the link."""
    outside = " ".join(compiled(".//text()[not(ancestor::a)]")(node))
    found = find_dates(outside)
    if not found and link is not None:
        found = find_dates(" ".join(compiled(".//*/text()")(link)))
    return found[-1] if found else None


def read_row(node: Selector) -> RawRow | None:
    """A list row's (title, href, date); read on lxml nodes: a page has hundreds of rows to try."""
    root = page_root(node)
    link = _row_link(root)
    if link is None:
        return None
    return RawRow(_link_title(link), link.get("href"), _row_date(root, link))


def build_items(rows: list[RawRow], base_url: str, today: date) -> list[ListItem]:
    """Rows in page order -> items with absolute URLs and years inferred across the list."""
    dates = infer_years([r.date for r in rows], today)
    return [
        ListItem(r.title, absolute(base_url, r.href), d, i, r.date.raw if r.date else None)
        for i, (r, d) in enumerate(zip(rows, dates, strict=True))
    ]


def visible_text(sel: Selector) -> str:
    """Body text a reader sees without scripts running: no script/style, no client-side templates."""
    parts = sel.xpath(
        "//text()[not(ancestor::head or ancestor::script or ancestor::style"
        f" or ancestor::*[{_TEMPLATE_ATTRS}])]"
    ).getall()
    return clean(" ".join(parts))


def find_phrase(text: str, list_name: str) -> str | None:
    """First phrase of crawler/data/phrases.yaml[list_name] found in text (list order = priority)."""
    compact = text.replace(" ", "")
    return next((p for p in load("phrases.yaml")[list_name] if p.replace(" ", "") in compact), None)


_LOADS_DATA = re.compile(r"\bfetch\s*\(|XMLHttpRequest|\$\.(?:ajax|get|post|getJSON)\s*\(|axios\.|\.load\s*\(")
_WRITES_DOM = re.compile(r"appendChild|innerHTML|insertAdjacentHTML|\.append\s*\(|\.html\s*\(|document\.write")


def has_client_templates(sel: Selector) -> bool:
    """Does the page build lists in the browser? Template attributes (avalon ms-repeat, vue v-for,
    angular ng-repeat) or an inline script that loads data and writes it into the page. Only asked
    when no item was found, so a false positive costs one rendering, never a wrong "blank"."""
    if sel.xpath("//*[@ms-repeat or @v-for or @ng-repeat or @ms-for]"):
        return True
    return any(_LOADS_DATA.search(script) and _WRITES_DOM.search(script)
               for script in sel.xpath("//body//script[not(@src)]/text()").getall())
