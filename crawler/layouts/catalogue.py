"""政府信息公开目录 tables (索引号 / 标题 / 发布机构 / 生成日期 / 发布日期 / 文号): the header cells decide which
column holds the title and which the date, since sites order them differently."""

from __future__ import annotations

from datetime import date

from parsel import Selector

from crawler.dates import find_dates
from crawler.layouts import generic
from crawler.layouts.base import ListPage, clean
from crawler.layouts.common import RawRow, link_title, row_link

FAMILY = "catalogue"
HEADER_ROWS = "//tr[th or td] | //ul/li | //ol/li"
TITLE_HEADERS = ("标题", "名称", "信息名称", "文件名称", "主题")
# Earlier = preferred: the publication date is what A4 measures; 成文日期 is only a fallback.
DATE_HEADERS = ("发布日期", "发布时间", "公开日期", "生成日期", "成文日期", "日期", "时间")
MARKER_HEADERS = ("索引号", "发布机构", "文号", "发文字号", "公开方式")


def _cells(row: Selector) -> list[Selector]:
    return row.xpath("./th|./td") if row.root.tag == "tr" else row.xpath("./*")


def _column(headers: list[str], names: tuple[str, ...]) -> int | None:
    for name in names:
        for i, h in enumerate(headers):
            if name in h and len(h) <= len(name) + 4:  # a header, not a long data cell mentioning it
                return i
    return None


def find_table(sel: Selector) -> tuple[Selector, int, int] | None:
    """(header row, title column, date column) of the first catalogue-like table on the page."""
    for el in sel.root.xpath(HEADER_ROWS):  # plain lxml: this loop sees every row of the page
        text = "".join(el.itertext())
        if not any(h in text for h in DATE_HEADERS) or len(text) > 200:
            continue
        row = Selector(root=el)
        headers = [clean(" ".join(c.xpath(".//text()").getall())) for c in _cells(row)]
        if len(headers) < 2 or not any(m in h for h in headers for m in MARKER_HEADERS + DATE_HEADERS):
            continue
        title, when = _column(headers, TITLE_HEADERS), _column(headers, DATE_HEADERS)
        if title is not None and when is not None and title != when:
            return row, title, when
    return None


def matches(sel: Selector) -> bool:
    return find_table(sel) is not None


def _data_rows(header: Selector) -> list[Selector]:
    tag = header.root.tag
    rows = header.xpath(f"following-sibling::{tag}")
    if not rows and tag == "tr":  # header in <thead>, data in <tbody>
        rows = header.xpath("ancestor::table[1]/tbody/tr[td]")
    return rows


def rows(sel: Selector) -> list[RawRow]:
    """Entries of the catalogue table, in page order (empty if the page has none)."""
    found = find_table(sel)
    out: list[RawRow] = []
    if found:
        header, title_col, date_col = found
        for row in _data_rows(header):
            cells = _cells(row)
            if len(cells) <= max(title_col, date_col):
                continue
            link = row_link(cells[title_col]) or row_link(row)
            if link is None:
                continue
            dates = find_dates(" ".join(cells[date_col].xpath(".//text()").getall()))
            out.append(RawRow(link_title(link), link.attrib["href"], dates[0] if dates else None))
    return out


def parse(sel: Selector, url: str, today: date, html: str = "") -> ListPage:
    return generic.from_rows(rows(sel), sel, url, today, family=FAMILY)
