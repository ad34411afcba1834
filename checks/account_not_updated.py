"""内容不更新 (new media): no post within 14 days before the check date (indicators.md D2, veto).

Only accounts the collector actually read are judged: a 432, an expired login or a broken
bridge makes the account "not checked" (with an operator alert at crawl time), never stale.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.base import Check, CheckContext, FindingDraft, iso
from checks.facts.accounts import silent_accounts


def run(ctx: CheckContext) -> Iterator[FindingDraft]:
    days = ctx.thresholds.account_stale_days
    for state, age in silent_accounts(ctx, days):
        if age is None:
            detail = f"{state.label}未发现任何发布内容，按未更新计（应在{days}天内更新）"
        else:
            detail = (f"{state.label}最近发布于{state.newest_local(ctx.timezone).isoformat()}，"
                      f"已{age}天未更新（监测时间点前{days}天内应有更新）")
        yield ctx.draft(
            detail, unit_id=state.unit_id, url=state.subject, discriminator=f"{state.platform}:{state.name}",
            evidence={"account": state.name, "platform": state.platform, "newest": iso(state.newest),
                      "age_days": age, "window_days": days, "posts_stored": state.posts,
                      "checked_at": iso(state.checked_at), "source": state.visit.get("source")},
        )


CHECK = Check(
    rule="account.not_updated",
    title="政务新媒体内容不更新",
    clause="国办秘函〔2019〕19号 政务新媒体单项否决（内容不更新）",
    severity="veto",
    scope="account",
    run=run,
    fix="两周内至少更新一次；确无能力维护的账号按程序关停注销。",
    description="监测时间点前2周内无更新；采集受限（登录失效、被限制访问）的账号记为未检查。",
)
