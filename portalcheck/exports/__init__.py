"""Exports for inspectors (xlsx they open in WPS/Excel, a drafted notice) and for tools (csv, json).

One module per export kind: findings (问题清单), publications (附件1), columns (附件2),
messages (附件3), accounts (附件4), summary (检查结论), notice (通报草稿), warnings (预警清单: computed
by the command from checks.warnings and handed in, never stored). Exports read what
`portalcheck check` stored — the findings, and the verdicts and figures of the newest check run at
or before the moment asked for (checks/results.py); they count crawl facts over the period and lay
out, and never judge. Without a check run, an export that needs one raises NoCheckRun.

    export(config, "publications", path, fmt="xlsx", period=Period.make(...))

The findings JSON is a contract other tools read: a list of objects with at least
rule, severity, unit, column, url, detail, first_seen, last_seen, status.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from portalcheck.core.config import Config
from portalcheck.exports.common import NoCheckRun, Period, Table, safe_cell
from portalcheck.exports.findings import export_findings, findings_rows, set_deadline
from portalcheck.exports.writers import write_tables
from storage.session import Store

TABLE_FORMATS = ("xlsx", "csv", "json")
NOTICE_FORMATS = ("docx", "pdf", "md")
KINDS = ("findings", "publications", "columns", "messages", "accounts", "summary", "notice", "warnings")
FILE_NAMES = {
    "findings": "问题清单", "publications": "附件1_信息发布统计表", "columns": "附件2_网页督查情况表",
    "summary": "检查结论汇总", "notice": "通报草稿", "messages": "附件3_网上问政回复情况统计表",
    "accounts": "附件4_政务新媒体检查情况表", "warnings": "预警清单",
}

# kind → function(store, config, period) → tables
TableBuilder = Callable[[Store, Config, Period], list[Table]]


def _publications(store: Store, config: Config, period: Period) -> list[Table]:
    from portalcheck.exports import publications

    # the 信息明细 rows stream unit by unit as the writer asks for them (1,000,000 list items do not fit in memory)
    pubs = publications.compute(store, period, keep_items=False)
    return publications.tables(pubs, publications.iter_items(store, pubs), publications.row_count(pubs))


def _columns(store: Store, config: Config, period: Period) -> list[Table]:
    from portalcheck.exports import columns
    from portalcheck.exports.findings import rule_titles

    return columns.tables(columns.compute(store, config, period), rule_titles())


def _summary(store: Store, config: Config, period: Period) -> list[Table]:
    from portalcheck.exports import summary

    return summary.tables(summary.compute(store, config, period))


def _messages(store: Store, config: Config, period: Period) -> list[Table]:
    from portalcheck.exports import messages

    return messages.build(store, config, period)


def _accounts(store: Store, config: Config, period: Period) -> list[Table]:
    from portalcheck.exports import accounts

    return accounts.build(store, config, period)


BUILDERS: dict[str, TableBuilder] = {"publications": _publications, "columns": _columns, "summary": _summary,
                                     "messages": _messages, "accounts": _accounts}


def default_path(config: Config, kind: str, fmt: str, period: Period) -> Path:
    stamp = f"{period.date_from:%Y%m%d}-{period.date_to:%Y%m%d}"
    return config.exports_dir() / f"{FILE_NAMES.get(kind, kind)}_{stamp}.{fmt}"


def export(config: Config, kind: str, path: Path | None = None, *, fmt: str = "xlsx",
           period: Period | None = None, deadline: date | None = None,
           warnings: Iterable[Mapping[str, Any]] | None = None, within: int | None = None,
           with_pictures: bool = False) -> Path:
    """Write one export; raises NoCheckRun when no check run has judged yet, ValueError for a bad format.

    `warnings` (kind warnings only): the rows checks.warnings computed for `period.as_of` (EarlyWarning.as_dict).
    """
    period = period or Period.make()
    allowed = NOTICE_FORMATS if kind == "notice" else TABLE_FORMATS
    if fmt not in allowed:
        raise ValueError(f"{kind} 可导出的格式为 {'、'.join(allowed)}，不支持 {fmt}")
    path = path or default_path(config, kind, fmt, period)
    if kind == "warnings":
        from portalcheck.exports.warnings import export_warnings

        if warnings is None:
            raise ValueError("预警清单需先计算预警（portalcheck export warnings 或 portalcheck warnings）")
        return export_warnings(path, fmt, period, warnings, within)
    if kind == "findings":
        return export_findings(config, path, fmt=fmt, units=period.units, period=period, deadline=deadline)
    store = Store(config.database_url())
    try:
        if kind == "notice":
            from portalcheck.exports.notice import export_notice

            return export_notice(store, config, period, path, fmt, deadline, pictures=with_pictures)[0]
        tables = BUILDERS[kind](store, config, period)
        return write_tables(path, fmt, kind, {"period": period.as_dict()}, tables)  # rows may stream from the store
    finally:
        store.dispose()


__all__ = ["BUILDERS", "KINDS", "NoCheckRun", "Period", "export", "export_findings", "findings_rows",
           "safe_cell", "set_deadline"]
