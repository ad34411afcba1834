"""The findings list read back from xlsx, csv and json: same rows, hyperlinks, dates, deadlines."""

from __future__ import annotations

import csv
import datetime as dt
import json

from openpyxl import load_workbook

from portalcheck.exports import Period

from .conftest import Exported

CONTRACT = {"rule", "severity", "unit", "column", "url", "detail", "first_seen", "last_seen", "status"}


def _truth_columns(exported: Exported, rule: str) -> set[tuple[str, str]]:
    return {(d["unit"], d["column"]) for d in exported.portal.truth() if d["rule"] == rule}


def test_json_keeps_the_contract_and_finds_the_column_defects(exported: Exported) -> None:
    rows = json.loads(exported.export("findings", "json").read_text(encoding="utf-8"))
    assert isinstance(rows, list) and rows
    for row in rows:
        assert set(row) >= CONTRACT
        assert row["severity"] in ("veto", "deduct", "info") and row["status"] in ("new", "open")
        dt.datetime.fromisoformat(row["first_seen"])
    for rule in ("column.stale", "column.blank", "column.broken"):
        found = {(r["unit"], r["column"]) for r in rows if r["rule"] == rule}
        assert found == _truth_columns(exported, rule), rule


def test_xlsx_has_an_overall_sheet_and_one_per_unit_with_links_and_dates(exported: Exported) -> None:
    rows = json.loads(exported.export("findings", "json", "contract.json").read_text(encoding="utf-8"))
    book = load_workbook(exported.export("findings", "xlsx"))
    sheet = book["问题清单"]
    header = [c.value for c in sheet[1]]
    assert header[:6] == ["单位", "栏目", "问题类型", "规则编号", "性质", "状态"]
    assert {"网址", "整改要求", "首次发现", "最近发现", "整改期限", "证据"} <= set(header)
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:")
    assert sheet.max_row == len(rows) + 1
    url_col = header.index("网址") + 1
    first_seen_col = header.index("首次发现") + 1
    linked = [sheet.cell(row=r, column=url_col) for r in range(2, sheet.max_row + 1)
              if sheet.cell(row=r, column=url_col).value]
    assert linked and all(c.hyperlink is not None and c.hyperlink.target == c.value for c in linked)
    assert isinstance(sheet.cell(row=2, column=first_seen_col).value, dt.datetime)
    assert sheet.cell(row=2, column=header.index("问题描述") + 1).alignment.wrap_text
    assert sheet.column_dimensions["G"].width >= 30
    severities = {sheet.cell(row=r, column=5).value for r in range(2, sheet.max_row + 1)}
    assert severities <= {"否决", "扣分", "计数"} and "否决" in severities
    statuses = {sheet.cell(row=r, column=6).value for r in range(2, sheet.max_row + 1)}
    assert statuses == {"新发现"}
    units = {r["unit"] for r in rows if r["unit"]}
    assert units <= set(book.sheetnames)
    judiciary = book["县司法局"]
    assert judiciary.max_row - 1 == sum(1 for r in rows if r["unit"] == "县司法局")


def test_rows_are_ordered_site_first_then_units_vetoes_first(exported: Exported) -> None:
    rows = json.loads(exported.export("findings", "json", "order.json").read_text(encoding="utf-8"))
    assert rows[0]["unit"] is None
    unit_ids = {u.name: i for i, u in enumerate([exported.portal.portal_unit, *exported.portal.units])}
    unit_ids[exported.config.portal.name] = 0
    keys = [(r["unit"] is not None, unit_ids.get(r["unit"], -1)) for r in rows]
    assert keys == sorted(keys)
    zhongba = [r["severity"] for r in rows if r["unit"] == "中坝乡"]
    assert zhongba[0] == "veto"


def test_csv_has_the_same_rows_as_json(exported: Exported) -> None:
    rows = json.loads(exported.export("findings", "json", "same.json").read_text(encoding="utf-8"))
    with exported.export("findings", "csv").open(encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle))
    assert table[0][0] == "单位" and len(table) == len(rows) + 1
    assert [r[3] for r in table[1:]] == [r["rule"] for r in rows]


def test_deadline_is_recorded_and_an_export_after_it_lists_what_is_overdue(exported: Exported) -> None:
    yesterday = exported.period.date_to - dt.timedelta(days=1)
    scope = Period.make(exported.period.date_from, exported.period.date_to, exported.period.as_of, ["中坝乡"])
    exported.export("findings", "json", "deadline.json", period=scope, deadline=yesterday)
    rows = json.loads(exported.export("findings", "json", "after.json").read_text(encoding="utf-8"))
    zhongba = [r for r in rows if r["unit"] == "中坝乡"]
    assert zhongba and all(r["deadline"] == yesterday.isoformat() and r["overdue"] for r in zhongba)
    assert all(r["deadline"] is None for r in rows if r["unit"] != "中坝乡")
    book = load_workbook(exported.export("findings", "xlsx", "after.xlsx"))
    overdue = book["逾期未整改"]
    assert overdue.max_row - 1 == len(zhongba)
    header = [c.value for c in overdue[1]]
    assert isinstance(overdue.cell(row=2, column=header.index("整改期限") + 1).value, dt.datetime)
    assert overdue.cell(row=2, column=header.index("逾期未整改") + 1).value == "是"
