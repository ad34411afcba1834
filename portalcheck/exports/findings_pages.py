"""Pages of the findings list without OFFSET over the whole list (the workspace's 问题清单).

The export orders findings by (site-wide first, unit, severity rank, rule rank, column name, id). That order
is made of few distinct prefixes: the findings of one (unit, severity, rule, column name) — a *segment* —
follow each other in id order. One grouped count over the index ix_findings_list_order (which starts with
unit_id, severity, rule, column_id) gives every segment in scope and its size; the segments are put in the
export's order here, and a page reads its rows segment by segment, each an index range in id order. A page is
addressed by a keyset cursor (the sort key of the row before it or after it) or by its number; neither sorts
nor skips the rows of the pages before it.

Any other order the workspace offers (SORTABLE: one column, then id) pages by a keyset cursor on (that column,
id), NULLs last.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select, tuple_

from portalcheck.exports.common import Period
from portalcheck.exports.findings import (
    ROW_FIELDS,
    SEVERITY_ORDER,
    SORT_FIELDS,
    SORTABLE,
    _display_row,
    _query,
    _row,
    _today,
    rule_fixes,
    rule_titles,
)
from portalcheck.exports.loop import loop_texts
from storage.models import CheckRun, Column, Finding, Unit
from storage.session import Store

BATCH_ROWS = 2000  # segments smaller than this together are read in one query
COLUMN_CHUNK = 900  # bound parameters per IN list (SQLite's limit is far above; PostgreSQL has none that low)


class SegmentCache:
    """The segments of the last few filter choices per database, valid while the findings stay as they were.
    (Other lists give their own `stamp` and lifetime: publications_pages keeps 附件1's figures so.)

    Findings change when a check run is recorded (in the same transaction), and otherwise by rows added: (newest
    check run, newest finding) is the stamp, two index look-ups; anything else (a row removed, a status set by
    hand) is seen after MAX_AGE seconds at most. The rows of a page are always read live: stale counts misplace
    the total and page numbers, and a segment that was empty is missed, for that long at most.
    """

    MAX_AGE = 60.0
    SIZE = 32

    def __init__(self, stamp: Callable[[Store], Any] | None = None, max_age: float | None = None,
                 size: int | None = None) -> None:
        self._entries: OrderedDict[tuple[str, Any], tuple[Any, float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._stamp = stamp or self.findings_stamp
        self.max_age = self.MAX_AGE if max_age is None else max_age
        self.size = size or self.SIZE

    @staticmethod
    def findings_stamp(store: Store) -> Any:
        with store.session() as session:
            return (session.scalar(select(func.max(CheckRun.id))), session.scalar(select(func.max(Finding.id))))

    def stamp(self, store: Store) -> Any:
        return self._stamp(store)

    def get(self, store: Store, key: Any, stamp: Any) -> Any:
        with self._lock:
            entry = self._entries.get((store.url, key))
            if entry is None or entry[0] != stamp or time.monotonic() - entry[1] > self.max_age:
                return None
            self._entries.move_to_end((store.url, key))
            return entry[2]

    def latest(self, store: Store, key: Any) -> Any:
        """What was kept for `key`, however old (None: nothing)."""
        with self._lock:
            entry = self._entries.get((store.url, key))
            return None if entry is None else entry[2]

    def put(self, store: Store, key: Any, stamp: Any, segments: Any) -> None:
        with self._lock:
            self._entries[(store.url, key)] = (stamp, time.monotonic(), segments)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


_CACHE = SegmentCache()


class BadCursor(ValueError):
    """A cursor that this list did not make (edited, or made under another order)."""


@dataclass
class Segment:
    """Findings of one (unit, severity rank, rule rank, column name), in id order within."""

    rank: tuple[Any, ...]
    unit_id: int | None
    severities: set[str] = field(default_factory=set)
    rules: set[str] = field(default_factory=set)
    column_ids: set[int | None] = field(default_factory=set)
    count: int = 0

    def where(self) -> Any:
        columns = [c for c in self.column_ids if c is not None]
        column = Finding.column_id.in_(columns) if columns else None
        if None in self.column_ids:
            column = Finding.column_id.is_(None) if column is None else or_(column, Finding.column_id.is_(None))
        unit = Finding.unit_id.is_(None) if self.unit_id is None else Finding.unit_id == self.unit_id
        return and_(unit, Finding.severity.in_(sorted(self.severities)), Finding.rule.in_(sorted(self.rules)), column)


@dataclass
class Page:
    total: int
    rows: list[dict[str, Any]]
    first: int | None  # the 0-based position of the page's first row in the list (第 N 页); None: not counted
    next_cursor: str | None
    prev_cursor: str | None


def encode(order: str, values: Sequence[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, date | datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps([order, *plain], ensure_ascii=False).encode()).decode().rstrip("=")


def decode(order: str, token: str) -> list[Any]:
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadCursor("翻页参数无效") from exc
    if not isinstance(data, list) or not data or data[0] != order:
        raise BadCursor("翻页参数与排序不符")
    values = data[1:]
    if not all(v is None or isinstance(v, str | int) and not isinstance(v, bool) for v in values):
        raise BadCursor("翻页参数无效")
    return values


class Lister:
    """One request's view of the list: scope, filters, and how to read a page of it."""

    def __init__(self, store: Store, units: Sequence[str] | None, period: Period | None, rules: Sequence[str],
                 severities: Sequence[str], statuses: Sequence[str]) -> None:
        self.store = store
        self.titles, self.fixes = rule_titles(), rule_fixes()
        self.today = _today(period, None)
        self.rule_rank = {rule: i for i, rule in enumerate(self.titles)}
        self.filters: list[Any] = []
        if units:
            with store.session() as session:
                ids = list(session.scalars(select(Unit.id).where(Unit.name.in_(list(units)))))
            self.filters.append(Finding.unit_id.in_(ids))
        if period is not None:  # as the export: seen during the period, already known at its moment
            self.filters += [Finding.last_seen >= period.start, Finding.first_seen <= period.as_of]
        for column, chosen in ((Finding.rule, rules), (Finding.severity, severities), (Finding.status, statuses)):
            if chosen:
                self.filters.append(column.in_(list(chosen)))
        self.base = _query(None, None, []).order_by(None).where(*self.filters)
        # what the segments depend on; a period that ends now is the same scope until the findings change
        now = period is not None and period.as_of >= datetime.now(UTC) - timedelta(minutes=1)
        self.cache_key = (tuple(sorted(units or ())), period and period.start,
                          None if period is None or now else period.as_of, tuple(sorted(rules)),
                          tuple(sorted(severities)), tuple(sorted(statuses)), tuple(self.rule_rank))

    def shown(self, rows: list[Any]) -> list[dict[str, Any]]:
        with self.store.session() as session:
            loop = loop_texts(session)  # the 整改 columns: each finding's newest answer and 复核 result
        return [{"id": row[0], **_display_row(_row(row, self.titles, self.fixes, self.today, True, loop))}
                for row in rows]

    # --- the export's order ------------------------------------------------------------------------

    def segments(self) -> list[Segment]:
        """Every non-empty segment in scope, in the export's order: one grouped count over the index, kept for
        the next pages until the findings change (see SegmentCache)."""
        stamp = _CACHE.stamp(self.store)
        cached = _CACHE.get(self.store, self.cache_key, stamp)
        if cached is not None:
            return cached
        segments = self._count_segments()
        _CACHE.put(self.store, self.cache_key, stamp, segments)
        return segments

    def _count_segments(self) -> list[Segment]:
        query = (select(Finding.unit_id, Finding.severity, Finding.rule, Finding.column_id, func.count())
                 .where(*self.filters).group_by(Finding.unit_id, Finding.severity, Finding.rule, Finding.column_id))
        with self.store.session() as session:
            groups = session.execute(query).all()
            column_ids = sorted({g[3] for g in groups if g[3] is not None})
            names: dict[int | None, str] = {None: ""}
            for start in range(0, len(column_ids), COLUMN_CHUNK):
                chunk = column_ids[start:start + COLUMN_CHUNK]
                names.update(session.execute(select(Column.id, Column.name).where(Column.id.in_(chunk))).all())
        by_rank: dict[tuple[Any, ...], Segment] = {}
        for unit_id, severity, rule, column_id, count in groups:
            rank = (unit_id is not None, unit_id or 0, SEVERITY_ORDER.get(severity, len(SEVERITY_ORDER)),
                    self.rule_rank.get(rule, len(self.rule_rank)), names.get(column_id) or "")
            segment = by_rank.setdefault(rank, Segment(rank, unit_id))
            segment.severities.add(severity)
            segment.rules.add(rule)
            segment.column_ids.add(column_id)
            segment.count += count
        return [by_rank[rank] for rank in sorted(by_rank)]

    def _walk(self, segments: list[Segment], indices: Sequence[int], need: int, *, bound: int | None = None,
              skip: int = 0, backward: bool = False) -> list[tuple[int, int]]:
        """(segment index, id) of the next `need` rows through segments[indices] (backward: ids descending),
        after the id `bound` in the first segment, `skip` rows of it left out. Small segments are read together
        (one query for up to BATCH_ROWS rows, put in order here); a large one alone, by its index in id order."""
        out: list[tuple[int, int]] = []
        position = 0
        while position < len(indices) and len(out) < need:
            batch, rows = [indices[position]], segments[indices[position]].count
            while (position + len(batch) < len(indices) and rows - skip < need - len(out)
                   and rows + segments[indices[position + len(batch)]].count <= BATCH_ROWS):
                rows += segments[indices[position + len(batch)]].count
                batch.append(indices[position + len(batch)])
            first = segments[batch[0]].where()
            if bound is not None:
                first = and_(first, Finding.id < bound if backward else Finding.id > bound)
            wanted = need - len(out)
            with self.store.session() as session:
                if len(batch) == 1:
                    query = (select(Finding.id).where(*self.filters, first)
                             .order_by(Finding.id.desc() if backward else Finding.id).offset(skip or None).limit(wanted))
                    out += [(batch[0], row_id) for row_id in session.scalars(query)]
                else:
                    members = {(segments[i].unit_id, severity, rule, column): order for order, i in enumerate(batch)
                               for severity in segments[i].severities for rule in segments[i].rules
                               for column in segments[i].column_ids}
                    query = select(Finding.id, Finding.unit_id, Finding.severity, Finding.rule, Finding.column_id) \
                        .where(*self.filters, or_(first, *(segments[i].where() for i in batch[1:])))
                    found = sorted(((members[(u, sev, rule, col)], -row_id if backward else row_id)
                                    for row_id, u, sev, rule, col in session.execute(query)
                                    if (u, sev, rule, col) in members))
                    out += [(batch[order], abs(key)) for order, key in found[skip:skip + wanted]]
            position += len(batch)
            bound, skip = None, 0
        return out

    def _rows(self, ids: list[int]) -> list[Any]:
        with self.store.session() as session:
            fetched = {row[0]: row for row in session.execute(self.base.where(Finding.id.in_(ids)))}
        return [fetched[i] for i in ids if i in fetched]

    def _position(self, segments: list[Segment], index: int, first_id: int) -> int:
        """How many rows come before the row `first_id` of segments[index]."""
        with self.store.session() as session:
            inside = session.scalar(select(func.count()).select_from(Finding).where(
                *self.filters, segments[index].where(), Finding.id < first_id)) or 0
        return sum(s.count for s in segments[:index]) + inside

    def _cursor(self, segment: Segment, row_id: int) -> str:
        return encode("", [int(segment.rank[0]), *segment.rank[1:], row_id])

    def export_order(self, limit: int, *, page: int = 1, after: str | None = None,
                     before: str | None = None) -> Page:
        segments = self.segments()
        total = sum(s.count for s in segments)
        if before is not None:
            key = self._key(decode("", before))
            index = next((i for i in range(len(segments) - 1, -1, -1) if segments[i].rank <= key[0]), -1)
            bound = key[1] if index >= 0 and segments[index].rank == key[0] else None
            taken = self._walk(segments, range(index, -1, -1), limit, bound=bound, backward=True)[::-1]
            if len(taken) < limit:  # the first page is shorter than `limit` from this cursor: show it whole
                return self.export_order(limit)
        else:
            index, bound, skip = 0, None, 0
            if after is not None:
                key = self._key(decode("", after))
                index = next((i for i, s in enumerate(segments) if s.rank >= key[0]), len(segments))
                bound = key[1] if index < len(segments) and segments[index].rank == key[0] else None
            else:
                skip = (max(1, page) - 1) * limit
                while index < len(segments) and skip >= segments[index].count:
                    skip -= segments[index].count
                    index += 1
            taken = self._walk(segments, range(index, len(segments)), limit, bound=bound, skip=skip)
        if not taken:
            return Page(total, [], total, None, None)
        (first_index, first_id), (last_index, last_id) = taken[0], taken[-1]
        first = self._position(segments, first_index, first_id)
        return Page(total, self.shown(self._rows([row_id for _, row_id in taken])), first,
                    self._cursor(segments[last_index], last_id) if first + len(taken) < total else None,
                    self._cursor(segments[first_index], first_id) if first > 0 else None)

    @staticmethod
    def _key(values: list[Any]) -> tuple[tuple[Any, ...], int]:
        if len(values) != 6 or not all(isinstance(v, int) for v in (values[0], values[1], values[2], values[3],
                                                                   values[5])) or not isinstance(values[4], str):
            raise BadCursor("翻页参数无效")
        return (bool(values[0]), values[1], values[2], values[3], values[4]), values[5]

    # --- one column, then id ---------------------------------------------------------------------

    def by_column(self, order: str, descending: bool, limit: int, *, page: int = 1, after: str | None = None,
                  before: str | None = None) -> Page:
        key = SORTABLE[order]
        name = f"{order}{'-' if descending else '+'}"
        total = sum(s.count for s in self.segments())
        backward = before is not None
        forward_desc = descending != backward  # the direction rows are read in
        ordering = [key.desc() if forward_desc else key.asc(), Finding.id.desc() if forward_desc else Finding.id]
        nullable = key.nullable or order == "unit"  # the site-wide findings have no unit
        if nullable:
            ordering.insert(0, key.is_(None).asc() if not backward else key.is_(None).desc())
        # the page's ids from the findings alone (units joined only to order by their name), then its rows
        ids = self._ids()
        cursor = after if after is not None else before
        if cursor is not None:
            value, row_id = self._column_key(order, decode(name, cursor))
            ids = ids.where(self._beyond(key, value, row_id, forward_desc, nulls_after=not backward,
                                         nullable=nullable))
        skip = 0 if cursor is not None else (max(1, page) - 1) * limit
        with self.store.session() as session:  # one row more than the page: is there another page that way?
            chosen = list(session.scalars(ids.order_by(*ordering).offset(skip or None).limit(limit + 1)))
            more, chosen = len(chosen) > limit, chosen[:limit]
            fetched = {row[0]: row for row in session.execute(self.base.where(Finding.id.in_(chosen)))}
        rows = [fetched[i] for i in chosen if i in fetched]
        if backward:
            rows.reverse()
            if len(rows) < limit:  # back at the start: the first page, whole
                return self.by_column(order, descending, limit)
        if not rows:
            return Page(total, [], None if cursor else total, None, None)
        at = ROW_FIELDS.index(SORT_FIELDS[order])
        has_next = True if backward else more
        has_prev = more if backward else (cursor is not None or skip > 0)
        # a cursor's page does not count the rows before it (that would read them all): no page number
        return Page(total, self.shown(rows), None if cursor else skip,
                    encode(name, [rows[-1][at], rows[-1][0]]) if has_next else None,
                    encode(name, [rows[0][at], rows[0][0]]) if has_prev else None)

    def _ids(self) -> Any:
        return select(Finding.id).outerjoin(Unit, Unit.id == Finding.unit_id).where(*self.filters)

    @staticmethod
    def _beyond(key: Any, value: Any, row_id: int, descending: bool, *, nulls_after: bool,
                nullable: bool = True) -> Any:
        """Rows after (key, id) = (value, row_id) in the order key (NULLs last), id — read in `descending`."""
        bound = tuple_(bindparam(None, value, type_=key.type), bindparam(None, row_id, type_=Finding.id.type))
        later = tuple_(key, Finding.id) < bound if descending else tuple_(key, Finding.id) > bound
        if value is None:
            ids = Finding.id < row_id if descending else Finding.id > row_id
            return and_(key.is_(None), ids) if nulls_after else or_(key.is_not(None), and_(key.is_(None), ids))
        return or_(later, key.is_(None)) if nulls_after and nullable else later

    @staticmethod
    def _column_key(order: str, values: list[Any]) -> tuple[Any, int]:
        if len(values) != 2 or not isinstance(values[1], int):
            raise BadCursor("翻页参数无效")
        value = values[0]
        if value is None:
            return None, values[1]
        if not isinstance(value, str):
            raise BadCursor("翻页参数无效")
        try:
            if order == "deadline_date":
                return date.fromisoformat(value), values[1]
            if order.endswith("_at") or order.endswith("_dt"):
                return datetime.fromisoformat(value), values[1]
        except ValueError as exc:
            raise BadCursor("翻页参数无效") from exc
        return value, values[1]


def findings_keyset_page(store: Store, units: Sequence[str] | None = None, period: Period | None = None, *,
                         rules: Sequence[str] = (), severities: Sequence[str] = (), statuses: Sequence[str] = (),
                         limit: int = 100, page: int = 1, after: str | None = None, before: str | None = None,
                         order: str | None = None, descending: bool = False) -> Page:
    """One page of the findings list (rows as the export shows them, each with its id), by number or cursor."""
    lister = Lister(store, units, period, rules, severities, statuses)
    if order is None:
        return lister.export_order(limit, page=page, after=after, before=before)
    return lister.by_column(order, descending, limit, page=page, after=after, before=before)
