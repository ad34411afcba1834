"""附件1 in the workspace: the per-unit figures kept between requests, and the 信息明细 rows a page at a time.

A 信息明细 row is a piece of information as publications.py counts it (one per unit and URL, its fate decided
against the unit's other items), so the rows cannot be read by one SQL range: a unit's rows are computed from the
unit's own list items alone. The list is paged the way the findings list is (findings_pages): each unit is a
*segment* whose size per (column, fate) the figures already know, in the export's order (units ranked, then the
portal's own columns; inside a unit by date and URL). A page skips whole units by their sizes and computes only the
one or two units it shows (kept for the next pages). Pages are addressed by number or by a keyset cursor
(unit id, date, URL of the row before or after); neither computes the units before it.

One unit's rows (a 单位 account's, or a unit chosen) may be sorted by any of their columns: they are in memory for
any page of that unit, so an order costs one sort. Across units it would cost every unit's rows (the whole count),
so the list of all units keeps the export's order.

The figures cost one pass over the period's list items (one unit at a time, its items dropped after counting;
about 10 s for 1,000,000 list items): they are kept per period until a crawl changes the list items (SegmentCache
with the crawl stamp) or MAX_AGE passes. Then the kept figures are still shown, marked with their time, while one
background thread counts afresh: no request after a crawl waits for the count. Only a period never counted since
the server started waits for it; `warm` counts the default period when the server starts.
"""

from __future__ import annotations

import logging
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select

from portalcheck.exports import publications
from portalcheck.exports.common import Period, sort_key
from portalcheck.exports.findings_pages import BadCursor, Page, SegmentCache, decode, encode
from storage.models import Column, CrawlRun, ListItem
from storage.models import Page as StoredPage
from storage.session import Store

log = logging.getLogger(__name__)
_LOCK = threading.Lock()
ORDER = "pub"  # the cursor's order name
MAX_AGE = 900.0  # seconds: a crawl changes the stamp; this bounds what a change without one (none known) costs


def crawl_stamp(store: Store) -> Any:
    """What 附件1 is computed from changes only by a crawl: its runs, list items, pages and columns (index max)."""
    with store.session() as session:
        return tuple(session.scalar(select(value)) for value in (
            func.max(CrawlRun.id), func.max(CrawlRun.finished_at), func.max(ListItem.id),
            func.max(StoredPage.id), func.max(Column.id)))


_FIGURES = SegmentCache(crawl_stamp, MAX_AGE, size=8)
_UNITS = SegmentCache(crawl_stamp, MAX_AGE, size=6)  # the rows of the units the last pages showed


def _scope_key(period: Period) -> tuple[date, date]:
    return period.date_from, period.date_to


_COUNTING = threading.Lock()  # one count at a time: a second request for the same figures waits for the first
_REFRESHING: set[tuple[str, Any]] = set()


def figures(store: Store, period: Period) -> tuple[publications.Publications, datetime | None]:
    """Every unit's figures for the period (all units: a rank is among all), without the 信息明细 rows; and None,
    or when the figures shown are being counted afresh, the moment they were counted."""
    key = _scope_key(period)
    fresh = _FIGURES.get(store, key, _FIGURES.stamp(store))
    if fresh is not None:
        return fresh[0], None
    stale = _FIGURES.latest(store, key)
    if stale is not None:
        _refresh(store, period)
        return stale[0], stale[1]
    with _COUNTING:
        fresh = _FIGURES.get(store, key, _FIGURES.stamp(store)) or _count(store, period)
    return fresh[0], None


def _count(store: Store, period: Period) -> tuple[publications.Publications, datetime]:
    stamp = _FIGURES.stamp(store)  # before the count: a crawl writing meanwhile is counted again next time
    counted = (publications.compute(store, Period(period.date_from, period.date_to, period.as_of),
                                    keep_items=False), datetime.now(UTC))
    _FIGURES.put(store, _scope_key(period), stamp, counted)
    return counted


def _refresh(store: Store, period: Period, *, only_if_missing: bool = False) -> None:
    """Count the period's figures again in a background thread (unless one already does); `only_if_missing`
    leaves figures already kept alone (the server's start)."""
    marker = (store.url, _scope_key(period))
    with _LOCK:
        if marker in _REFRESHING:
            return
        _REFRESHING.add(marker)

    def work() -> None:
        try:
            with _COUNTING:
                if not only_if_missing or _FIGURES.latest(store, _scope_key(period)) is None:
                    _count(store, period)
        except Exception:  # noqa: BLE001 - the kept figures stay; the next request tries again
            log.exception("counting 附件1's figures failed")
        finally:
            with _LOCK:
                _REFRESHING.discard(marker)

    threading.Thread(target=work, name="publications-figures", daemon=True).start()


def warm(store: Store) -> None:
    """Count the default period's figures in the background (the server's start): the first visit finds them."""
    _refresh(store, Period.make(), only_if_missing=True)


def unit_rows(store: Store, period: Period, unit: publications.UnitCount, stamp: Any) -> list[dict[str, Any]]:
    key = (*_scope_key(period), unit.unit_id)
    cached = _UNITS.get(store, key, stamp)
    if cached is None:
        cached = publications.unit_items(store, period, unit.unit_id, unit.name, unit.kind)
        _UNITS.put(store, key, stamp, cached)
    return cached


def column_names(pubs: publications.Publications, units: Sequence[str] | None) -> list[str]:
    """The columns a 栏目 filter may name: those of the units in scope."""
    return sorted({c["column"] for c in pubs.columns if units is None or c["unit"] in units})


FATES = (publications.COUNTED, publications.REPOST, publications.DUPLICATE)
ITEM_ORDERS = tuple(f.key for f in publications.ITEM_FIELDS if f.key != "unit")  # one unit's rows: by these


class NeedsOneUnit(ValueError):
    """The 信息明细 of several units is listed in the export's order only."""


class ItemLister:
    """One request's view of the 信息明细: the units in scope and the column / fate filters."""

    def __init__(self, store: Store, period: Period, units: Sequence[str] | None, columns: Sequence[str] = (),
                 fates: Sequence[str] = ()) -> None:
        self.store, self.period = store, period
        self.pubs, self.counted_at = figures(store, period)
        self.stamp = _UNITS.stamp(store)
        self.columns, self.fates = set(columns), set(fates)
        self.segments = [u for u in self.pubs.units + self.pubs.portal if units is None or u.name in units]
        self.sizes = [sum(n for (column, fate), n in u.rows.items() if self._wanted(column, fate))
                      for u in self.segments]

    def _wanted(self, column: str, fate: str) -> bool:
        return (not self.columns or column in self.columns) and (not self.fates or fate in self.fates)

    def rows_of(self, index: int) -> list[dict[str, Any]]:
        if not self.sizes[index]:
            return []
        rows = unit_rows(self.store, self.period, self.segments[index], self.stamp)
        if not self.columns and not self.fates:
            return rows
        return [r for r in rows if self._wanted(r["column"], r["counted"])]

    @staticmethod
    def key(row: dict[str, Any]) -> tuple[str, str]:
        return row["published_on"].isoformat(), row["url"]

    def cursor(self, index: int, row: dict[str, Any]) -> str:
        return encode(ORDER, [self.segments[index].unit_id, *self.key(row)])

    def _at(self, token: str) -> tuple[int, tuple[str, str]]:
        values = decode(ORDER, token)
        if len(values) != 3 or not isinstance(values[0], int) or not all(isinstance(v, str) for v in values[1:]):
            raise BadCursor("翻页参数无效")
        index = next((i for i, u in enumerate(self.segments) if u.unit_id == values[0]), None)
        if index is None:
            raise BadCursor("翻页参数与筛选不符")
        return index, (values[1], values[2])

    def page(self, limit: int, *, page: int = 1, after: str | None = None, before: str | None = None) -> Page:
        total = sum(self.sizes)
        if before is not None:
            index, key = self._at(before)
            rows = self.rows_of(index)
            end = bisect_left([self.key(r) for r in rows], key)
            start = sum(self.sizes[:index]) + end - limit  # the page before is the `limit` rows before the key
            if start <= 0:
                return self.page(limit)
            return self._from(start, limit, total)
        if after is not None:
            index, key = self._at(after)
            rows = self.rows_of(index)
            start = sum(self.sizes[:index]) + bisect_right([self.key(r) for r in rows], key)
            return self._from(start, limit, total)
        return self._from((max(1, page) - 1) * limit, limit, total)

    def sorted_page(self, order: str, descending: bool, limit: int, page: int = 1) -> Page:
        """One unit's rows ordered by `order` (URL breaks ties), by page number."""
        if order not in ITEM_ORDERS:
            raise ValueError(f"unknown order {order!r}")
        if len(self.segments) != 1:
            raise NeedsOneUnit("请先选择一个单位，再对信息明细排序")
        rows = sorted(self.rows_of(0), key=lambda r: (sort_key(r.get(order)), r["url"]), reverse=descending)
        start = (max(1, page) - 1) * limit
        return Page(len(rows), rows[start:start + limit], start if start < len(rows) else len(rows), None, None)

    def _from(self, start: int, limit: int, total: int) -> Page:
        """The `limit` rows from position `start`: whole units before it skipped by their sizes."""
        taken: list[tuple[int, dict[str, Any]]] = []
        index, skip = 0, start
        while index < len(self.segments) and skip >= self.sizes[index]:
            skip -= self.sizes[index]
            index += 1
        while index < len(self.segments) and len(taken) < limit:
            taken += [(index, r) for r in self.rows_of(index)[skip:skip + limit - len(taken)]]
            index, skip = index + 1, 0
        if not taken:
            return Page(total, [], total, None, None)
        return Page(total, [row for _, row in taken], start,
                    self.cursor(*taken[-1]) if start + len(taken) < total else None,
                    self.cursor(*taken[0]) if start > 0 else None)


def items_page(store: Store, period: Period, units: Sequence[str] | None = None, *, columns: Sequence[str] = (),
               fates: Sequence[str] = (), limit: int = 100, page: int = 1, after: str | None = None,
               before: str | None = None, order: str | None = None, descending: bool = False) -> Page:
    """One page of 附件1's 信息明细 (rows as the export writes them), by number or cursor; or, ordered by one of
    ITEM_ORDERS (one unit in scope only, else NeedsOneUnit), by number."""
    lister = ItemLister(store, period, units, columns, fates)
    if order is not None:
        return lister.sorted_page(order, descending, limit, page)
    return lister.page(limit, page=page, after=after, before=before)
