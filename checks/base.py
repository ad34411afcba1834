"""What a check is: metadata (like a Lighthouse audit) plus one `run(ctx)` that yields findings.

A check never fetches anything: it reads what the crawler stored and says what is wrong, with
the evidence an inspector would attach to a 通报. It also tells the context what it *did* check
(`ctx.checked_*`), because only a problem whose subject was looked at again may be resolved.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, true
from sqlalchemy.orm import Session

from portalcheck.core.config import DEFAULT_TIMEZONE, Config, Thresholds

Severity = Literal["veto", "deduct", "info"]
Scope = Literal["site", "unit", "column", "page", "account", "message"]


@dataclass(frozen=True, slots=True)
class FindingDraft:
    """One problem as a check sees it in this run; the runner gives it a life in the store."""

    rule: str
    detail: str
    unit_id: int | None = None
    column_id: int | None = None
    url: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    discriminator: str = ""  # what else makes two findings of one rule on one URL distinct
    points: float | None = None  # overrides the check's points (e.g. home-page dead links weigh more)

    @property
    def key(self) -> str:
        parts = [self.rule, str(self.unit_id or ""), str(self.column_id or ""), self.url or "", self.discriminator]
        return hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class NotChecked:
    """A subject a rule could not judge this time (column not seen, too few probes …)."""

    rule: str
    reason: str
    unit_id: int | None = None
    column_id: int | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Check:
    """Metadata and the function; the catalogue (`portalcheck check --list`) is made from these."""

    rule: str
    title: str
    clause: str
    severity: Severity
    scope: Scope
    run: Callable[[CheckContext], Iterable[FindingDraft]]
    points: float | None = None
    description: str = ""
    fix: str = ""  # what an inspector asks the unit to do (整改要求 in the findings list)

    def metadata(self) -> dict[str, Any]:
        return {
            "rule": self.rule, "title": self.title, "clause": self.clause, "severity": self.severity,
            "points": self.points, "scope": self.scope, "description": self.description,
            "fix": self.fix,
        }


@dataclass
class CheckContext:
    """Everything a check may read: the session, the check time, the thresholds, the scope."""

    session: Session
    as_of: datetime
    thresholds: Thresholds
    site_code: str
    unit_ids: frozenset[int] | None = None  # None: every unit
    leaders: dict[str, list[str]] = field(default_factory=dict)
    timezone: str = DEFAULT_TIMEZONE
    rule: str = ""
    sensitive_words: tuple[str, ...] = ()
    covered: set[tuple[Any, ...]] = field(default_factory=set)
    not_checked: list[NotChecked] = field(default_factory=list)
    cache: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_config(cls, session: Session, config: Config, as_of: datetime,
                    unit_ids: frozenset[int] | None = None, **fields: Any) -> CheckContext:
        """The context a deployment's config gives: thresholds, site code, leaders, words, time zone."""
        return cls(session, as_of, config.thresholds, config.portal.site_code, unit_ids, dict(config.leaders),
                   config.schedule.timezone, sensitive_words=tuple(sorted(config.sensitive_words)), **fields)

    def for_rule(self, rule: str) -> CheckContext:
        """The same session, moment, scope and cache for another rule, with its own coverage and skips."""
        return replace(self, rule=rule, covered=set(), not_checked=[])

    @property
    def today(self) -> date:
        """The check date in the deployment's time zone (published dates are local dates)."""
        return self.as_of.astimezone(ZoneInfo(self.timezone)).date()

    def in_scope(self, unit_id: int | None) -> bool:
        return self.unit_ids is None or unit_id in self.unit_ids

    def unit_filter(self, column: Any) -> ColumnElement[bool]:
        """A WHERE clause restricting `column` (a unit_id column) to the units in scope."""
        return true() if self.unit_ids is None else column.in_(self.unit_ids)

    def checked_columns(self, column_ids: Iterable[int]) -> None:
        self.covered.update(("column", c) for c in column_ids)

    def checked_units(self, unit_ids: Iterable[int | None]) -> None:
        self.covered.update(("unit", u) for u in unit_ids)

    def checked_pages(self, pairs: Iterable[tuple[int | None, str]]) -> None:
        self.covered.update(("page", u, url) for u, url in pairs)

    def skip(self, reason: str, *, unit_id: int | None = None, column_id: int | None = None,
             url: str | None = None) -> None:
        self.not_checked.append(NotChecked(self.rule, reason, unit_id, column_id, url))

    def draft(self, detail: str, **fields: Any) -> FindingDraft:
        return FindingDraft(rule=self.rule, detail=detail, **fields)


def is_covered(covered: set[tuple[Any, ...]], scope: Scope, unit_id: int | None, column_id: int | None,
               url: str | None) -> bool:
    """Was the subject of a stored finding looked at again in this run?

    Column findings need their column seen; other findings are covered by a page seen or by
    the check declaring it looked at the whole unit (its state is in the store, not per run).
    """
    if scope == "column":
        return column_id is not None and ("column", column_id) in covered
    return ("unit", unit_id) in covered or ("page", unit_id, url) in covered


def iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def window_text(days: int) -> str:
    """14 → 14天, 183 → 6个月, 365 → 1年: the way the indicators state windows."""
    if days % 365 == 0 or days == 366:
        return f"{max(1, days // 365)}年"
    if days >= 28 and days % 30 in (0, 1, 2, 3) and days < 365:
        return f"{round(days / 30.5)}个月"
    return f"{days}天"
