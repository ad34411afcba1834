"""附件1 read back: counts per unit equal the demo's articles in the period (distinct titles),
ranked, with the notice's three lists, the per-column split, escaped titles and a chart."""

from __future__ import annotations

import csv
import json

from openpyxl import load_workbook

from ..conftest import PHONE_TITLE
from ..crawl.runner import query
from .conftest import INJECTED, Exported


def unread_columns(exported: Exported) -> set[str]:
    """JavaScript-filled columns the crawl could not read (no browser here): their items are not in the store."""
    js = [c for u in exported.portal.units for c in u.all_columns() if c.render == "js"]
    return {c.path for c in js if not query(exported.db_url, """SELECT count(*) FROM list_items i JOIN columns c
        ON c.id = i.column_id WHERE c.url = :url""", url=exported.server.base_url + c.path)[0][0]}


def expected_counts(exported: Exported) -> dict[str, int]:
    """Ground truth: each unit's articles published in the period, one per distinct title."""
    start, end = exported.period.date_from, exported.period.date_to
    unread = unread_columns(exported)
    return {unit.name: len({a.title for a in unit.all_articles()
                            if start <= a.published.date() <= end and a.column.path not in unread})
            for unit in exported.portal.units}


def load(exported: Exported, name: str = "publications.json") -> dict:
    return json.loads(exported.export("publications", "json", name).read_text(encoding="utf-8"))


def test_counts_per_unit_match_the_portal(exported: Exported) -> None:
    tables = load(exported)["tables"]
    rows = tables["units"]["rows"]
    counts = {r["unit"]: r["count"] for r in rows if r["unit"] != "合计"}
    assert counts == expected_counts(exported)
    assert rows[-1]["unit"] == "合计" and rows[-1]["count"] == sum(expected_counts(exported).values())


def test_rows_are_ranked_by_count_with_shared_ranks_for_ties(exported: Exported) -> None:
    rows = [r for r in load(exported)["tables"]["units"]["rows"] if r["rank"] is not None]
    counts = [r["count"] for r in rows]
    assert counts == sorted(counts, reverse=True)
    for before, after in zip(rows, rows[1:], strict=False):
        assert after["rank"] == (before["rank"] if after["count"] == before["count"] else rows.index(after) + 1)


def test_the_three_lists_of_the_notice(exported: Exported) -> None:
    truth = expected_counts(exported)
    lists = load(exported)["tables"]["lists"]["rows"]
    top = [r["unit"] for r in lists if r["list"] == "信息公开量前10位"]
    few = [r["unit"] for r in lists if r["list"] == "信息公开量10条以下"]
    zero = {r["unit"] for r in lists if r["list"] == "信息公开量为零"}
    ranked = sorted((n for n in truth if truth[n]), key=lambda n: -truth[n])
    assert len(top) == min(10, len(ranked)) and [truth[n] for n in top] == [truth[n] for n in ranked[:10]]
    assert set(few) == {n for n, c in truth.items() if 0 < c < 10}
    assert zero == {n for n, c in truth.items() if c == 0} == {"县司法局", "县融媒体中心"}
    no_publication = {d["unit"] for d in exported.portal.truth() if d["rule"] == "unit.no_publication"}
    assert zero == no_publication


def test_per_column_counts_add_up_and_items_list_what_was_excluded(exported: Exported) -> None:
    tables = load(exported)["tables"]
    per_unit = {r["unit"]: r["count"] for r in tables["units"]["rows"]}
    by_column: dict[str, int] = {}
    for row in tables["columns"]["rows"]:
        by_column[row["unit"]] = by_column.get(row["unit"], 0) + row["count"]
    assert {u: c for u, c in by_column.items()} == {u: c for u, c in per_unit.items() if u in by_column}
    baihe = next(u for u in exported.portal.units if u.name == "白鹤镇")
    gfxwj = next(r for r in tables["columns"]["rows"] if r["unit"] == "白鹤镇" and r["column"] == "规范性文件")
    start, end = exported.period.date_from, exported.period.date_to
    own = {a.title for a in baihe.column("gfxwj").articles if start <= a.published.date() <= end}
    assert 0 < gfxwj["count"] <= len(own)
    items = tables["items"]["rows"]
    counted = [i for i in items if i["counted"] == "计入"]
    assert len(counted) == sum(expected_counts(exported).values())
    assert {i["counted"] for i in items} <= {"计入", "标题重复，未计入", "转载，未计入"}


def test_crawled_titles_are_escaped_and_personal_numbers_masked(exported: Exported) -> None:
    book = load_workbook(exported.export("publications", "xlsx"))
    sheet = book["信息明细"]
    header = [c.value for c in sheet[1]]
    titles = [sheet.cell(row=r, column=header.index("标题") + 1) for r in range(2, sheet.max_row + 1)]
    planted = [c for c in titles if "HYPERLINK" in str(c.value)]
    assert planted and all(c.value == "'" + INJECTED and c.data_type == "s" for c in planted)
    assert not any(str(c.value).startswith(("=", "+", "-", "@")) for c in titles)
    assert any("138****5678" in str(c.value) for c in titles)
    assert not any("13812345678" in str(c.value) for c in titles)
    with exported.export("publications", "csv").open(encoding="utf-8-sig", newline="") as handle:
        cells = [cell for row in csv.reader(handle) for cell in row]
    assert "'" + INJECTED in cells and INJECTED not in cells
    assert PHONE_TITLE not in cells


def test_xlsx_carries_a_bar_chart_of_publications_per_unit(exported: Exported) -> None:
    book = load_workbook(exported.export("publications", "xlsx", "chart.xlsx"))
    main = book[book.sheetnames[0]]
    assert main.title.startswith("附件1")
    assert len(main._charts) == 1 and main._charts[0].tagname == "barChart"
    assert main.freeze_panes == "A2" and main.auto_filter.ref
    assert isinstance(main.cell(row=2, column=5).value.__class__.__name__, str)
    names = [main.cell(row=r, column=2).value for r in range(2, main.max_row + 1)]
    assert names[-1] == "合计" and len(names) == len(exported.portal.units) + 1
