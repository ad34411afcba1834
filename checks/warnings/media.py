"""政务新媒体 accounts nearing the 14 days without a post that account.not_updated vetoes.

Only accounts the collector read are warned of (an unreadable one is not checked by the rule either);
the silence is the rule's own (AccountState.silent_from with thresholds.account_stale_days).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from checks.base import CheckContext
from checks.facts.accounts import account_states
from checks.warnings.base import EarlyWarning, Leads, before, days_left


def account_warnings(ctx: CheckContext, leads: Leads) -> Iterator[EarlyWarning]:
    days = ctx.thresholds.account_stale_days
    for state in account_states(ctx):
        silent_from = state.silent_from(ctx, days) if state.readable else None
        if silent_from is None or ctx.today >= silent_from:
            continue  # not readable, never posted, or already account.not_updated's finding
        if days_left(ctx, silent_from) > leads.days(leads.config.account_days):
            continue
        newest = state.newest_local(ctx.timezone)
        assert newest is not None
        yield EarlyWarning(
            "account.not_updated", state.unit_name, state.label,
            f"最近发布于{newest.isoformat()}，已{state.age_days(ctx)}天未更新；监测时间点前{days}天内应有更新，"
            f"{silent_from.isoformat()}起将判为内容不更新（单项否决）",
            f"请于{before(silent_from - timedelta(days=1))}发布新内容；确无能力维护的账号按程序关停注销",
            silent_from, days_left(ctx, silent_from), state.url,
            {"account": state.name, "platform": state.platform, "newest": newest.isoformat(), "window_days": days},
        )
