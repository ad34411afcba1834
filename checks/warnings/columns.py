"""Columns and the home page nearing their update window, and units one column short of a count veto.

The windows are the rules' own (ColumnState.stale_from, the thresholds); a column already past its
window is column.stale's finding and is not warned of.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from checks import column_blank
from checks.base import CheckContext, window_text
from checks.column_stale_count import stale_counts
from checks.facts.columns import CATEGORY_LABELS, ColumnState, column_states
from checks.warnings.base import EarlyWarning, Leads, before, days_left

PORTAL_WIDE = "门户网站（含各单位栏目）"


def _nearing(ctx: CheckContext, state: ColumnState, lead: int) -> bool:
    """Seen, dated, not yet past its window, and past it within `lead` days if nothing new appears."""
    stale_from = state.stale_from(ctx)
    if not state.seen or state.items == 0 or stale_from is None or ctx.today >= stale_from:
        return False
    return days_left(ctx, stale_from) <= lead


def column_warnings(ctx: CheckContext, leads: Leads) -> Iterator[EarlyWarning]:
    for state in column_states(ctx):
        if state.category == "home":
            yield from _home(ctx, state, leads)
            continue
        window = state.window_days(ctx)
        if window is None or not _nearing(ctx, state, leads.days(getattr(leads.config.columns, state.category))):
            continue
        fails_on = state.stale_from(ctx)
        assert fails_on is not None and state.newest is not None
        label = CATEGORY_LABELS[state.category]
        yield EarlyWarning(
            "column.stale", state.unit_name, f"栏目「{state.name}」",
            f"最近更新于{state.newest.isoformat()}，已{state.age_days(ctx)}天未更新；{label}栏目应在"
            f"{window_text(window)}内更新，{fails_on.isoformat()}起将计为栏目不更新",
            f"请于{before(fails_on - timedelta(days=1))}在该栏目发布新信息；确无信息可发布的栏目应撤并",
            fails_on, days_left(ctx, fails_on), state.url,
            {"column": state.name, "category": state.category, "newest": state.newest.isoformat(),
             "window_days": window, "key_column": state.is_key()},
        )


def _home(ctx: CheckContext, state: ColumnState, leads: Leads) -> Iterator[EarlyWarning]:
    if not _nearing(ctx, state, leads.days(leads.config.home_days)):
        return
    fails_on = state.stale_from(ctx)
    assert fails_on is not None and state.newest is not None
    days = ctx.thresholds.home_stale_days
    yield EarlyWarning(
        "home.not_updated", state.unit_name, "首页",
        f"首页最近更新于{state.newest.isoformat()}，已{state.age_days(ctx)}天无新增信息；首页应在{days}天内更新，"
        f"{fails_on.isoformat()}起将判为首页不更新（单项否决）",
        f"请于{before(fails_on - timedelta(days=1))}在首页发布新的要闻动态",
        fails_on, days_left(ctx, fails_on), state.url, {"newest": state.newest.isoformat(), "window_days": days},
    )


def count_warnings(ctx: CheckContext, leads: Leads) -> Iterator[EarlyWarning]:
    """Per unit (and over the portal when every unit is in scope, as the count rules do): stale key columns,
    long-stale columns and blank columns a margin short of their veto."""
    states = [s for s in column_states(ctx) if s.category != "home"]
    blanks = list(column_blank.run(ctx.for_rule("column.blank")))
    groups: dict[int | None, list[ColumnState]] = {}
    for state in states:
        groups.setdefault(state.unit_id, []).append(state)
    if ctx.unit_ids is None:
        groups[None] = states
    for unit_id, unit_states in groups.items():
        who = unit_states[0].unit_name if unit_id is not None else PORTAL_WIDE
        key, long = stale_counts(ctx, unit_states)
        t = ctx.thresholds
        yield from _count(ctx, leads, who, "key", len(key), t.stale_key_columns_veto,
                          [s for s in unit_states if s.is_key()])
        yield from _count(ctx, leads, who, "long", len(long), t.long_stale_columns_veto,
                          [s for s in unit_states if s.is_long_window(ctx)])
        blank = [d for d in blanks if unit_id is None or d.unit_id == unit_id]
        if t.blank_columns_veto - leads.config.count_margin <= len(blank) < t.blank_columns_veto:
            yield EarlyWarning(
                "column.blank_count", who, "空白栏目数量",
                f"空白栏目已有{len(blank)}个，达到{t.blank_columns_veto}个即单项否决",
                "请为所列空白栏目补充信息，或撤并确无信息的栏目；不得再新增空白栏目",
                evidence={"count": len(blank), "threshold": t.blank_columns_veto,
                          "columns": [d.evidence["column"] for d in blank]},
            )


COUNT_TEXT = {
    "key": ("栏目不更新数量（重点栏目）", "动态要闻类栏目2周内未更新、通知公告/政策文件类一级栏目6个月内未更新的栏目"),
    "long": ("栏目不更新数量（长期未更新）", "应更新但长期未更新的栏目"),
}


def _count(ctx: CheckContext, leads: Leads, who: str, kind: str, count: int, veto: int,
           candidates: list[ColumnState]) -> Iterator[EarlyWarning]:
    """A count a margin short of its veto; it fails on the day the missing columns pass their windows."""
    if not veto - leads.config.count_margin <= count < veto:
        return
    upcoming = sorted(d for s in candidates if s.is_stale(ctx) is False and (d := s.stale_from(ctx)) is not None)
    need = veto - count
    fails_on = upcoming[need - 1] if len(upcoming) >= need else None
    subject, words = COUNT_TEXT[kind]
    when = f"；如不更新，{fails_on.isoformat()}起将达到否决线" if fails_on else ""
    yield EarlyWarning(
        "column.stale_count", who, subject, f"{words}已有{count}个，达到{veto}个即单项否决{when}",
        "请尽快更新已超期的栏目，并按时更新即将超期的栏目，使未更新栏目数量保持在否决线以下",
        fails_on, days_left(ctx, fails_on) if fails_on else None,
        evidence={"count": count, "threshold": veto, "kind": kind,
                  "columns": [s.name for s in candidates if s.is_stale(ctx)]},
    )
