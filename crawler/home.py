"""The home page's dated items: the evidence for indicator A3 (首页不更新).

A home page holds many small lists (要闻, 通知公告, 部门动态…) rather than one main list, so
every row with one link and a date counts; rows are read with the same helpers as list pages.
"""

from __future__ import annotations

from datetime import date

from scrapy.http import TextResponse

from crawler.layouts.base import ListItem
from crawler.layouts.common import build_items, read_row

ROW_XPATH = "//li[.//a[@href]] | //tr[.//a[@href]] | //dd[.//a[@href]]"


def home_entries(response: TextResponse, *, today: date) -> list[ListItem]:
    """Every dated single-link row of the page, in page order, one per URL."""
    rows = []
    seen: set[str] = set()
    for node in response.xpath(ROW_XPATH):
        if len(node.xpath(".//li|.//tr")) >= 1 or len(node.xpath(".//a[@href]")) > 2:
            continue  # a block of rows, not a row
        row = read_row(node)
        if row is None or row.date is None or row.href in seen:
            continue
        seen.add(row.href)
        rows.append(row)
    return build_items(rows, response.url, today)
