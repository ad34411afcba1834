"""Helpers every layout family shares: a list row -> (title, url, date), phrase detection, URL joining."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache
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
_TEMPLATE_ATTRS = ("@ms-if or @ms-visible or @ms-repeat or @ms-for or @v-if or @v-show or @v-for or @ng-if"
                   " or @ng-repeat")


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
        if "{{" in text or "{{" in href:
            return None  # a client-side template's row ({{el.title}}): its entries exist only once scripts ran
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


def visible_texts(sel: Selector) -> list[str]:
    """Body text nodes a reader sees without scripts running: no script/style, no client-side templates."""
    parts = sel.xpath(
        "//text()[not(ancestor::head or ancestor::script or ancestor::style"
        f" or ancestor::*[{_TEMPLATE_ATTRS}])]"
    ).getall()
    return [text for text in (clean(part) for part in parts) if text]


def alt_texts(sel: Selector) -> list[str]:
    """Image alt texts outside client-side templates: some sites show their note as a picture."""
    return [clean(alt) for alt in sel.xpath(f"//img[not(ancestor::*[{_TEMPLATE_ATTRS}])]/@alt").getall()
            if alt.strip()]


def find_phrase(text: str, list_name: str) -> str | None:
    """First phrase of crawler/data/phrases.yaml[list_name] found in text (list order = priority)."""
    compact = text.replace(" ", "")
    return next((p for p in load("phrases.yaml")[list_name] if p.replace(" ", "") in compact), None)


@cache
def _notice_patterns() -> tuple[list[re.Pattern[str]], re.Pattern[str]]:
    phrases = load("phrases.yaml")
    gap = phrases["empty_notice_gap"]
    patterns = [re.compile(p.replace("{gap}", gap)) for p in phrases["empty_notice"]]
    return patterns, re.compile("|".join(phrases["empty_notice_not"]))


_SENTENCE_END = "。！!；;？?\n"
_NOTE_TRIM = " ，,：:、·.…-—*【】[]()（）<>《》\"\'“”‘’"
MAX_NOTE = 60


def find_notice(texts: list[str]) -> str | None:
    """The page's own sentence saying the column has nothing to publish (暂无相关政策文件信息, 没有找到相关记录,
    该栏目信息正在整理中 …), from crawler/data/phrases.yaml's empty_notice patterns; None when no text says so.
    A sentence that also says the column is being built (栏目建设中，暂无信息) is a placeholder, not a note."""
    patterns, guard = _notice_patterns()
    # Words first (a node may hold a whole toolbar: "共0条 暂无数据 上一页"), then each text, then two or three
    # neighbouring texts joined: a note split over elements (<span>暂无相关</span><span>政策文件信息</span>).
    compacts = ["".join(text.split()) for text in texts]
    words = [word for text in texts for word in text.split()]
    joined = ["".join(compacts[i:i + n]) for n in (2, 3) for i in range(len(compacts) - n + 1)]
    for compact in [*words, *compacts, *joined]:
        for pattern in patterns:
            for match in pattern.finditer(compact):
                sentence = _sentence(compact, match.start(), match.end())
                prefix = sentence[: sentence.find(match.group(0))]
                if guard.search(prefix) or find_phrase(sentence, "under_construction"):
                    continue
                return sentence
    return None


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence around text[start:end], cut at sentence ends and to MAX_NOTE characters."""
    left = max((text.rfind(mark, 0, start) for mark in _SENTENCE_END), default=-1) + 1
    rights = [i for i in (text.find(mark, end) for mark in _SENTENCE_END) if i != -1]
    right = min(rights, default=len(text))
    left, right = max(left, end - MAX_NOTE), min(right, max(start + MAX_NOTE, end))
    return text[left:right].strip(_NOTE_TRIM) or text[start:end]


_LOADS_DATA = re.compile(r"\bfetch\s*\(|XMLHttpRequest|\$\.(?:ajax|get|post|getJSON)\s*\(|axios\.|\.load\s*\("
                         r"|dataproxy\.jsp|/search\b")
_WRITES_DOM = re.compile(r"appendChild|innerHTML|insertAdjacentHTML|\.(?:append|prepend|html)\s*\(|document\.write"
                         r"|\btemplate\s*\(|laytpl|juicer|doT\.|Handlebars|\.render\s*\(")
# Data written in the page itself: `var list = [{title: …, date: …}, …]` walked by a loop.
_INLINE_RECORDS = re.compile(r"[=:(]\s*\[\s*\{")
# Mustache placeholders left in the HTML ({{item.title}}, {{ el.date }}): a template the scripts fill.
_MUSTACHE = re.compile(r"\{\{\s*[\w$.\[\]'\"]+(?:\s*\|[^}]*)?\s*\}\}")
_TEMPLATE_SCRIPTS = "//script[@type='text/html' or @type='text/template' or @type='text/x-template']"


def has_client_templates(sel: Selector) -> bool:
    """Does the page build lists in the browser? Template attributes (avalon ms-repeat/ms-for, vue v-for,
    angular ng-repeat), {{…}} placeholders or template scripts, or an inline script that writes into the page
    data it loads (fetch, $.ajax, a dataproxy or search API) or holds (an array of records). Only asked when
    no item was found, so a false positive costs one rendering, never a wrong "blank"."""
    if sel.xpath("//*[@ms-repeat or @v-for or @ng-repeat or @ms-for or @ms-each or @x-for]"):
        return True
    if sel.xpath(_TEMPLATE_SCRIPTS):
        return True
    if any(_MUSTACHE.search(text) for text in sel.xpath("//body//text()[not(ancestor::script)]").getall()):
        return True
    return any((_LOADS_DATA.search(script) or _INLINE_RECORDS.search(script)) and _WRITES_DOM.search(script)
               for script in sel.xpath("//body//script[not(@src)]/text()").getall())
