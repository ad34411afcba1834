"""What the spider hands to the pipeline: plain records, one per kind of fact."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(slots=True)
class ColumnItem:
    unit: str
    name: str
    url: str
    category: str
    origin: str  # discovered | configured
    level: int = 1
    parent_url: str | None = None
    render: str = "html"


@dataclass(slots=True)
class PageItem:
    url: str
    kind: str  # home | unit_home | list | article | other
    unit: str | None
    column_url: str | None
    fetched_at: datetime
    http_status: int | None = None
    error: str | None = None
    final_url: str | None = None
    title: str | None = None
    published_at: datetime | None = None
    source: str | None = None
    encoding: str | None = None
    content_hash: str | None = None
    content_length: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_text: str | None = None
    marks: dict[str, Any] | None = None
    flags: dict[str, Any] | None = None
    links: list[tuple[str, str, str]] = field(default_factory=list)  # (url, tag, text)
    page_meta: dict[str, Any] | None = None  # an article's 集约化 <meta> (crawler/page_rules.py)


@dataclass(slots=True)
class ListEntry:
    url: str
    title: str
    published_on: date | None
    raw_date: str | None
    position: int


@dataclass(slots=True)
class ListPageItem:
    """The entries read from one page of a column's list."""

    unit: str
    column_url: str
    page_number: int
    entries: list[ListEntry]
    state: ListState | None = None  # where the column's reading stands after this page (crawler/frontier.py)


@dataclass(slots=True)
class ListState:
    """What the store keeps of one list after a page of it was read (an empty `pending`: read to its end)."""

    kind: str  # column | board
    list_url: str
    unit: str
    pending: list[dict[str, Any]]  # PendingPage.as_json() of each page requested and not read yet
    pages_read: int


@dataclass(slots=True)
class ItemGroup:
    """Items the store writes in one batch, in this order: a message-board page's messages and the list
    state that follows them. Yielded apart, a batch could end between them, and a crawl killed then would
    leave the messages stored without the pages still to read after them: the next incremental run finds
    the first page unchanged and stops there, the board's later pages never read."""

    items: list[Any]


@dataclass(slots=True)
class LinkStatusItem:
    url: str
    is_external: bool
    checked_at: datetime
    http_status: int | None = None
    error: str | None = None
    soft_404: bool = False
    redirect_chain: list[str] | None = None


@dataclass(slots=True)
class AnnualReportItem:
    """A 政府网站工作年度报表 page and the figures read from it (crawler/page_rules.py)."""

    url: str
    fetched_at: datetime
    linked_from_home: bool
    year: int | None = None
    title: str | None = None
    error: str | None = None
    figures: dict[str, Any] | None = None
