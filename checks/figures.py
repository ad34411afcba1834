"""The figures of a check run that the exports show, computed by the checks and stored with the findings.

Gathered by `run_checks` before it writes the findings and stored after them, in the same session: the
verdicts (checks/verdicts.py), the state of every column (附件2), the outcome of each account check for every
account (附件4) and the judgement of every message (附件3: not answered, answered late, answered poorly). They
are computed over every unit, whatever the run's scope, so the newest run is a whole picture; exports read them
back through checks/results.py and only count and lay out. A queue night's unit jobs store none
(`run_checks(figures=False)`): the night's site-wide run stores them once, after the last job.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from checks.base import Check, CheckContext, FindingDraft, NotChecked
from checks.facts.accounts import PLATFORM_ZH, AccountState, account_states
from checks.facts.columns import column_states
from checks.facts.messages import answered, judge_reply
from checks.facts.network import host_rounds
from checks.message_overdue import lateness
from checks.registry import select_checks
from checks.results import (
    FAIL,
    PASS,
    RESULT_FAIL,
    RESULT_PASS,
    RESULT_SKIP,
    UNKNOWN,
    MessageJudgements,
    Verdicts,
)
from checks.site_https import figures as https_figures
from checks.site_ipv6 import figures as ipv6_figures
from checks.verdicts import judge
from portalcheck.core.accounts import HEALTH_ZH
from portalcheck.core.config import Config
from portalcheck.core.messages import COUNTED_KINDS, status_group
from storage.models import CheckRun, CheckRunColumn, Message

# The account checks whose outcomes make up an account's verdict, in the order 附件4 lists them.
# Every registered account.* rule, in catalogue order: a new account check joins 附件4 by registering alone.
ACCOUNT_CHECKS: list[Check] = select_checks(["account"])

# An account check's drafts and skips over every unit, as a check run already has them: rule → (drafts, skips).
RanAccountChecks = dict[str, tuple[list[FindingDraft], list[NotChecked]]]

COLUMN_BATCH = 500  # rows of check_run_columns per INSERT (2,000 held ≈ 25 MB of parameters at once)


@dataclass
class Figures:
    """The figures that do not read the findings, gathered before a run writes them (the verdicts do)."""

    ctx: CheckContext
    accounts: list[dict[str, Any]]
    messages: MessageJudgements
    network: list[dict[str, Any]]


def gather_figures(session: Session, config: Config, as_of: datetime,
                   ran: RanAccountChecks | None = None, cache: dict[str, Any] | None = None) -> Figures:
    """Everything of a run's figures but the verdicts, read before the findings are written (the write
    transaction, SQLite's write lock, then holds for the writes only); `ran` and `cache`: the account checks
    and the facts (column states …) of this run's rules when they ran over every unit, not made again (on a
    province of 3,000 units the column states read twice were 116 MB of the run's peak, BENCHMARKS.md)."""
    ctx = CheckContext.from_config(session, config, as_of, **({"cache": cache} if cache is not None else {}))
    figures = Figures(ctx, account_rows(ctx, ran), message_judgements(ctx), network_rows(ctx))
    # What record_run reads again (column_rows and the verdicts), in a cache of its own: the run's is let go.
    figures.ctx = replace(ctx, cache={"column_states": column_states(ctx)})
    return figures


def record_run(session: Session, config: Config, figures: Figures, units: list[str] | None,
               rules: list[str]) -> CheckRun:
    """Store what this run concluded besides its findings (call after the findings are written)."""
    ctx = figures.ctx
    judged = judge(ctx, config.portal.name, column_details=False)
    run = CheckRun(as_of=ctx.as_of, units=list(units) if units else None, rules=rules, verdicts=judged.stored(),
                   accounts=figures.accounts, messages=figures.messages.stored(), network=figures.network)
    session.add(run)
    session.flush()
    rows = column_rows(ctx, judged)
    while batch := list(islice(rows, COLUMN_BATCH)):  # a province's 90,000 never held at once
        session.execute(insert(CheckRunColumn), [{"run_id": run.id, **row} for row in batch])
    prune_check_runs(session, ctx.as_of, config.database.keep_check_runs_days, config.zone)
    return run


# Every check run of the last week is kept (any moment of it can be exported again exactly); before that, the
# last run of each day (an export's default moment is the end of its last day): a recheck stores a whole
# province's figures (≈ 18 MB of rows for 92,000 columns), a few a day would otherwise stay for a year.
KEEP_EVERY_RUN_DAYS = 7


def prune_check_runs(session: Session, as_of: datetime, keep_days: int, zone: ZoneInfo) -> int:
    """Delete the check runs no export needs any more: older than `KEEP_EVERY_RUN_DAYS` before `as_of`, all but
    the last one of each day (local time); older than `keep_days`, all but the last one of each month: a run
    holds every column's, account's and message's figures, one or more a night, and a notice for a past period
    reads the newest run at its end. Returns how many were deleted."""
    old = session.execute(select(CheckRun.id, CheckRun.as_of)
                          .where(CheckRun.as_of < as_of - timedelta(days=KEEP_EVERY_RUN_DAYS))).all()
    months_from = as_of - timedelta(days=keep_days)
    last: dict[tuple[int, ...], tuple[datetime, int]] = {}
    for run_id, moment in old:
        local = moment.astimezone(zone)
        key = (local.year, local.month) if moment < months_from else (local.year, local.month, local.day)
        last[key] = max(last.get(key, (moment, run_id)), (moment, run_id))
    keep = {run_id for _, run_id in last.values()}
    doomed = [run_id for run_id, _ in old if run_id not in keep]
    for start in range(0, len(doomed), 500):
        session.execute(delete(CheckRun).where(CheckRun.id.in_(doomed[start:start + 500])))
    return len(doomed)


def network_rows(ctx: CheckContext) -> list[dict[str, Any]]:
    """Every probed host with its IPv6 and HTTPS figures, whether or not a rule found a problem."""
    rows: dict[str, dict[str, Any]] = {}
    for entry in host_rounds(ctx, "ipv6"):
        rows.setdefault(entry.host, {"host": entry.host, "site": entry.name, "url": entry.url})["ipv6"] = \
            ipv6_figures(entry)
    for entry in host_rounds(ctx, "https"):
        rows.setdefault(entry.host, {"host": entry.host, "site": entry.name, "url": entry.url})["https"] = \
            https_figures(entry, ctx)
    return list(rows.values())


def column_rows(ctx: CheckContext, judged: Verdicts) -> Iterator[dict[str, Any]]:
    """Every column with its figures and verdict (合格, 未更新, 空白, 无法访问, 未检查), one at a time."""
    for state in column_states(ctx):
        yield {"column_id": state.column_id, "unit": state.unit_name, "name": state.name,
               "category": state.category, "level": state.level, "items": state.items, "newest": state.newest,
               "age_days": state.age_days(ctx), "window_days": state.window_days(ctx),
               "verdict": judged.column_words.get(state.column_id, PASS), "url": state.url,
               "read_mode": state.read_mode}


def _account_results(ctx: CheckContext, states: list[AccountState],
                     ran: RanAccountChecks) -> dict[tuple[int, str], dict[str, Any]]:
    """(account_id, rule) → {"result", "detail"} for every account check that failed or skipped it."""
    by_subject = {(s.unit_id, s.subject): s.account_id for s in states}
    results: dict[tuple[int, str], dict[str, Any]] = {}
    for check in ACCOUNT_CHECKS:
        if check.rule in ran:
            drafts, skips = ran[check.rule]
        else:
            rule_ctx = ctx.for_rule(check.rule)
            drafts, skips = list(check.run(rule_ctx)), rule_ctx.not_checked
        for draft in drafts:
            account_id = by_subject.get((draft.unit_id, draft.url or ""))
            if account_id is not None:
                entry = results.setdefault((account_id, check.rule), {"result": RESULT_FAIL, "detail": []})
                entry["detail"].append(draft.detail)
        for skipped in skips:
            account_id = by_subject.get((skipped.unit_id, skipped.url or ""))
            if account_id is not None:
                results.setdefault((account_id, check.rule), {"result": RESULT_SKIP, "detail": [skipped.reason]})
    return results


def account_rows(ctx: CheckContext, ran: RanAccountChecks | None = None) -> list[dict[str, Any]]:
    """Every listed account: its facts, each account check's outcome, its verdict (合格/不合格/未检查)."""
    states = account_states(ctx)
    results = _account_results(ctx, states, ran or {})
    zone = ZoneInfo(ctx.timezone)
    rows = []
    for state in states:
        checks = {}
        for check in ACCOUNT_CHECKS:
            entry = results.get((state.account_id, check.rule), {"result": RESULT_PASS, "detail": []})
            checks[check.rule] = {"title": check.title, "result": entry["result"], "detail": "；".join(entry["detail"])}
        failed = [rule for rule, c in checks.items() if c["result"] == RESULT_FAIL]
        verdict = FAIL if failed else (UNKNOWN if not (state.readable or state.gone) else PASS)
        rows.append({
            "account_id": state.account_id, "unit": state.unit_name, "platform": state.platform,
            "platform_zh": PLATFORM_ZH.get(state.platform, state.platform), "name": state.name, "url": state.url,
            "last_post": state.newest.astimezone(zone).isoformat(timespec="minutes") if state.newest else None,
            "health": state.health, "health_zh": HEALTH_ZH.get(state.health or "", "尚未采集"), "checks": checks,
            "failed": failed, "verdict": verdict,
        })
    return rows


def message_judgements(ctx: CheckContext) -> MessageJudgements:
    """Every message of a counted board left by `as_of` (any age, invalid ones aside), judged as the
    message rules judge: answered by then, answered within the working-day limit, a real answer."""
    messages = ctx.session.execute(
        select(Message).where(Message.board_kind.in_(COUNTED_KINDS), Message.asked_at <= ctx.as_of)
    ).scalars()
    unanswered, overdue, poor = set(), set(), {}
    for message in messages:
        if status_group(message.status_word) == "invalid":
            continue
        if not answered(message, ctx.as_of):
            unanswered.add(message.id)
        elif (reply := judge_reply(message.reply)) is not None:
            poor[message.id] = reply.reason
        if lateness(message, ctx) is not None:
            overdue.add(message.id)
    return MessageJudgements(frozenset(unanswered), frozenset(overdue), poor)
