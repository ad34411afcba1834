"""The findings list (问题清单): one row per finding, one sheet overall and one per unit.

The JSON is a contract other tools read: a list of objects with at least rule, severity, unit,
column, url, detail, first_seen, last_seen, status — these keys keep their meaning (English
codes, ISO times); the Chinese labels are for the xlsx and csv only.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.orm import aliased

from checks.registry import catalogue
from portalcheck.core.config import Config
from portalcheck.exports.atomic import replacing
from portalcheck.exports.common import (
    SEVERITY_ZH,
    STATUS_ZH,
    Field,
    Period,
    Table,
    clean_text,
    iso,
    local,
)
from portalcheck.exports.evidence import evidence_text
from portalcheck.exports.loop import OPEN_STATES, is_overdue, loop_texts
from portalcheck.exports.pictures import newest_picture_paths
from portalcheck.exports.writers import write_tables
from storage.models import ACTIVE_STATUSES, Column, Finding, Unit
from storage.session import Store

SITE_WIDE = "（整站）"
# Above this many findings the per-unit sheets are left out: each would rewrite every row, and the
# overall sheet's 单位 filter gives the same view (keeps 100,000 findings within 30 s).
PER_UNIT_SHEETS_MAX = 20_000

DEFAULT_FIX = "对照检查指标要求整改。"

FIELDS = [
    Field("unit", "单位", 16), Field("column", "栏目", 14), Field("title", "问题类型", 22),
    Field("rule", "规则编号", 20), Field("severity_zh", "性质", 7), Field("status_zh", "状态", 9),
    Field("detail", "问题描述", 50), Field("evidence_text", "证据", 50), Field("url", "网址", 40, "url"),
    Field("fix", "整改要求", 36), Field("first_seen_at", "首次发现", 17, "datetime"),
    Field("last_seen_at", "最近发现", 17, "datetime"), Field("resolved_at_dt", "整改时间", 17, "datetime"),
    Field("deadline_date", "整改期限", 12, "date"), Field("overdue", "逾期未整改", 10),
    # the 整改 loop (issue #17), appended so that the columns before keep their places
    Field("rectification", "整改状态", 10), Field("answer", "单位答复", 40), Field("review", "复核结果", 22),
]
# The xlsx only (the csv keeps its columns for the tools reading it): the newest evidence picture, a link to
# the PNG on disk.
XLSX_FIELDS = [*FIELDS, Field("picture", "证据截图", 24, "file")]


def rule_titles() -> dict[str, str]:
    """Rule id → Chinese title from the checks' catalogue."""
    return {meta["rule"]: meta["title"] for meta in catalogue()}


def rule_fixes() -> dict[str, str]:
    """Rule id → 整改要求, from each check's own metadata."""
    return {meta["rule"]: meta["fix"] for meta in catalogue() if meta.get("fix")}


SEVERITY_ORDER = {"veto": 0, "info": 1, "deduct": 2}


def _query(units: Sequence[str] | None, period: Period | None, rules: list[str]) -> Any:
    """Findings in scope as plain columns (no ORM objects: 100,000 rows must stream), ordered in SQL:
    site-wide first, then units in the order they were configured, vetoes first, then by rule."""
    column = aliased(Column)
    severity = case(SEVERITY_ORDER, value=Finding.severity, else_=len(SEVERITY_ORDER))
    rule_order = case({r: i for i, r in enumerate(rules)}, value=Finding.rule, else_=len(rules)) if rules else None
    query = (select(Finding.id, Finding.rule, Finding.severity, Finding.points, Finding.url, Finding.detail,
                    Finding.evidence, Finding.status, Finding.first_seen, Finding.last_seen, Finding.resolved_at,
                    Finding.deadline, Finding.rectification_state, Unit.name, column.name)
             .outerjoin(Unit, Unit.id == Finding.unit_id)
             .outerjoin(column, column.id == Finding.column_id))
    if units:
        query = query.where(Unit.name.in_(units))
    if period is not None:  # seen during the period, and already known at the moment of the figures
        query = query.where(Finding.last_seen >= period.start, Finding.first_seen <= period.as_of)
    order = [case((Finding.unit_id.is_(None), 0), else_=1), Unit.id, severity]
    order += [rule_order] if rule_order is not None else []
    return query.order_by(*order, func.coalesce(column.name, ""), Finding.id)


def _today(period: Period | None, as_of: datetime | None) -> date:
    moment = as_of or (period.as_of if period else None)
    return local(moment).date() if moment else date.today()


def iter_findings(store: Store, units: Sequence[str] | None = None, period: Period | None = None,
                  as_of: datetime | None = None, *, overdue_only: bool = False,
                  evidence: bool = True) -> Iterator[dict[str, Any]]:
    """Every finding in scope as a dict (the JSON contract keys plus display values), streamed.

    `evidence=False` leaves the raw evidence out (the sheets show only its summary), which
    saves re-encoding every evidence dict when 100,000 findings go to xlsx or csv."""
    titles, fixes = rule_titles(), rule_fixes()
    today = _today(period, as_of)
    query = _query(units, period, list(titles))
    if overdue_only:
        query = query.where(_overdue_clause(today))
    with store.session() as session:
        loop = loop_texts(session)
        for row in session.execute(query.execution_options(yield_per=2000)):
            yield _row(row, titles, fixes, today, evidence, loop)


def _overdue_clause(today: date) -> Any:
    """As `is_overdue` (a finding in the 整改 loop), or, for one given a deadline by `export --deadline`
    outside any notice, still active past it."""
    return and_(Finding.deadline < today, or_(Finding.rectification_state.in_(OPEN_STATES),
                                              and_(Finding.rectification_state.is_(None),
                                                   Finding.status.in_(ACTIVE_STATUSES))))


def count_findings(store: Store, units: Sequence[str] | None = None, period: Period | None = None,
                   as_of: datetime | None = None, *, overdue_only: bool = False) -> int:
    query = _query(units, period, []).order_by(None)
    if overdue_only:
        query = query.where(_overdue_clause(_today(period, as_of)))
    with store.session() as session:
        return session.execute(select(func.count()).select_from(query.subquery())).scalar_one()


def findings_rows(store: Store, units: Sequence[str] | None = None, period: Period | None = None,
                  as_of: datetime | None = None) -> list[dict[str, Any]]:
    """Every finding in scope as a dict: the JSON contract keys plus the Chinese display values."""
    return list(iter_findings(store, units, period, as_of))


# display field → the column the findings list can be ordered by (the workspace's sortable headers; pages in
# findings_pages.py)
SORTABLE: dict[str, Any] = {"unit": Unit.name, "title": Finding.rule, "rule": Finding.rule,
                            "severity_zh": Finding.severity, "status_zh": Finding.status,
                            "first_seen_at": Finding.first_seen, "last_seen_at": Finding.last_seen,
                            "resolved_at_dt": Finding.resolved_at, "deadline_date": Finding.deadline,
                            "rectification": Finding.rectification_state}


# What each position of a `_query` row holds (the workspace's cursors read a row's sort value by name).
ROW_FIELDS = ("id", "rule", "severity", "points", "url", "detail", "evidence", "status", "first_seen", "last_seen",
              "resolved_at", "deadline", "rectification_state", "unit", "column")
# The row field each SORTABLE order sorts by.
SORT_FIELDS = {"unit": "unit", "title": "rule", "rule": "rule", "severity_zh": "severity", "status_zh": "status",
               "first_seen_at": "first_seen", "last_seen_at": "last_seen", "resolved_at_dt": "resolved_at",
               "deadline_date": "deadline", "rectification": "rectification_state"}


def _row(row: Any, titles: dict[str, str], fixes: dict[str, str], today: date, with_evidence: bool = True,
         loop: tuple[dict[int, str], dict[int, str]] = ({}, {})) -> dict[str, Any]:
    (finding_id, rule, severity, points, url, detail, evidence, status, first_seen, last_seen, resolved_at, deadline,
     state, unit_name, column_name) = row
    if state is None:  # outside any notice: a deadline given by `export --deadline`
        overdue = bool(deadline and status in ACTIVE_STATUSES and today > deadline)
    else:
        overdue = is_overdue(deadline, state, today)
    answers, reviews = loop
    evidence = evidence or {}
    return {
        # the contract (json)
        "rule": rule, "title": titles.get(rule, rule), "severity": severity,
        "points": points, "unit": unit_name, "column": column_name, "url": url,
        "detail": clean_text(detail),
        "evidence": json.loads(clean_text(json.dumps(evidence, ensure_ascii=False))) if with_evidence else None,
        "first_seen": iso(first_seen), "last_seen": iso(last_seen),
        "resolved_at": iso(resolved_at), "status": status,
        "deadline": deadline.isoformat() if deadline else None, "overdue": overdue,
        "fix": fixes.get(rule, DEFAULT_FIX),
        # display only (xlsx, csv)
        "_finding_id": row[0], "_unit": unit_name or SITE_WIDE, "_severity_zh": SEVERITY_ZH.get(severity, severity),
        "_status_zh": STATUS_ZH.get(status, status),
        "_evidence_text": evidence_text(evidence), "_first_seen_at": first_seen,
        "_last_seen_at": last_seen, "_resolved_at_dt": resolved_at,
        "_deadline_date": deadline, "_overdue": "是" if overdue else "",
        "_rectification": state or "", "_answer": clean_text(answers.get(finding_id, "")),
        "_review": reviews.get(finding_id, ""),
    }


CONTRACT_KEYS = ("rule", "title", "severity", "points", "unit", "column", "url", "detail", "evidence",
                 "first_seen", "last_seen", "resolved_at", "status", "deadline", "overdue", "fix")


def _display_row(row: dict[str, Any]) -> dict[str, Any]:
    shown = {key: row[key] for key in CONTRACT_KEYS}
    shown.update({key[1:]: value for key, value in row.items() if key.startswith("_")})
    shown["unit"] = row["_unit"]
    return shown


def set_deadline(store: Store, deadline: date, units: Sequence[str] | None = None,
                 period: Period | None = None) -> int:
    """Record a rectification deadline on the active findings in scope; returns how many."""
    scope = _query(units, period, []).order_by(None).where(Finding.status.in_(ACTIVE_STATUSES))
    with store.session() as session:
        ids = list(session.execute(select(scope.subquery().c.id)).scalars())
        for chunk in range(0, len(ids), 5000):
            session.execute(update(Finding).where(Finding.id.in_(ids[chunk:chunk + 5000])).values(deadline=deadline))
    return len(ids)


def findings_tables(rows: list[dict[str, Any]], pictures: dict[int, str] | None = None,
                    fields: list[Field] = FIELDS) -> list[Table]:
    """The overall sheet, the overdue sheet (if any), and one sheet per unit (lists already in memory)."""
    shown = [_with_picture(_display_row(r), pictures) for r in rows]
    tables = [Table("findings", "问题清单", fields, shown)]
    overdue = [r for r in shown if r["overdue"]]
    if overdue:
        tables.append(Table("overdue", "逾期未整改", fields, overdue, in_csv=False))
    if len(shown) > PER_UNIT_SHEETS_MAX:
        return tables
    per_unit: dict[str, list[dict[str, Any]]] = {}
    for row in shown:
        per_unit.setdefault(row["unit"], []).append(row)
    for unit, unit_rows in per_unit.items():
        tables.append(Table(f"unit:{unit}", unit, fields, unit_rows, in_csv=False))
    return tables


def _with_picture(row: dict[str, Any], pictures: dict[int, str] | None) -> dict[str, Any]:
    if pictures:
        row["picture"] = pictures.get(row["finding_id"])
    return row


def picture_links(store: Store, pictures_dir: Path | None, workbook: Path) -> dict[int, str]:
    """finding id → a link to its newest evidence picture, relative to the workbook's folder (Excel and WPS
    resolve it there, so the exports and evidence folders can be copied together to an inspector's machine)."""
    if pictures_dir is None:
        return {}
    folder, here = pictures_dir.resolve(), workbook.resolve().parent
    links = {}
    for finding_id, relative in newest_picture_paths(store).items():
        path = folder / relative
        if path.is_file():
            links[finding_id] = "file:///" + Path(os.path.relpath(path, here)).as_posix()
    return links


def export_findings(config: Config, path: Path, *, fmt: str, units: Sequence[str] | None = None,
                    period: Period | None = None, deadline: date | None = None) -> Path:
    """Write the findings list; with `deadline`, first record it on the active findings in scope."""
    store = Store(config.database_url())
    try:
        if deadline is not None:
            set_deadline(store, deadline, units, period)
        return write_findings(store, path, fmt, units, period, pictures_dir=config.pictures_dir())
    finally:
        store.dispose()


def write_findings(store: Store, path: Path, fmt: str, units: Sequence[str] | None = None,
                   period: Period | None = None, *, pictures_dir: Path | None = None) -> Path:
    """Small exports are built in memory (per-unit sheets); large ones stream from the store. The xlsx links
    each finding's newest evidence picture (证据截图, last column) when `pictures_dir` is given."""
    pictures = picture_links(store, pictures_dir, path) if fmt == "xlsx" else {}
    fields = XLSX_FIELDS if fmt == "xlsx" else FIELDS
    if fmt == "json":  # the contract: a plain list of objects, written one object at a time
        with replacing(path) as temporary, temporary.open("w", encoding="utf-8") as handle:
            handle.write("[")
            for index, row in enumerate(iter_findings(store, units, period)):
                handle.write(",\n" if index else "\n")
                handle.write(json.dumps({key: row[key] for key in CONTRACT_KEYS}, ensure_ascii=False))
            handle.write("\n]\n")
        return path
    total = count_findings(store, units, period)
    if total <= PER_UNIT_SHEETS_MAX:
        return write_tables(path, fmt, "findings", {},
                            findings_tables(findings_rows(store, units, period), pictures, fields))
    rows = (_with_picture(_display_row(r), pictures) for r in iter_findings(store, units, period, evidence=False))
    tables = [Table("findings", "问题清单", fields, rows, count=total)]
    overdue = count_findings(store, units, period, overdue_only=True)
    if overdue:
        rows = (_with_picture(_display_row(r), pictures)
                for r in iter_findings(store, units, period, overdue_only=True, evidence=False))
        tables.append(Table("overdue", "逾期未整改", fields, rows, in_csv=False, count=overdue))
    return write_tables(path, fmt, "findings", {}, tables)
