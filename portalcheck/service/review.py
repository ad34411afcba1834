"""复核: after a check run, findings of the 整改 loop move on by what the run saw (issue #17).

A finding awaiting its 复核 (复核中) that the run still sees fails it (复核未通过, with the run's evidence); one the
run no longer sees passes (复核通过). A finding named in a notice that a later run finds gone passes too,
answered or not: the problem is verified gone, and a 督查 then confirms the 销号; one that passed and is back
before that fails again. Every move is a
finding_events row (kind "rectification"), which is what a notifier reads (`recheck_outcomes`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update

from portalcheck.exports.loop import FAILED, OPEN_STATES, PASSED, REVIEWER, REVIEWING
from storage.models import ACTIVE_STATUSES, Finding, FindingEvent, Unit
from storage.session import Store


def settle(store: Store, as_of: datetime, units: list[str] | None = None) -> dict[str, int]:
    """Move the loop's findings (of `units`, or all) on by the statuses the check at `as_of` left them in."""
    moved = {PASSED: 0, FAILED: 0}
    with store.session() as session:
        query = (select(Finding.id, Finding.status, Finding.rectification_state, Finding.evidence)
                 .where(Finding.rectification_state.in_((*OPEN_STATES, PASSED))))
        if units:
            query = query.where(Finding.unit_id.in_(select(Unit.id).where(Unit.name.in_(units))))
        events, changes = [], []
        for finding_id, status, state, evidence in session.execute(query).all():
            if status not in ACTIVE_STATUSES:
                if state == PASSED:
                    continue
                new, note, shown = PASSED, "复核时问题已消失，待督查确认销号", None
            elif state == REVIEWING:
                new, note, shown = FAILED, "复核时问题仍然存在", evidence
            elif state == PASSED:  # back before the 督查 closed it
                new, note, shown = FAILED, "复核通过后问题再次出现", evidence
            else:
                continue
            changes.append({"id": finding_id, "rectification_state": new})
            events.append({"finding_id": finding_id, "at": as_of, "kind": "rectification", "old": state,
                           "new": new, "actor": REVIEWER, "note": note, "evidence": shown})
            moved[new] += 1
        if changes:
            session.execute(update(Finding), changes)
            session.execute(insert(FindingEvent), events)
    return moved


@dataclass
class Outcome:
    """One 复核 result, as a notifier tells it to the unit (no personal data: the rule and the column)."""

    finding_id: int
    unit: str | None
    rule: str
    at: datetime
    passed: bool
    note: str | None


def recheck_outcomes(store: Store, since: datetime) -> list[Outcome]:
    """The 复核 results recorded since `since`, oldest first: what the notifier sends to each unit."""
    with store.session() as session:
        rows = session.execute(
            select(FindingEvent.finding_id, Unit.name, Finding.rule, FindingEvent.at, FindingEvent.new,
                   FindingEvent.note)
            .join(Finding, Finding.id == FindingEvent.finding_id).outerjoin(Unit, Unit.id == Finding.unit_id)
            .where(FindingEvent.kind == "rectification", FindingEvent.actor == REVIEWER,
                   FindingEvent.at >= since).order_by(FindingEvent.at, FindingEvent.id)).all()
    return [Outcome(fid, unit, rule, at, new == PASSED, note) for fid, unit, rule, at, new, note in rows]
