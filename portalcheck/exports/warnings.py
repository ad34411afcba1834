"""预警清单: the warnings `portalcheck warnings` computes, as a sheet (xlsx/csv/json like every export).

The warnings are computed by checks.warnings at the moment asked for and handed in as plain rows (their
as_dict()): this module lays them out and never judges (setup.cfg [importlinter], exports-read). Crawled
text (column names, message titles) is masked and escaped as in every export.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from portalcheck.exports.common import Field, Period, Table, clean_text
from portalcheck.exports.writers import write_tables

FIELDS = [
    Field("fails_on", "预计不合格日期", 14, "date"), Field("days_left", "剩余天数", 9, "int"),
    Field("unit", "单位", 16), Field("title", "预警事项", 24), Field("subject", "对象", 30),
    Field("detail", "现状", 60), Field("action", "建议措施", 44), Field("url", "网址", 40, "url"),
    Field("rule", "规则编号", 20),
]


def rows(warnings: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for w in warnings:
        fails_on = w.get("fails_on")
        out.append({**{f.key: w.get(f.key) for f in FIELDS},
                    "fails_on": date.fromisoformat(fails_on) if isinstance(fails_on, str) else fails_on,
                    "subject": clean_text(w.get("subject")), "detail": clean_text(w.get("detail"))})
    return out


def tables(warnings: Iterable[Mapping[str, Any]]) -> list[Table]:
    return [Table("warnings", "预警清单", FIELDS, rows(warnings))]


def export_warnings(path: Path, fmt: str, period: Period, warnings: Iterable[Mapping[str, Any]],
                    within: int | None = None) -> Path:
    meta = {"period": period.as_dict(), "within_days": within,
            "note": "预警不是问题：不计入通报、检查结论和得分；栏目更新或已成为问题后自动消失。"}
    return write_tables(path, fmt, "warnings", meta, tables(warnings))
