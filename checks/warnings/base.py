"""What a warning is: a subject that will fail a rule on a known day if nothing changes, and what to do.

A warning is never a finding: it is computed at the moment asked for and stored nowhere, so it cannot
enter a notice, a verdict or a score, and it is gone as soon as the subject is updated (its fail date
moves out of the lead time) or the day comes (the rule's own check then finds it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from checks.base import CheckContext
from checks.registry import by_rule
from portalcheck.core.config import WarningsConfig


@dataclass(frozen=True, slots=True)
class EarlyWarning:
    """One subject nearing a rule's limit; `fails_on` is None where no day can be foreseen (counts, probes)."""

    rule: str
    unit: str | None
    subject: str
    detail: str  # 现状, Chinese
    action: str  # 建议措施, Chinese
    fails_on: date | None = None
    days_left: int | None = None
    url: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        """The Chinese title of the rule it will fail (the catalogue's, so the two never differ)."""
        return by_rule()[self.rule].title

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "title": self.title, "unit": self.unit, "subject": self.subject,
                "url": self.url, "fails_on": self.fails_on.isoformat() if self.fails_on else None,
                "days_left": self.days_left, "detail": self.detail, "action": self.action,
                "evidence": self.evidence}


@dataclass(frozen=True, slots=True)
class Leads:
    """The lead times of config `warnings:`; `within` (--within DAYS) replaces every lead counted in days."""

    config: WarningsConfig
    within: int | None = None

    def days(self, configured: int) -> int:
        return configured if self.within is None else self.within


def days_left(ctx: CheckContext, fails_on: date) -> int:
    return (fails_on - ctx.today).days


def before(day: date) -> str:
    """The last day in time, as an action says it: 2026-06-02（含当天）前."""
    return f"{day.isoformat()}（含当天）前"
