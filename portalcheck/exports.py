"""Exports for inspectors (xlsx they open in WPS/Excel) and for machines (csv, json).

The findings JSON is a contract other tools read: a list of objects with at least
rule, severity, unit, column, url, detail, first_seen, last_seen, status.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import aliased

from portalcheck.config import Config
from storage.models import Column, Finding, Unit
from storage.session import Store

SEVERITY_ZH = {"veto": "否决", "deduct": "扣分", "info": "提示"}
STATUS_ZH = {"new": "新发现", "open": "未整改", "resolved": "已整改", "regressed": "复发"}
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def safe_cell(value: Any) -> Any:
    """Crawled text must never be evaluated by a spreadsheet (formula injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def rule_titles() -> dict[str, str]:
    try:
        from checks import catalogue
    except ImportError:
        return {}
    return {meta["rule"]: meta["title"] for meta in catalogue()}


def findings_rows(store: Store, units: Sequence[str] | None = None) -> list[dict[str, Any]]:
    column = aliased(Column)
    query = (select(Finding, Unit.name, column.name)
             .outerjoin(Unit, Unit.id == Finding.unit_id)
             .outerjoin(column, column.id == Finding.column_id)
             .order_by(Unit.name, Finding.rule, Finding.id))
    if units:
        query = query.where(Unit.name.in_(units))
    titles = rule_titles()
    rows = []
    with store.session() as session:
        for finding, unit_name, column_name in session.execute(query):
            rows.append({
                "rule": finding.rule, "title": titles.get(finding.rule, finding.rule),
                "severity": finding.severity, "points": finding.points, "unit": unit_name,
                "column": column_name, "url": finding.url, "detail": finding.detail,
                "evidence": finding.evidence, "first_seen": _iso(finding.first_seen),
                "last_seen": _iso(finding.last_seen), "resolved_at": _iso(finding.resolved_at),
                "status": finding.status, "deadline": finding.deadline.isoformat() if finding.deadline else None,
            })
    return rows


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(LOCAL_TZ).isoformat(timespec="seconds") if moment else None


COLUMNS_ZH = [("unit", "单位", 16), ("column", "栏目", 16), ("title", "问题类型", 22), ("rule", "规则编号", 20),
              ("severity", "性质", 8), ("status", "状态", 10), ("detail", "问题描述", 60), ("url", "网址", 40),
              ("first_seen", "首次发现", 20), ("last_seen", "最近发现", 20), ("resolved_at", "整改时间", 20)]


def export_findings(config: Config, path: Path, *, fmt: str, units: Sequence[str] | None = None) -> Path:
    store = Store(config.database_url())
    try:
        rows = findings_rows(store, units)
    finally:
        store.dispose()
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "json":
        path.write_text(json.dumps(rows, ensure_ascii=False, indent=2), encoding="utf-8")
    elif fmt == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:  # BOM: Excel reads it as UTF-8
            writer = csv.writer(handle)
            writer.writerow([zh for _, zh, _ in COLUMNS_ZH])
            for row in rows:
                writer.writerow([safe_cell(_display(key, row[key])) for key, _, _ in COLUMNS_ZH])
    elif fmt == "xlsx":
        _write_xlsx(path, rows)
    else:
        raise ValueError(f"unsupported format {fmt}")
    return path


def _display(key: str, value: Any) -> Any:
    if key == "severity":
        return SEVERITY_ZH.get(value, value)
    if key == "status":
        return STATUS_ZH.get(value, value)
    return value if value is not None else ""


def _write_xlsx(path: Path, rows: list[dict[str, Any]]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "问题清单"
    sheet.append([zh for _, zh, _ in COLUMNS_ZH])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([safe_cell(_display(key, row[key])) for key, _, _ in COLUMNS_ZH])
        link = sheet.cell(row=sheet.max_row, column=[k for k, _, _ in COLUMNS_ZH].index("url") + 1)
        if row["url"]:
            link.hyperlink = row["url"]
            link.style = "Hyperlink"
    for index, (_, _, width) in enumerate(COLUMNS_ZH, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = width
    for row_cells in sheet.iter_rows(min_row=2):
        for cell in row_cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    workbook.save(path)
