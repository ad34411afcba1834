"""The state of every column as of the check time, computed once per run in SQL aggregates.

Stale, blank, broken and the count-based vetoes all read the same facts: the column's latest
visit (full / partial / not_seen), its newest dated item and its item counts. A column whose
latest visit is not_seen (or that was never visited) is "not checked", never stale or blank.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from types import MappingProxyType
from typing import Any

from sqlalchemy import ColumnElement, case, func, select, true
from sqlalchemy.sql import Subquery

from checks.base import CheckContext
from storage.models import Column, ColumnVisit, CrawlRun, ListItem, Page, Unit

# Columns whose update window the indicators fix; 首页 (home) has its own rule.
CATEGORY_LABELS = {
    "news": "动态要闻类", "notice": "通知公告类", "policy": "政策文件类", "personnel": "人事类",
    "planning": "规划计划类", "basic": "基础信息类",
}


@dataclass(slots=True)
class ColumnState:
    column_id: int
    unit_id: int
    unit_name: str
    name: str
    url: str
    category: str
    level: int
    visit_status: str | None  # full | partial | not_seen | None (never visited)
    visit_reason: str | None
    visit_http: int | None
    visited_at: object
    run_started: object
    items: int  # list items stored for the column
    items_this_run: int  # list items seen since the visit's run started (or the visit's own count)
    dated: int
    newest: date | None
    page_flags: Mapping[str, Any] | None = None  # the flags set, read-only (shared between columns)
    page_http: int | None = None
    page_error: str | None = None
    page_url: str | None = None
    page_fetched_at: object = None
    read_mode: str | None = None  # static | rendered | rendered_failed: how the crawl last read its list

    @property
    def seen(self) -> bool:
        return self.visit_status in ("full", "partial")

    def window_days(self, ctx: CheckContext) -> int | None:
        windows = ctx.thresholds.column_windows
        return getattr(windows, self.category, None) if self.category in CATEGORY_LABELS else None

    def age_days(self, ctx: CheckContext) -> int | None:
        return None if self.newest is None else (ctx.today - self.newest).days

    def stale_from(self, ctx: CheckContext) -> date | None:
        """The first day the column is past its window if nothing newer appears (the home page: its 14
        days); None without a dated item or a window. column.stale, home.not_updated and the warnings
        (checks/warnings/) all read the window through here."""
        window = ctx.thresholds.home_stale_days if self.category == "home" else self.window_days(ctx)
        if window is None or self.newest is None:
            return None
        return self.newest + timedelta(days=window + 1)

    def is_stale(self, ctx: CheckContext) -> bool | None:
        """True/False when judged; None when not applicable or not checked."""
        if self.window_days(ctx) is None or not self.seen or self.items == 0:
            return None
        stale_from = self.stale_from(ctx)
        if stale_from is None:
            return True if ctx.thresholds.undated_counts_as_stale else None
        return ctx.today >= stale_from

    def is_key(self) -> bool:
        """动态要闻 columns and first-level 通知公告/政策文件 columns (A4.1)."""
        return self.category == "news" or (self.category in ("notice", "policy") and self.level == 1)

    def is_long_window(self, ctx: CheckContext) -> bool:
        """Columns whose window is half a year or more: their staleness is 长期未更新 (A4.2)."""
        window = self.window_days(ctx)
        return window is not None and window >= 180


def column_states(ctx: CheckContext) -> list[ColumnState]:
    """All columns of the units in scope, with visit and item aggregates; cached per run."""
    if "column_states" in ctx.cache:
        return ctx.cache["column_states"]
    latest = _latest_visits(ctx)
    items = (
        select(
            ListItem.column_id,
            func.count(ListItem.id).label("n_items"),
            func.count(ListItem.published_on).label("dated"),
            func.max(ListItem.published_on).label("newest"),
        )
        .where(_columns_in_scope(ctx, ListItem.column_id))
        .group_by(ListItem.column_id)
        .subquery()
    )
    # Plain values, not ORM objects, and streamed: a province has ≈ 90,000 columns (the entities held at once
    # were 150 MB of the night-end peak, BENCHMARKS.md).
    recent = _items_since_run(ctx)
    pages = _column_pages(ctx)
    rows = ctx.session.execute(
        select(Column.id, Column.unit_id, Unit.name, Column.name, Column.url, Column.category, Column.level,
               Column.read_mode, ColumnVisit.status, ColumnVisit.reason, ColumnVisit.http_status,
               ColumnVisit.visited_at, ColumnVisit.items, CrawlRun.started_at, items.c.n_items, items.c.dated,
               items.c.newest)
        .join(Unit, Unit.id == Column.unit_id)
        .outerjoin(latest, latest.c.column_id == Column.id)
        .outerjoin(ColumnVisit, ColumnVisit.id == latest.c.visit_id)
        .outerjoin(CrawlRun, CrawlRun.id == ColumnVisit.run_id)
        .outerjoin(items, items.c.column_id == Column.id)
        .where(ctx.unit_filter(Column.unit_id))
        .order_by(Column.unit_id, Column.id)
        .execution_options(yield_per=2000)
    )
    states = []
    # The values many columns share (a unit's name, a category, a run's start …) kept once, not once a row.
    shared: dict[Any, Any] = {}
    one = shared.setdefault
    for (column_id, unit_id, unit_name, name, url, category, level, read_mode, visit_status, visit_reason,
         visit_http, visited_at, visit_items, run_started, n_items, n_dated, newest) in rows:
        state = ColumnState(
            column_id=column_id, unit_id=unit_id, unit_name=one(unit_name, unit_name), name=name, url=url,
            category=one(category, category), level=level, visit_status=one(visit_status, visit_status),
            visit_reason=one(visit_reason, visit_reason), visit_http=visit_http, visited_at=visited_at,
            run_started=one(run_started, run_started), items=n_items or 0,
            items_this_run=max(recent.get(column_id, 0), visit_items or 0),
            dated=n_dated or 0, newest=one(newest, newest), read_mode=one(read_mode, read_mode),
        )
        page = pages.pop(column_id, None)
        if page is not None:
            page_url, state.page_http, state.page_error, state.page_flags, state.page_fetched_at = page
            state.page_url = url if page_url is None else page_url
        states.append(state)
    ctx.cache["column_states"] = states
    return states


def units_without_columns(ctx: CheckContext, states: list[ColumnState]) -> dict[int, str]:
    """Stored units in scope (id → name) that no stored column belongs to: nothing of theirs can be judged,
    so they are not checked rather than passed (the crawl names them too)."""
    with_columns = {state.unit_id for state in states}
    return {unit_id: name for unit_id, name in ctx.session.execute(
        select(Unit.id, Unit.name).where(ctx.unit_filter(Unit.id))) if unit_id not in with_columns}


def _columns_in_scope(ctx: CheckContext, column_id: Any) -> ColumnElement[bool]:
    """`column_id` restricted to the columns of the units in scope: a unit's run then aggregates its own list
    items and visits, not the whole store's (a province's unit job, a recheck)."""
    if ctx.unit_ids is None:
        return true()
    return column_id.in_(select(Column.id).where(ctx.unit_filter(Column.unit_id)))


def _latest_visits(ctx: CheckContext) -> Subquery:
    """Per column, the id of its latest visit by `as_of` (column_id, visit_id)."""
    return (
        select(ColumnVisit.column_id, func.max(ColumnVisit.id).label("visit_id"))
        .where(ColumnVisit.visited_at <= ctx.as_of, _columns_in_scope(ctx, ColumnVisit.column_id))
        .group_by(ColumnVisit.column_id)
        .subquery()
    )


def _items_since_run(ctx: CheckContext) -> dict[int, int]:
    """Per column, the items last seen during or after the run of the column's latest visit."""
    latest = _latest_visits(ctx)
    query = (
        select(ListItem.column_id, func.count(ListItem.id))
        .join(latest, latest.c.column_id == ListItem.column_id)
        .join(ColumnVisit, ColumnVisit.id == latest.c.visit_id)
        .join(CrawlRun, CrawlRun.id == ColumnVisit.run_id)
        .where(ListItem.last_seen >= CrawlRun.started_at, _columns_in_scope(ctx, ListItem.column_id))
        .group_by(ListItem.column_id)
    )
    return dict(ctx.session.execute(query).all())


def _column_pages(ctx: CheckContext) -> dict[int, tuple]:
    """The stored list page of each column: the page at the column's own URL, else its first list page.

    Chosen in SQL (one row per column comes back) and streamed: a province's columns have ≈ 300,000 list
    pages, whose rows with their flags held at once were ≈ 95 MB of the night-end peak (BENCHMARKS.md)."""
    own = Page.url == Column.url
    ranked = (
        select(Page.column_id, Page.id.label("page_id"), own.label("own"),
               func.row_number().over(partition_by=Page.column_id,
                                      order_by=(case((own, 0), else_=1), Page.id)).label("rank"))
        .join(Column, Column.id == Page.column_id)
        .where(Page.kind.in_(("list", "home", "unit_home")), ctx.unit_filter(Column.unit_id))
        .subquery()
    )
    query = (
        select(ranked.c.column_id, ranked.c.own, Page.url, Page.http_status, Page.error, Page.flags,
               Page.fetched_at)
        .join(Page, Page.id == ranked.c.page_id)
        .where(ranked.c.rank == 1)
        .execution_options(yield_per=2000)
    )
    # The URL only when it is not the column's own (None: the column's).
    shared: dict[tuple, Mapping[str, Any]] = {}
    return {column_id: (None if own else url, http, error, _set_flags(flags, shared), fetched_at)
            for column_id, own, url, http, error, flags, fetched_at in ctx.session.execute(query)}


def _set_flags(flags: dict[str, Any] | None, shared: dict[tuple, Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """A page's flags that are set, read-only and one object for every page with the same ones: the column
    rules ask `flags.get(name)`, and a province's 90,000 list pages' flags (mostly false, mostly alike) were
    ≈ 80 MB of the night-end peak as one dict each."""
    set_ = tuple(sorted((name, value) for name, value in (flags or {}).items() if value))
    if not set_:
        return None
    try:
        return shared.setdefault(set_, MappingProxyType(dict(set_)))
    except TypeError:  # a value that cannot be a key (a list): this page's own
        return MappingProxyType(dict(set_))


def newest_items(ctx: CheckContext, column_ids: list[int], limit: int = 3) -> dict[int, list[dict]]:
    """The first items of each column's list (by position), for evidence. The first `limit` are chosen in
    SQL: a province's stale columns' whole first pages were ≈ 40 MB of the night-end peak."""
    if not column_ids:
        return {}
    ranked = (
        select(ListItem.column_id, ListItem.title, ListItem.published_on, ListItem.url,
               func.row_number().over(partition_by=ListItem.column_id,
                                      order_by=(ListItem.position, ListItem.id)).label("rank"))
        .where(ListItem.column_id.in_(column_ids), ListItem.list_page == 1)
        .subquery()
    )
    rows = ctx.session.execute(
        select(ranked.c.column_id, ranked.c.title, ranked.c.published_on, ranked.c.url)
        .where(ranked.c.rank <= limit)
        .order_by(ranked.c.column_id, ranked.c.rank)
    )
    found: dict[int, list[dict]] = {}
    for column_id, title, published_on, url in rows:
        found.setdefault(column_id, []).append(
            {"title": title, "date": published_on.isoformat() if published_on else None, "url": url})
    return found
