"""What a check run concluded, as the exports read it back: the verdicts and the figures per subject.

`portalcheck check` writes one row of check_runs with its findings (checks/figures.py); every export
reads the newest run at or before its moment through `latest_run`, so what a table or the notice
says is what the check decided — no export judges again. This module is the only part of checks/
besides the catalogue (checks/registry.py) that portalcheck.exports may import (setup.cfg
[importlinter]); it reads the store and nothing of the rules.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import CheckRun, CheckRunColumn

PASS, FAIL, UNKNOWN = "合格", "不合格", "未检查"
# What a run keeps of each column (check_run_columns), in the order a row of StoredRun.columns has them.
COLUMN_FIGURES = ("column_id", "unit", "name", "category", "level", "items", "newest", "age_days", "window_days",
                  "verdict", "url", "read_mode")
# The outcome of one account check for one account (附件4).
RESULT_PASS, RESULT_FAIL, RESULT_SKIP = "通过", "不通过", "未检查"


@dataclass
class Verdict:
    """One column, unit or the site: its verdict, the vetoes hit, counts and deductions."""

    name: str
    verdict: str = PASS
    vetoes: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    deductions: float = 0.0
    findings: dict[str, int] = field(default_factory=dict)  # rule → active findings
    not_checked: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "verdict": self.verdict, "vetoes": self.vetoes, "counts": self.counts,
                "deductions": round(self.deductions, 2), "findings": self.findings, "not_checked": self.not_checked}


@dataclass
class Verdicts:
    as_of: datetime
    site: Verdict
    units: dict[str, Verdict]
    columns: dict[int, Verdict]  # with details (checks.verdicts.judge's column_details), else empty
    column_words: dict[int, str] = field(default_factory=dict)  # column id → 合格, 未更新, 空白, 无法访问, 未检查

    def stored(self) -> dict[str, Any]:
        """As kept in check_runs.verdicts (deductions unrounded: the score is computed from them). A column's
        verdict is kept with its figures (check_run_columns), not here: a province's 90,000 columns written
        again as one value were ≈ 100 MB of the night-end peak."""
        return {"site": asdict(self.site), "units": {name: asdict(v) for name, v in self.units.items()}}

    @classmethod
    def from_stored(cls, as_of: datetime, data: dict[str, Any]) -> Verdicts:
        """`columns` is empty for runs stored since 0017 (read StoredRun.columns' verdicts instead)."""
        return cls(as_of, Verdict(**data["site"]), {name: Verdict(**v) for name, v in data["units"].items()},
                   {int(column_id): Verdict(**v) for column_id, v in data.get("columns", {}).items()})


@dataclass
class MessageJudgements:
    """Of the messages a run judged (counted boards, not invalid, left by its moment): the ones not
    answered, answered late and answered poorly (reason key of checks.facts.messages.REASONS)."""

    unanswered: frozenset[int]
    overdue: frozenset[int]
    poor: dict[int, str]

    def stored(self) -> dict[str, Any]:
        return {"unanswered": sorted(self.unanswered), "overdue": sorted(self.overdue),
                "poor": {str(k): v for k, v in sorted(self.poor.items())}}

    @classmethod
    def from_stored(cls, data: dict[str, Any]) -> MessageJudgements:
        return cls(frozenset(data["unanswered"]), frozenset(data["overdue"]),
                   {int(k): v for k, v in data["poor"].items()})


@dataclass
class StoredRun:
    """One check run read back: its moment, scope, verdicts and figures per subject."""

    id: int
    as_of: datetime
    recorded_at: datetime
    units: list[str] | None
    rules: list[str]
    verdicts: Verdicts
    columns: list[dict[str, Any]]  # one per column, COLUMN_FIGURES: unit, name, …, newest (a date), ages, verdict
    accounts: list[dict[str, Any]]  # one per account: its facts, each account check's outcome, its verdict
    messages: MessageJudgements
    network: list[dict[str, Any]] = field(default_factory=list)  # per host: IPv6 and HTTPS figures


def latest_run(session: Session, as_of: datetime) -> StoredRun | None:
    """The run that judged the moment `as_of`: the newest run not after it (the last written wins a tie);
    for a moment before every run (a period exported just after its end, checked a little later), the
    first run after it. None when no check has run."""
    order = [CheckRun.as_of.desc(), CheckRun.id.desc()]
    row = session.execute(select(CheckRun).where(CheckRun.as_of <= as_of).order_by(*order).limit(1)).scalar()
    if row is None:
        row = session.execute(select(CheckRun).order_by(CheckRun.as_of, CheckRun.id.desc()).limit(1)).scalar()
    if row is None:
        return None
    columns = [dict(figures) for figures in session.execute(
        select(*[getattr(CheckRunColumn, name) for name in COLUMN_FIGURES])
        .where(CheckRunColumn.run_id == row.id).order_by(CheckRunColumn.id)).mappings()]
    return StoredRun(row.id, row.as_of, row.recorded_at, row.units, list(row.rules),
                     Verdicts.from_stored(row.as_of, row.verdicts), columns, list(row.accounts),
                     MessageJudgements.from_stored(row.messages), list(row.network or []))
