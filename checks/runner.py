"""Run checks and give their findings a life in the store: new → open → resolved → regressed.

The key of a finding is stable across runs (sha256 of rule|unit|column|url|discriminator). A
finding is resolved only when its rule ran, its unit was in scope and its subject (column, page
or unit) was looked at again this time: a column not seen in the last crawl keeps its finding.
Re-running at the same `as_of` changes nothing. With the findings, the run stores its verdicts and
the figures the exports show (checks/figures.py), in the same transaction.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import ColumnElement, insert, or_, select, true, update

from checks.base import Check, CheckContext, FindingDraft, NotChecked, is_covered
from checks.figures import ACCOUNT_CHECKS, RanAccountChecks, gather_figures, record_run
from checks.registry import select_checks
from portalcheck.core.config import Config
from storage.failures import database_gone, explain
from storage.models import ACTIVE_STATUSES, Finding, FindingEvent, Suppression, Unit
from storage.session import Store

log = logging.getLogger(__name__)

_ACCOUNT_RULES = frozenset(check.rule for check in ACCOUNT_CHECKS)


@dataclass
class RuleOutcome:
    rule: str
    title: str
    severity: str
    found: int = 0
    new: int = 0
    open: int = 0
    regressed: int = 0
    resolved: int = 0
    not_checked: int = 0
    seconds: float = 0.0
    error: str | None = None


@dataclass
class CheckReport:
    as_of: datetime
    units: list[str] | None
    outcomes: list[RuleOutcome] = field(default_factory=list)
    not_checked: list[NotChecked] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(o.error is None for o in self.outcomes)

    def totals(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for outcome in self.outcomes:
            total.update(found=outcome.found, new=outcome.new, open=outcome.open,
                         regressed=outcome.regressed, resolved=outcome.resolved)
        return total


def unit_ids_of(session, names: list[str] | None) -> frozenset[int] | None:  # type: ignore[no-untyped-def]
    if not names:
        return None
    found = dict(session.execute(select(Unit.name, Unit.id).where(Unit.name.in_(names))).all())
    missing = [n for n in names if n not in found]
    if missing:
        raise KeyError(f"数据库中没有单位：{'、'.join(missing)}（请先抓取）")
    return frozenset(found.values())


def run_checks(store: Store, config: Config, as_of: datetime, units: list[str] | None = None,
               only: list[str] | None = None, figures: bool = True) -> CheckReport:
    """Run the chosen checks for the chosen units at `as_of` and update the findings.

    `figures`: also compute and store the run's figures (checks/figures.py: verdicts and 附件2–4 figures over
    EVERY unit, the newest such run being what exports read). False for a queue night's unit jobs: the
    night's site-wide run stores them once at its end; else each job of a province would pay a province-wide
    figures pass and store a row holding every column of the province.
    """
    if as_of.tzinfo is None:
        raise ValueError("as_of must be timezone-aware")
    checks = select_checks(only)
    unknown = sorted(set(config.rules) - {c.rule for c in select_checks()})
    if unknown:
        raise KeyError(f"配置 rules: 中有未知的检查规则：{'、'.join(unknown)}")
    report = CheckReport(as_of=as_of, units=units)
    with store.session() as session:
        unit_ids = unit_ids_of(session, units)
        cache: dict = {}
        judged: list[tuple[Check, CheckContext, list[FindingDraft], RuleOutcome]] = []
        for check in checks:
            ctx = CheckContext.from_config(session, config, as_of, unit_ids, rule=check.rule, cache=cache)
            outcome = RuleOutcome(check.rule, check.title, check.severity)
            started = time.perf_counter()
            try:
                with session.begin_nested():  # a failing query must not abort the transaction (PostgreSQL)
                    drafts = list(check.run(ctx))
            except Exception as exc:  # one broken check must not stop the others; its findings stay as they were
                if database_gone(exc):  # not a broken check: the whole run stops, nothing written
                    raise explain(exc) from exc
                log.exception("check %s failed", check.rule)
                outcome.error = f"{type(exc).__name__}: {exc}"
            else:
                judged.append((check, ctx, drafts, outcome))
            outcome.seconds = time.perf_counter() - started
            outcome.not_checked = len(ctx.not_checked)
            report.outcomes.append(outcome)
            report.not_checked += ctx.not_checked
        # The figures are over every unit: a run over every unit hands them its account checks' results and
        # the facts its rules read.
        ran: RanAccountChecks = {check.rule: (drafts, ctx.not_checked) for check, ctx, drafts, _ in judged
                                 if check.rule in _ACCOUNT_RULES} if unit_ids is None else {}
        gathered = gather_figures(session, config, as_of, ran, cache if unit_ids is None else None) \
            if figures else None
        # The rules' facts are drafted and the figures gathered (they keep the column states they need): on a
        # province the rest (page texts, accounts, messages …) would stay held through the writes below.
        cache.clear()
        ran.clear()
        # Every rule's findings are written after all rules ran and the figures were read, in this session's
        # one transaction: a run killed (or cut off from its database) before the commit leaves the previous
        # run's results whole, and SQLite's write lock is held for the writes only, not for the whole run.
        _write_findings(session, config, judged)
        if gathered is not None:
            record_run(session, config, gathered, units, [o.rule for o in report.outcomes if o.error is None])
    return report


def _write_findings(session, config: Config,  # type: ignore[no-untyped-def]
                    judged: list[tuple[Check, CheckContext, list[FindingDraft], RuleOutcome]]) -> None:
    """Each rule's findings in turn, its drafts and coverage let go once written (`judged` is emptied): on a
    province they were ≈ 60 MB still held while the run's figures are stored."""
    judged.reverse()
    while judged:
        check, ctx, drafts, outcome = judged.pop()
        started = time.perf_counter()
        _persist(session, weighted(check, config), ctx, drafts, outcome)
        outcome.seconds += time.perf_counter() - started


def weighted(check: Check, config: Config) -> Check:
    """The check with the severity and points a deployment's `rules:` gives it (site.ipv6 as a veto …)."""
    override = config.rules.get(check.rule)
    if override is None:
        return check
    return replace(check, severity=override.severity or check.severity,
                   points=override.points if override.points is not None else check.points)


# What _persist reads of a rule's stored findings: plain rows, no ORM objects to build and track.
_STORED = (Finding.id, Finding.key, Finding.status, Finding.last_seen, Finding.resolved_at, Finding.unit_id,
           Finding.column_id, Finding.url, Finding.detail, Finding.evidence, Finding.severity, Finding.points,
           Finding.first_seen, Finding.rectification_state)


def _suppressions(session, rule: str) -> tuple[dict[int, int], set[int]]:  # type: ignore[no-untyped-def]
    """Of a rule's findings: the suppressed ones (finding id → suppression id) and those whose suppression the
    facts lifted since their last resolution (they come back as new findings, not suppressed)."""
    rows = session.execute(select(Suppression.id, Suppression.finding_id, Suppression.lifted_at,
                                  Finding.resolved_at).join(Finding, Finding.id == Suppression.finding_id)
                           .where(Finding.rule == rule)).all()
    active = {finding_id: sid for sid, finding_id, lifted_at, _ in rows if lifted_at is None}
    lifted = {finding_id for _, finding_id, lifted_at, resolved_at in rows
              if lifted_at is not None and resolved_at is not None and lifted_at >= resolved_at}
    return active, lifted - set(active)


def _persist(session, check: Check, ctx: CheckContext, drafts: list[FindingDraft],  # type: ignore[no-untyped-def]
             outcome: RuleOutcome) -> None:
    """Insert the new findings, move the matched ones on and resolve the ones looked at again and gone.

    Written in bulk (one executemany per kind of write, only rows whose values change): a rule with
    thousands of findings costs milliseconds, not the seconds a flush of ORM objects took.
    """
    as_of = ctx.as_of
    unique: dict[str, FindingDraft] = {}
    for draft in drafts:
        unique.setdefault(draft.key, draft)
    outcome.found = len(unique)
    in_scope = _findings_in_scope(ctx, unique.values())
    existing = {row.key: row for row in session.execute(
        select(*_STORED).where(Finding.rule == check.rule, in_scope))}
    suppressed, lifted = _suppressions(session, check.rule) if existing else ({}, set())
    inserts, updates, resolutions, lifts = [], [], [], []
    events: list[dict] = []
    for key, draft in unique.items():
        points = draft.points if draft.points is not None else check.points
        row = existing.get(key)
        if row is None:
            inserts.append({
                "key": key, "rule": check.rule, "severity": check.severity, "points": points,
                "unit_id": draft.unit_id, "column_id": draft.column_id, "url": draft.url, "detail": draft.detail,
                "evidence": draft.evidence, "status": "new", "first_seen": as_of, "last_seen": as_of,
                "resolved_at": None,
            })
            outcome.new += 1
            continue
        status, last_seen, resolved_at = row.status, row.last_seen, row.resolved_at
        if row.id in suppressed:  # an accepted appeal: still there, still quiet (status stays resolved)
            values = {"last_seen": max(last_seen, as_of), "detail": draft.detail, "evidence": draft.evidence}
            if any(getattr(row, name) != value for name, value in values.items()):
                updates.append({"id": row.id, **{k: getattr(row, k) for k in _MOVED}, **values})
            continue
        if row.id in lifted and status == "resolved" and as_of > last_seen:
            # the suppressed problem went away and is back: a new finding, outside any notice
            values = {"status": "new", "first_seen": as_of, "last_seen": as_of, "resolved_at": None,
                      "detail": draft.detail, "evidence": draft.evidence, "severity": check.severity,
                      "points": points, "rectification_state": None}
            updates.append({"id": row.id, **values})
            events.append(_event(row.id, as_of, row.status, "new", "申诉采纳后问题消失又再次出现，作为新问题"))
            outcome.new += 1
            continue
        if as_of > last_seen:  # a later run: the finding moves on; the same as_of changes nothing
            status = "regressed" if status == "resolved" else "open"
            last_seen = as_of
            resolved_at = None if status == "regressed" else resolved_at
        elif status == "resolved" and as_of >= (resolved_at or as_of):
            status, resolved_at, last_seen = "regressed", None, as_of
        values = {"status": status, "last_seen": last_seen, "resolved_at": resolved_at, "detail": draft.detail,
                  "evidence": draft.evidence, "severity": check.severity, "points": points}
        if any(getattr(row, name) != value for name, value in values.items()):
            updates.append({"id": row.id, "first_seen": row.first_seen,
                            "rectification_state": row.rectification_state, **values})
        if status != row.status:
            events.append(_event(row.id, as_of, row.status, status, None))
        setattr(outcome, status, getattr(outcome, status) + 1)
    for key, row in existing.items():
        quiet = row.id in suppressed
        if key in unique or (row.status not in ACTIVE_STATUSES and not quiet) or as_of < row.last_seen:
            continue
        if not ctx.in_scope(row.unit_id) and row.unit_id is not None:
            continue
        if not is_covered(ctx.covered, check.scope, row.unit_id, row.column_id, row.url):
            continue
        if quiet:  # looked at again and gone: the facts changed, the suppression ends
            lifts.append({"id": suppressed[row.id], "lifted_at": as_of})
            resolutions.append({"id": row.id, "status": "resolved", "resolved_at": as_of})
            events.append(_event(row.id, as_of, row.status, "resolved", "问题已消失，申诉采纳的屏蔽随之解除"))
            continue
        resolutions.append({"id": row.id, "status": "resolved", "resolved_at": as_of})
        events.append(_event(row.id, as_of, row.status, "resolved", None))
        outcome.resolved += 1
    for statement, rows in ((insert(Finding), inserts), (update(Finding), updates), (update(Finding), resolutions),
                            (update(Suppression), lifts)):
        if rows:
            session.execute(statement, rows)
    if inserts:  # the first event of each new finding: its ids exist now
        keys = {r["key"] for r in inserts}
        created = session.execute(select(Finding.id, Finding.key).where(Finding.rule == check.rule, in_scope))
        events += [_event(finding_id, as_of, None, "new", None) for finding_id, key in created if key in keys]
    if events:
        session.execute(insert(FindingEvent), events)


def _findings_in_scope(ctx: CheckContext, drafts: Iterable[FindingDraft]) -> ColumnElement[bool]:
    """The stored findings a run can match or resolve: those of the units in scope, of no unit, and of the
    units its drafts name (a finding's key holds its unit, so no other row can match). A unit's run then
    reads its own findings, not every unit's."""
    if ctx.unit_ids is None:
        return true()
    units = set(ctx.unit_ids) | {draft.unit_id for draft in drafts if draft.unit_id is not None}
    return or_(Finding.unit_id.in_(units), Finding.unit_id.is_(None))


# The columns an update of a suppressed finding carries unchanged (executemany needs one shape of row).
_MOVED = ("status", "resolved_at", "severity", "points", "first_seen", "rectification_state")


def _event(finding_id: int, at: datetime, old: str | None, new: str, note: str | None) -> dict:
    return {"finding_id": finding_id, "at": at, "kind": "status", "old": old, "new": new, "actor": None,
            "note": note, "evidence": None}


def format_report(report: CheckReport) -> str:
    """A short Chinese summary of one check run, for the terminal."""
    scope = "、".join(report.units) if report.units else "全部单位"
    lines = [f"检查时点：{report.as_of.isoformat(timespec='minutes')}　范围：{scope}", ""]
    lines.append(f"{'规则':<22}{'问题':>6}{'新增':>6}{'仍存在':>6}{'复发':>6}{'已整改':>6}{'未检查':>6}")
    for o in report.outcomes:
        row = f"{o.rule:<22}{o.found:>6}{o.new:>6}{o.open:>6}{o.regressed:>6}{o.resolved:>6}{o.not_checked:>6}"
        lines.append(row + (f"　出错：{o.error}" if o.error else f"　{o.title}"))
    total = report.totals()
    lines += ["", f"合计：发现问题{total['found']}个（新增{total['new']}个，复发{total['regressed']}个），"
              f"已整改{total['resolved']}个；未能检查的对象{len(report.not_checked)}个。"]
    reasons = Counter(n.reason for n in report.not_checked)
    for reason, count in reasons.most_common(5):
        lines.append(f"　未检查：{reason}" + (f"（{count}处）" if count > 1 else ""))
    return "\n".join(lines)
