"""Fallback layout: the page's main repeated list of dated links, and pagination by common URL patterns."""

from __future__ import annotations

import math
import re
from datetime import date

from lxml import etree
from parsel import Selector

from crawler.dates import normalize
from crawler.layouts.base import ListPage, clean, compiled, plain_pages
from crawler.layouts.common import RawRow, absolute, build_items, read_row

FAMILY = "generic"
CONTAINER_TAGS = {"ul", "ol", "table", "tbody", "div", "dl", "section"}
# Regions whose lists are chrome, matched against class/id tokens.
CHROME = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|menu|submenu|footer|foot|header|head|banner|links?|yqlj|crumbs?|breadcrumb|"
    r"copyright|bottom|sidebar|side)(?:$|[\s_-])",
    re.IGNORECASE,
)
CHROME_TAGS = {"nav", "footer", "header"}
# "第1/2页" is a pager, not a date: month-day forms must not be followed by 页.
_ROW_DATE = re.compile(r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}|(?<!\d)\d{1,2}\s*[-/月]\s*\d{1,2}(?!\d)(?!\s*页)")
_FULLWIDTH_DIGIT = re.compile("[\uff10-\uff19]")
NEXT_TEXTS = ("下一页", "下页", "后页", "下一頁", ">", "›", "»", ">>")
PAGER_TEXTS = (*NEXT_TEXTS, "上一页", "上页", "前页", "首页", "尾页", "末页", "最后一页", "<", "‹", "«", "<<")
_PAGE_QUERY = re.compile(
    r"(?P<pre>[?&](?:page|pageIndex|pageNo|pageNum|pagenum|currentPage|curPage|pn|p)=)(?P<n>\d+)",
    re.IGNORECASE,
)
_PAGE_SUFFIX = re.compile(r"(?P<pre>(?:index|list|page|default)_)(?P<n>\d+)(?=\.\w+$)", re.IGNORECASE)
_TOTAL_PAGES = re.compile(r"共\s*(\d+)\s*页|\d+\s*/\s*(\d+)\s*页")
_TOTAL_RECORDS = re.compile(r"共\s*(\d+)\s*条")


def _is_chrome(el: etree._Element) -> bool:
    for node in (el, *el.iterancestors()):
        if not isinstance(node.tag, str):
            continue
        if node.tag in CHROME_TAGS:
            return True
        if CHROME.search(f"{node.get('class', '')} {node.get('id', '')}"):
            return True
    return False


def _rows(el: etree._Element) -> list[etree._Element]:
    if el.tag == "table":
        return el.xpath("./tr|./tbody/tr")
    if el.tag in ("ul", "ol"):
        return el.xpath("./li")
    return [c for c in el if isinstance(c.tag, str)]


def _is_entry(row: etree._Element) -> bool:
    """A row with a link and a date that is a single entry, not a block of entries."""
    if not any(a.get("href") for a in row.iter("a")):
        return False
    if sum(1 for n in row.iter("li", "tr") if n is not row) >= 2:
        return False
    text = "".join(row.itertext())
    return bool(
        _ROW_DATE.search(text) or (_FULLWIDTH_DIGIT.search(text) and _ROW_DATE.search(normalize(text)))
    )


def _signature(el: etree._Element) -> tuple[str, ...]:
    parent = el.getparent()
    return (
        el.tag,
        el.get("class", ""),
        parent.tag if parent is not None else "",
        parent.get("class", "") if parent is not None else "",
    )


def main_list_rows(sel: Selector, url: str | None = None) -> list[Selector]:
    """Rows of the best-scoring container, plus rows of same-shaped sibling containers (lists split in
    blocks of 5 with separators are common on TRS sites). With no dated rows at all, the undated list
    of links into the column's own folder (an undated list is not an empty one: the checks count its
    items as not updated)."""
    scored: list[tuple[int, etree._Element, list[etree._Element]]] = []
    for el in sel.root.iter(*CONTAINER_TAGS):
        entries = [r for r in _rows(el) if _is_entry(r)]
        minimum = 1 if el.tag in ("ul", "ol", "table", "tbody") else 2
        if len(entries) >= minimum and not _is_chrome(el):
            scored.append((len(entries), el, entries))
    if not scored:
        return _undated_rows(sel, url) if url else []
    best = max(scored, key=lambda s: s[0])
    sig = _signature(best[1])
    chosen = [
        s for s in scored if s is best or (_signature(s[1]) == sig and best[1] not in s[1].iterancestors())
    ]
    return [Selector(root=r) for s in chosen for r in s[2]]


def _undated_rows(sel: Selector, url: str) -> list[Selector]:
    """Rows of the longest list whose every row is one titled link to a page inside the column's folder."""
    folder = absolute(url, "./")
    best: list[etree._Element] = []
    for el in sel.root.iter("ul", "ol", "table", "tbody"):
        rows = _rows(el)
        if len(rows) <= len(best) or _is_chrome(el):
            continue
        links = [[a for a in r.iter("a") if a.get("href")] for r in rows]
        if all(len(found) == 1 and len(clean("".join(found[0].itertext()))) >= 4
               and (target := absolute(url, found[0].get("href", ""))).startswith(folder) and target != folder
               for found in links):
            best = rows
    return [Selector(root=r) for r in best]


def pagination(sel: Selector, url: str, item_count: int) -> tuple[list[str], int | None]:
    """Further page URLs and the page count from pager links and 共N页 / 共N条 text."""
    found: dict[str, None] = {}
    template: tuple[re.Pattern[str], str] | None = None
    numbers: list[int] = []
    for a in sel.root.iter("a"):  # plain lxml: this loop sees every link of the page
        href = (a.get("href") or "").strip()
        if not href or href.lower().startswith("javascript") or href.startswith("#"):
            continue
        full = absolute(url, href)
        text = clean("".join(a.itertext())).strip("[]")
        if not (text.isdigit() or text in PAGER_TEXTS):
            continue  # page-number patterns only count inside a pager, never on ordinary links
        for pattern in (_PAGE_QUERY, _PAGE_SUFFIX):
            m = pattern.search(full)
            if m:
                numbers.append(int(m["n"]))
                template = template or (pattern, full)
                found[full] = None
                break
        else:
            if text in NEXT_TEXTS:
                found[full] = None
    text = normalize(
        " ".join(compiled("//text()[not(ancestor::script or ancestor::style or ancestor::head)]")(sel.root))
    )
    current = _current_page(text, url)
    page_count = None
    if m := _TOTAL_PAGES.search(text):
        page_count = int(m[1] or m[2])
    elif (m := _TOTAL_RECORDS.search(text)) and item_count and current == 1:
        page_count = math.ceil(int(m[1]) / item_count)  # only page 1 shows a full page of items
    # Expand to every page only with a stated total: a lone "下一页 → list_2" says nothing about numbering.
    if page_count and template:
        pattern, example = template
        offset = _numbering_offset(sel, url, current, pattern)
        for page in range(2, page_count + 1):
            if page != current and page + offset >= 1:
                found[pattern.sub(lambda m, n=page + offset: f"{m['pre']}{n}", example, count=1)] = None
    found.pop(url, None)
    if page_count is None and numbers:
        page_count = max(numbers)  # a lower bound: the pager may not link the last page
    if page_count is None and not found and item_count:
        page_count = 1
    return sorted(found, key=_page_number), page_count


_CURRENT_PAGE = re.compile(r"第\s*(\d+)\s*/\s*\d+\s*页|第\s*(\d+)\s*页|当前\s*第?\s*(\d+)\s*页")


def _current_page(text: str, url: str) -> int:
    """The page we are on: stated in the pager (第2/5页), else read from the URL, else 1."""
    if m := _CURRENT_PAGE.search(text):
        return int(next(g for g in m.groups() if g))
    if m := _PAGE_QUERY.search(url):
        return max(1, int(m["n"]))
    if m := _PAGE_SUFFIX.search(url):
        return int(m["n"]) + 1  # TRS: index_1.html is the second page
    return 1


def _numbering_offset(sel: Selector, url: str, current: int, pattern: re.Pattern[str]) -> int:
    """URL number minus page number, learnt from the 下一页 link (list_2 after page 1 → 0;
    index_1 after page 1 → -1); without one, TRS's index_N (N = page - 1) or ?page=N (N = page)."""
    for a in sel.root.iter("a"):
        if clean("".join(a.itertext())) in NEXT_TEXTS and (m := pattern.search(absolute(url, a.get("href") or ""))):
            return int(m["n"]) - (current + 1)
    return -1 if pattern is _PAGE_SUFFIX else 0


def _page_number(url: str) -> float:
    """Sort key: pages in numeric order, a bare 下一页 target (no number) last."""
    m = _PAGE_QUERY.search(url) or _PAGE_SUFFIX.search(url)
    return int(m["n"]) if m else math.inf


def parse(sel: Selector, url: str, today: date, html: str = "") -> ListPage:
    rows = [r for r in (read_row(n) for n in main_list_rows(sel, url)) if r is not None]
    return from_rows(rows, sel, url, today)


def from_rows(rows: list[RawRow], sel: Selector, url: str, today: date, family: str = FAMILY) -> ListPage:
    items = build_items(rows, url, today)
    next_urls, page_count = pagination(sel, url, len(items))
    return ListPage(items=items, next_pages=plain_pages(next_urls), page_count=page_count, family=family)
