"""The verdict per column, per unit and per site, from the open findings and the column states.

Any veto hit → 不合格 (国办秘函〔2019〕19号: no further scoring). The count-based vetoes
(stale key columns, long-stale columns, blank columns) are recomputed from the per-column
findings so the numbers shown are the numbers judged. Deductions are summed where the rule
gives points; they are indicative, as the 2019 deduction table is only partly known.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from checks.base import CheckContext
from checks.facts.columns import column_states, units_without_columns
from checks.registry import by_rule
from checks.results import FAIL, PASS, UNKNOWN, Verdict, Verdicts
from portalcheck.core.config import Config
from storage.models import ACTIVE_STATUSES, Finding, Unit
from storage.session import Store

# A column's verdict word when a finding of these rules is active on it (附件2), else 合格 or 未检查.
COLUMN_WORDS = {"column.stale": "未更新", "column.blank": "空白", "column.broken": "无法访问"}


def verdicts(store: Store, config: Config, as_of: datetime) -> Verdicts:
    """Aggregate the active findings (as of the last check run) into verdicts."""
    with store.session() as session:
        return judge(CheckContext.from_config(session, config, as_of), config.portal.name)


def judge(ctx: CheckContext, site_name: str, *, column_details: bool = True) -> Verdicts:
    """The verdicts from the active findings in `ctx.session` and the column states at `ctx.as_of`.

    `column_details`: a Verdict per column (its findings, vetoes, deductions) besides its verdict word; a
    check run stores only the word (a province's 90,000 column Verdicts were ≈ 44 MB of the night-end peak)."""
    t = ctx.thresholds
    rules = by_rule()
    states = {s.column_id: s for s in column_states(ctx)}
    unjudged = units_without_columns(ctx, list(states.values()))
    names = dict(ctx.session.execute(select(Unit.id, Unit.name)).all())
    findings = ctx.session.execute(
        select(Finding.rule, Finding.severity, Finding.points, Finding.unit_id, Finding.column_id)
        .where(Finding.status.in_(ACTIVE_STATUSES))
    ).all()
    site = Verdict(site_name)
    units = {name: Verdict(name) for name in names.values()}
    words: dict[int, str] = {}
    columns: dict[int, Verdict] = {}
    for state in states.values():
        words[state.column_id] = PASS
        if column_details:
            columns[state.column_id] = Verdict(f"{state.unit_name}/{state.name}")
        if not state.seen:
            words[state.column_id] = UNKNOWN
            if column_details:
                columns[state.column_id].not_checked = 1
            units[state.unit_name].not_checked += 1
            site.not_checked += 1
    for name in unjudged.values():
        units[name].verdict = UNKNOWN
        units[name].not_checked += 1
        site.not_checked += 1
    count_rules = {"column.stale": "stale", "column.blank": "blank"}
    for rule, severity, points, unit_id, column_id in findings:
        targets = [site] + ([units[names[unit_id]]] if unit_id in names else [])
        if column_id in columns:
            targets.append(columns[column_id])
        for target in targets:
            target.findings[rule] = target.findings.get(rule, 0) + 1
            if severity == "veto" and rule not in target.vetoes:
                target.vetoes.append(rule)
            if severity == "deduct" and points:
                target.deductions += points
        if rule in count_rules and column_id in states:
            state = states[column_id]
            bump = [site, units[state.unit_name]]
            for target in bump:
                _count(target, count_rules[rule])
                if rule == "column.stale" and state.is_key():
                    _count(target, "stale_key")
                if rule == "column.stale" and state.is_long_window(ctx):
                    _count(target, "long_stale")
        if rule in COLUMN_WORDS and column_id in words:
            words[column_id] = COLUMN_WORDS[rule]
    for column_id, column in columns.items():
        column.verdict = words[column_id]
    limits = {"stale_key": (t.stale_key_columns_veto, "column.stale_count"),
              "long_stale": (t.long_stale_columns_veto, "column.stale_count"),
              "blank": (t.blank_columns_veto, "column.blank_count")}
    for target in [site, *units.values()]:
        for count, (limit, rule) in limits.items():
            if target.counts.get(count, 0) >= limit and rule not in target.vetoes:
                target.vetoes.append(rule)
        if target.vetoes:
            target.verdict = FAIL
    for target in [site, *units.values()]:
        target.vetoes = sorted(target.vetoes, key=lambda r: list(rules).index(r) if r in rules else 99)
    return Verdicts(ctx.as_of, site, units, columns, words)


def _count(target: Verdict, name: str) -> None:
    target.counts[name] = target.counts.get(name, 0) + 1
