"""政务新媒体检查情况表: one row per account, the totals and the units a notice names.

The shape follows a county notice's 附件4 (房县 2020: 38 accounts, 24 合格, 14 不合格, 63%, and
the units whose accounts were silent over a year). The account checks are run in memory at
`as_of`, so the table is right for that moment whether or not `portalcheck check` ran since.
An account the collector could not read is "未检查" and stays out of the rate.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from checks import (
    account_dormant,
    account_no_interaction,
    account_not_updated,
    account_sensitive,
    account_serious_error,
    account_unreachable,
)
from checks.base import Check, CheckContext
from checks.facts.accounts import PLATFORM_ZH, AccountState, account_states
from checks.runner import _unit_ids
from portalcheck.core.accounts import HEALTH_ZH
from storage.models import Post

ACCOUNT_CHECKS: list[Check] = [account_not_updated.CHECK, account_dormant.CHECK, account_unreachable.CHECK,
                               account_no_interaction.CHECK, account_serious_error.CHECK,
                               account_sensitive.CHECK]
PASS, FAIL, NOT_CHECKED = "合格", "不合格", "未检查"
RESULT_PASS, RESULT_FAIL, RESULT_SKIP = "通过", "不通过", "未检查"


def _period_bounds(date_from: date, date_to: date, timezone: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(timezone)
    return (datetime.combine(date_from, time.min, zone), datetime.combine(date_to + timedelta(days=1), time.min, zone))


def _results(base: CheckContext, states: list[AccountState]) -> dict[tuple[int, str], dict[str, Any]]:
    """(account_id, rule) -> {"result", "detail"} for every account check."""
    by_subject = {(s.unit_id, s.subject): s.account_id for s in states}
    results: dict[tuple[int, str], dict[str, Any]] = {}
    for check in ACCOUNT_CHECKS:
        ctx = base.for_rule(check.rule)
        ctx.cache["account_states"] = states
        drafts = list(check.run(ctx))
        for draft in drafts:
            account_id = by_subject.get((draft.unit_id, draft.url or ""))
            if account_id is not None:
                entry = results.setdefault((account_id, check.rule), {"result": RESULT_FAIL, "detail": []})
                entry["detail"].append(draft.detail)
        for skipped in ctx.not_checked:
            account_id = by_subject.get((skipped.unit_id, skipped.url or ""))
            if account_id is not None:
                results.setdefault((account_id, check.rule), {"result": RESULT_SKIP, "detail": [skipped.reason]})
    return results


def accounts_table(store: Any, config: Any, date_from: date, date_to: date, as_of: datetime,
                   units: list[str] | None = None) -> dict[str, Any]:
    """Rows, totals (合格率) and the units a notice names, for the accounts in scope."""
    if as_of.tzinfo is None:
        raise ValueError("as_of must be timezone-aware")
    timezone = config.schedule.timezone
    start, end = _period_bounds(date_from, date_to, timezone)
    with store.session() as session:
        unit_ids = _unit_ids(session, units)
        base = CheckContext.from_config(session, config, as_of, unit_ids)
        states = account_states(base)
        in_period = dict(session.execute(
            select(Post.account_id, func.count()).where(Post.published_at >= start, Post.published_at < end,
                                                        Post.published_at <= as_of)
            .group_by(Post.account_id)).all())
        results = _results(base, states)
    rows = []
    for state in states:
        checks = {}
        for check in ACCOUNT_CHECKS:
            entry = results.get((state.account_id, check.rule), {"result": RESULT_PASS, "detail": []})
            checks[check.rule] = {"title": check.title, "result": entry["result"], "detail": "；".join(entry["detail"])}
        failed = [rule for rule, c in checks.items() if c["result"] == RESULT_FAIL]
        verdict = FAIL if failed else (NOT_CHECKED if not (state.readable or state.gone) else PASS)
        rows.append({
            "unit": state.unit_name, "platform": state.platform, "platform_zh": PLATFORM_ZH.get(state.platform,
                                                                                               state.platform),
            "name": state.name, "url": state.url,
            "last_post": state.newest.astimezone(ZoneInfo(timezone)).isoformat(timespec="minutes")
            if state.newest else None,
            "posts_in_period": in_period.get(state.account_id, 0), "health": state.health,
            "health_zh": HEALTH_ZH.get(state.health or "", "尚未采集"), "checks": checks, "failed": failed,
            "verdict": verdict,
        })
    return _with_totals(rows, date_from, date_to, as_of)


def _with_totals(rows: list[dict[str, Any]], date_from: date, date_to: date, as_of: datetime) -> dict[str, Any]:
    qualified = sum(1 for r in rows if r["verdict"] == PASS)
    unqualified = sum(1 for r in rows if r["verdict"] == FAIL)
    not_checked = sum(1 for r in rows if r["verdict"] == NOT_CHECKED)
    judged = qualified + unqualified
    rate = round(100 * qualified / judged) if judged else None
    unqualified_units = list(dict.fromkeys(r["unit"] for r in rows if r["verdict"] == FAIL))
    dormant_units = list(dict.fromkeys(r["unit"] for r in rows if "account.dormant" in r["failed"]))
    text = (f"共开设微博、微信公众号等政务新媒体{len(rows)}个。本次检查发现合格的政务新媒体有{qualified}个，"
            f"不合格的新媒体{unqualified}个")
    text += f"，责任单位分别是：{'、'.join(unqualified_units)}" if unqualified_units else ""
    text += f"，合格率为{rate}%。" if rate is not None else "。"
    if not_checked:
        text += f"另有{not_checked}个账号因采集受限未能检查。"
    if dormant_units:
        text += f"超过一年以上未更新的新媒体责任单位分别是：{'、'.join(dormant_units)}。"
    return {
        "as_of": as_of.isoformat(timespec="minutes"), "period": {"from": date_from.isoformat(),
                                                                 "to": date_to.isoformat()},
        "checks": [{"rule": c.rule, "title": c.title} for c in ACCOUNT_CHECKS],
        "rows": rows,
        "totals": {"accounts": len(rows), "qualified": qualified, "unqualified": unqualified,
                   "not_checked": not_checked, "rate": rate, "rate_text": f"{qualified}/{judged}，{rate}%"
                   if rate is not None else "—"},
        "unqualified_units": unqualified_units, "dormant_units": dormant_units, "text": text,
    }
