"""附件1 in the workspace: the 信息明细 paged by number and by keyset cursor lists the export's rows in the export's
order (no row skipped, none twice), the 栏目 / 是否计入 / unit filters keep exactly the export's matching rows, the
figures are the export's, and the xlsx cuts a sheet longer than Excel allows with a note pointing to the csv
(SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import csv
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert

from portalcheck.exports import publications, publications_pages
from portalcheck.exports.common import Period, sort_key
from portalcheck.exports.findings_pages import BadCursor
from portalcheck.exports.writers import write_csv, write_xlsx
from storage.models import Column, ListItem, Page, Unit
from storage.session import Store

PERIOD = Period.make(date(2026, 1, 1), date(2026, 6, 30))
LIMIT = 7


@pytest.fixture
def filled(store: Store) -> Store:
    """Three units and the portal; items listed in two columns of a unit, titles repeated, reposts (a 来源 naming
    新华社), items published before and after the period, a URL first listed before the period, undated items."""
    now = datetime(2026, 7, 1, tzinfo=UTC)
    with store.session() as session:
        session.execute(insert(Unit), [{"id": i, "name": name, "kind": kind, "site_url": f"https://e.gov.cn/{i}/"}
                                       for i, name, kind in [(1, "甲局", "部门"), (2, "乙镇", "乡镇"),
                                                             (3, "丙局", "部门"), (4, "县政府门户", "门户")]])
        session.execute(insert(Column), [
            {"id": u * 10 + c, "unit_id": u, "name": ["通知公告", "政务动态", "政策文件"][c],
             "url": f"https://e.gov.cn/{u}/c{c}/", "category": "news", "level": 1, "origin": "discovered",
             "render": "html"} for u in (1, 2, 3, 4) for c in range(3)])
        items, pages = [], []
        for i in range(150):
            unit = (1, 1, 2, 3, 4)[i % 5]
            column = unit * 10 + i % 3
            url = f"https://e.gov.cn/{unit}/c{i % 3}/art{i}.html"
            published = date(2026, 1, 1) + timedelta(days=(i * 7) % 220 - 20)  # some before, some after
            items.append({"column_id": column, "url": url, "title": f"通知 {i % 40}", "published_on":
                          None if i % 23 == 0 else published, "position": i % 20, "list_page": 1,
                          "first_seen": now, "last_seen": now})
            if i % 4 == 0:  # listed again in the unit's next column (a later date there)
                items.append({**items[-1], "column_id": unit * 10 + (i + 1) % 3, "published_on": published
                              and published + timedelta(days=3)})
            if i % 11 == 0:
                pages.append({"url": url, "kind": "article", "unit_id": unit, "source": "新华社"})
        # listed in the period in one column, before it in another: not new in the period
        items.append({"column_id": 12, "url": "https://e.gov.cn/1/old.html", "title": "旧文", "position": 1,
                      "published_on": date(2026, 3, 1), "list_page": 1, "first_seen": now, "last_seen": now})
        items.append({"column_id": 11, "url": "https://e.gov.cn/1/old.html", "title": "旧文", "position": 1,
                      "published_on": date(2025, 12, 1), "list_page": 1, "first_seen": now, "last_seen": now})
        session.execute(insert(ListItem), items)
        session.execute(insert(Page), pages)
    return store


def _export_rows(store: Store, period: Period = PERIOD) -> list[dict]:
    return publications.tables(publications.compute(store, period))[3].rows  # type: ignore[return-value]


def _keys(rows: list[dict]) -> list[tuple[str, str]]:
    return [(r["unit"], r["url"]) for r in rows]


def _walk(store: Store, units: list[str] | None = None, **filters: object) -> tuple[list, list]:
    page = publications_pages.items_page(store, PERIOD, units, limit=LIMIT, **filters)
    forward = [_keys(page.rows)]
    while page.next_cursor:
        page = publications_pages.items_page(store, PERIOD, units, limit=LIMIT, after=page.next_cursor, **filters)
        forward.append(_keys(page.rows))
    back = [_keys(page.rows)]
    while page.prev_cursor:
        page = publications_pages.items_page(store, PERIOD, units, limit=LIMIT, before=page.prev_cursor, **filters)
        back.insert(0, _keys(page.rows))
    return forward, back


def test_cursor_pages_forward_and_back_list_the_export_rows_in_its_order(filled: Store) -> None:
    expected = _keys(_export_rows(filled))
    assert len(expected) > 3 * LIMIT
    assert {"转载，未计入", "标题重复，未计入", "计入"} <= {r["counted"] for r in _export_rows(filled)}
    assert ("甲局", "https://e.gov.cn/1/old.html") not in expected  # first listed before the period
    forward, back = _walk(filled)
    assert [k for p in forward for k in p] == expected
    assert back == forward
    first = publications_pages.items_page(filled, PERIOD, limit=LIMIT)
    assert first.total == len(expected) and first.first == 0 and first.prev_cursor is None


def test_numbered_pages_are_the_export_rows_at_their_place(filled: Store) -> None:
    expected = _export_rows(filled)
    for number in (1, 2, 5, -(-len(expected) // LIMIT)):
        page = publications_pages.items_page(filled, PERIOD, limit=LIMIT, page=number)
        assert page.first == (number - 1) * LIMIT
        assert page.rows == expected[(number - 1) * LIMIT:number * LIMIT]
    beyond = publications_pages.items_page(filled, PERIOD, limit=LIMIT, page=999)
    assert beyond.rows == [] and beyond.next_cursor is None


def test_column_and_fate_filters_keep_exactly_the_matching_export_rows(filled: Store) -> None:
    rows = _export_rows(filled)
    for filters, wanted in (({"columns": ["政务动态"]}, lambda r: r["column"] == "政务动态"),
                            ({"fates": ["转载，未计入"]}, lambda r: r["counted"] == "转载，未计入"),
                            ({"columns": ["通知公告", "政策文件"], "fates": ["计入"]},
                             lambda r: r["column"] in ("通知公告", "政策文件") and r["counted"] == "计入")):
        expected = _keys([r for r in rows if wanted(r)])
        assert expected
        forward, back = _walk(filled, **filters)
        assert [k for p in forward for k in p] == expected, filters
        assert back == forward


def test_a_unit_scope_shows_that_units_rows_and_columns_alone(filled: Store) -> None:
    rows = [r for r in _export_rows(filled) if r["unit"] == "乙镇"]
    forward, _ = _walk(filled, ["乙镇"])
    assert [k for p in forward for k in p] == _keys(rows)
    assert publications_pages.column_names(publications_pages.figures(filled, PERIOD)[0], ["乙镇"]) == \
        sorted(["通知公告", "政务动态", "政策文件"])
    scoped = publications_pages.items_page(filled, Period.make(PERIOD.date_from, PERIOD.date_to, units=["乙镇"]),
                                           ["乙镇"], limit=1000)
    assert {r["unit"] for r in scoped.rows} == {"乙镇"}


def test_one_units_rows_sorted_by_any_column_are_its_export_rows_in_that_order_page_by_page(filled: Store) -> None:
    rows = [r for r in _export_rows(filled) if r["unit"] == "甲局"]
    assert len(rows) > 3 * LIMIT and {bool(r["source"]) for r in rows} == {True, False}
    for order in publications_pages.ITEM_ORDERS:
        for descending in (False, True):
            pages, number = [], 1
            while True:
                page = publications_pages.items_page(filled, PERIOD, ["甲局"], limit=LIMIT, page=number,
                                                     order=order, descending=descending)
                assert page.total == len(rows) and page.first == min((number - 1) * LIMIT, len(rows))
                if not page.rows:
                    break
                pages += page.rows
                number += 1
            assert sorted(_keys(pages)) == sorted(_keys(rows)), order  # every row once
            values = [sort_key(r[order]) for r in pages]
            assert values == sorted(values, reverse=descending), (order, descending)
    by_source = publications_pages.items_page(filled, PERIOD, ["甲局"], limit=1000, order="source").rows
    blank = [r for r in by_source if not r["source"]]
    assert blank and by_source[-len(blank):] == blank  # rows without a 来源 last


def test_sorting_the_rows_of_several_units_is_refused_and_an_unknown_order_too(filled: Store) -> None:
    with pytest.raises(publications_pages.NeedsOneUnit):
        publications_pages.items_page(filled, PERIOD, None, limit=LIMIT, order="title")
    with pytest.raises(publications_pages.NeedsOneUnit):
        publications_pages.items_page(filled, PERIOD, ["甲局", "乙镇"], limit=LIMIT, order="title")
    with pytest.raises(ValueError, match="unknown order"):
        publications_pages.items_page(filled, PERIOD, ["甲局"], limit=LIMIT, order="1; DROP TABLE units")


def test_figures_are_the_exports_and_counted_once_until_a_crawl_changes_the_items(filled: Store) -> None:
    exported = publications.compute(filled, PERIOD)
    pubs, stale_since = publications_pages.figures(filled, PERIOD)
    assert stale_since is None
    assert [(u.name, u.count, u.rank, u.reposts, u.duplicates, u.newest) for u in pubs.units + pubs.portal] == \
        [(u.name, u.count, u.rank, u.reposts, u.duplicates, u.newest) for u in exported.units + exported.portal]
    assert publications_pages.figures(filled, PERIOD)[0] is pubs  # kept
    with filled.session() as session:  # a crawl lists a new item: the kept figures are shown, marked, once
        session.add(ListItem(column_id=31, url="https://e.gov.cn/3/new.html", title="新文", position=0,
                             published_on=date(2026, 6, 1)))
    again, stale_since = publications_pages.figures(filled, PERIOD)
    assert again is pubs and stale_since is not None
    for _ in range(100):  # counted afresh in the background
        fresh, stale_since = publications_pages.figures(filled, PERIOD)
        if fresh is not pubs:
            break
        time.sleep(0.05)
    assert stale_since is None
    assert next(u for u in fresh.units if u.name == "丙局").count == \
        next(u for u in pubs.units if u.name == "丙局").count + 1


def test_a_cursor_this_list_did_not_make_is_refused(filled: Store) -> None:
    with pytest.raises(BadCursor):
        publications_pages.items_page(filled, PERIOD, limit=LIMIT, after="bm90IGEgY3Vyc29y")
    page = publications_pages.items_page(filled, PERIOD, limit=LIMIT)
    with pytest.raises(BadCursor):  # made over every unit, used with a unit filter that leaves its unit out
        publications_pages.items_page(filled, PERIOD, ["丙局"], limit=LIMIT, after=page.next_cursor)


def test_xlsx_sheet_longer_than_excel_allows_is_cut_with_a_note_and_the_csv_stays_whole(filled: Store,
                                                                                        tmp_path: Path) -> None:
    pubs = publications.compute(filled, PERIOD, keep_items=False)
    count = publications.row_count(pubs)
    tables = publications.tables(pubs, publications.iter_items(filled, pubs), count)
    write_xlsx(tmp_path / "cut.xlsx", tables, max_rows=10)
    sheet = load_workbook(tmp_path / "cut.xlsx")["信息明细"]
    values = [row for row in sheet.iter_rows(values_only=True)]
    assert len(values) == 1 + 10 and count > 10
    assert [r[6] for r in values[1:10]] == [r["url"] for r in _export_rows(filled)[:9]]
    assert "CSV" in values[10][0] and f"{count:,}" in values[10][0] and "前 9 行" in values[10][0]
    tables = publications.tables(pubs, publications.iter_items(filled, pubs), count)
    write_csv(tmp_path / "whole.csv", [tables[3]])
    with (tmp_path / "whole.csv").open(encoding="utf-8-sig", newline="") as handle:
        assert len(list(csv.reader(handle))) == 1 + count
