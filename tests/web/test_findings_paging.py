"""The workspace's findings list pages by keyset cursor and by number, and every way of walking it shows the
export's rows in the export's order: no row skipped, none twice (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert

from portalcheck.exports.common import Period
from portalcheck.exports.findings import iter_findings
from portalcheck.exports.findings_pages import BadCursor, findings_keyset_page
from storage.models import Column, Finding, Unit
from storage.session import Store

RULES = [("column.stale", "info"), ("link.dead", "deduct"), ("content.personal_data", "veto"),
         ("retired.rule", "deduct"), ("other.retired", "info"), ("footer.icp", "odd")]
STATUSES = ["new", "open", "resolved", "regressed"]
LIMIT = 7


@pytest.fixture
def filled(store: Store) -> Store:
    """Units out of name order, two columns of one unit with the same name, site-wide findings, findings without a
    column, rules the catalogue no longer knows, an unknown severity, NULL deadlines and resolution times."""
    rng = random.Random(5)
    now = datetime(2026, 6, 1, tzinfo=UTC)
    with store.session() as session:
        session.execute(insert(Unit), [{"id": i, "name": name, "kind": "部门", "site_url": f"https://e.gov.cn/{i}/"}
                                       for i, name in [(3, "甲局"), (1, "乙局"), (2, "丙镇")]])
        session.execute(insert(Column), [
            {"id": u * 10 + c, "unit_id": u, "name": "通知公告" if c < 2 else f"栏目{c}",
             "url": f"https://e.gov.cn/{u}/{c}/", "category": "news", "level": 1, "origin": "discovered",
             "render": "html"} for u in (1, 2, 3) for c in range(4)])
        rows = []
        for i in range(230):
            unit = rng.choice([None, 1, 2, 3, 3])
            rule, severity = rng.choice(RULES)
            rows.append({"key": f"{i:064d}", "rule": rule, "severity": severity, "points": None,
                         "unit_id": unit, "column_id": None if unit is None or i % 9 == 0 else unit * 10 + i % 4,
                         "url": f"https://e.gov.cn/{i}.html", "detail": f"问题{i}", "evidence": {},
                         "status": STATUSES[i % 4], "first_seen": now - timedelta(days=rng.randint(0, 5)),
                         "last_seen": now, "resolved_at": now if i % 4 == 2 else None,
                         "deadline": date(2026, 5, rng.randint(1, 3)) if i % 3 == 0 else None})
        session.execute(insert(Finding), rows)
    return store


def _export_ids(store: Store, period: Period, units: list[str] | None = None) -> list[str]:
    return [row["url"] for row in iter_findings(store, units, period)]


def _walk(store: Store, period: Period, **kwargs: object) -> tuple[list[str], list[list[str]]]:
    pages, page = [], findings_keyset_page(store, period.units, period, limit=LIMIT, **kwargs)
    while True:
        pages.append([r["url"] for r in page.rows])
        if page.next_cursor is None:
            break
        page = findings_keyset_page(store, period.units, period, limit=LIMIT, after=page.next_cursor, **kwargs)
    back = [[r["url"] for r in page.rows]]
    while page.prev_cursor is not None:
        page = findings_keyset_page(store, period.units, period, limit=LIMIT, before=page.prev_cursor, **kwargs)
        back.insert(0, [r["url"] for r in page.rows])
    return [u for p in pages for u in p], back if back == pages else [["backward walk differs"], *back]


def test_cursor_pages_forward_and_back_list_the_export_rows_in_its_order(filled: Store) -> None:
    period = Period.make(date(2026, 1, 1), date(2026, 12, 31))
    expected = _export_ids(filled, period)
    assert len(expected) == 230
    forward, back = _walk(filled, period)
    assert forward == expected
    assert [u for p in back for u in p] == expected
    first = findings_keyset_page(filled, None, period, limit=LIMIT)
    assert first.total == 230 and first.first == 0 and first.prev_cursor is None


def test_numbered_pages_are_the_export_rows_at_their_place(filled: Store) -> None:
    period = Period.make(date(2026, 1, 1), date(2026, 12, 31))
    expected = _export_ids(filled, period)
    for number in (1, 2, 17, 33, 34):
        page = findings_keyset_page(filled, None, period, limit=LIMIT, page=number)
        assert [r["url"] for r in page.rows] == expected[(number - 1) * LIMIT:number * LIMIT]
        assert page.first == min((number - 1) * LIMIT, 230)
    after = findings_keyset_page(filled, None, period, limit=LIMIT, page=17)
    nxt = findings_keyset_page(filled, None, period, limit=LIMIT, after=after.next_cursor)
    assert nxt.first == 17 * LIMIT and [r["url"] for r in nxt.rows] == expected[17 * LIMIT:18 * LIMIT]


def test_filtered_pages_keep_to_the_filter_and_the_unit(filled: Store) -> None:
    period = Period.make(date(2026, 1, 1), date(2026, 12, 31), units=["甲局"])
    expected = [r["url"] for r in iter_findings(filled, ["甲局"], period) if r["status"] in ("new", "open")]
    forward, back = _walk(filled, period, statuses=["new", "open"])
    assert forward == expected and [u for p in back for u in p] == expected


@pytest.mark.parametrize("order", ["unit", "rule", "severity_zh", "status_zh", "first_seen_at", "resolved_at_dt",
                                   "deadline_date"])
@pytest.mark.parametrize("descending", [False, True])
def test_column_orders_page_every_row_once_with_empty_values_last(filled: Store, order: str,
                                                                  descending: bool) -> None:
    period = Period.make(date(2026, 1, 1), date(2026, 12, 31))
    forward, back = _walk(filled, period, order=order, descending=descending)
    assert sorted(forward) == sorted(_export_ids(filled, period))
    assert [u for p in back for u in p] == forward
    key = {"unit": "unit", "rule": "rule", "severity_zh": "severity", "status_zh": "status",
           "first_seen_at": "first_seen", "resolved_at_dt": "resolved_at", "deadline_date": "deadline"}[order]
    by_url = {r["url"]: r for r in iter_findings(filled, None, period)}
    values = [by_url[u][key] for u in forward]
    present = [v for v in values if v is not None]
    assert values[:len(present)] == present  # the empty ones at the end, whichever direction
    assert present == sorted(present, reverse=descending)


def test_a_forged_cursor_is_refused(filled: Store) -> None:
    period = Period.make(date(2026, 1, 1), date(2026, 12, 31))
    page = findings_keyset_page(filled, None, period, limit=LIMIT, order="rule")
    for forged in ("not-base64!", "W10", page.next_cursor):  # garbage, an empty list, another order's cursor
        with pytest.raises(BadCursor):
            findings_keyset_page(filled, None, period, limit=LIMIT, after=forged)


def test_every_sortable_column_names_a_field_of_the_rows_the_list_reads() -> None:
    """The cursor of a column sort reads the row's value by position: the names must match `_query`'s columns."""
    from portalcheck.exports.findings import ROW_FIELDS, SORT_FIELDS, SORTABLE, _query

    assert len(_query(None, None, []).selected_columns) == len(ROW_FIELDS)
    assert set(SORT_FIELDS) == set(SORTABLE) and set(SORT_FIELDS.values()) <= set(ROW_FIELDS)
