"""长期未更新 ("僵尸/睡眠"账号): silent for longer than `account_dormant_days` (default 1 year).

A county 通报 names these units separately ("超过一年以上未更新的新媒体责任单位"), and the
2023 国办公开办 notice asks for accounts no longer maintained to be closed (indicators.md D2).
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.base import Check, CheckContext, FindingDraft, iso, window_text
from checks.facts.accounts import silent_accounts


def run(ctx: CheckContext) -> Iterator[FindingDraft]:
    days = ctx.thresholds.account_dormant_days
    for state, age in silent_accounts(ctx, days):
        if age is None and state.posts == 0 and state.visit.get("posts_total") is None:
            ctx.skip(f"{state.label}未读到任何发布内容，无法判断停更时长", unit_id=state.unit_id, url=state.subject)
            continue
        since = f"最近发布于{state.newest_local(ctx.timezone).isoformat()}，" if state.newest else ""
        yield ctx.draft(
            f"{state.label}{since}超过{window_text(days)}未更新，属长期未更新（“僵尸”）账号，应整改或依规注销",
            unit_id=state.unit_id, url=state.subject, discriminator=f"{state.platform}:{state.name}",
            evidence={"account": state.name, "platform": state.platform, "newest": iso(state.newest),
                      "age_days": age, "dormant_days": days, "checked_at": iso(state.checked_at)},
        )


CHECK = Check(
    rule="account.dormant",
    title="政务新媒体长期未更新",
    clause="国办秘函〔2019〕19号 政务新媒体（内容不更新）；国办公开办2023年通知（不再维护未注销）",
    severity="veto",
    scope="account",
    run=run,
    fix="长期不更新的账号应恢复更新，确无必要保留的按程序关停注销。",
    description="超过设定时长（默认1年）无更新的“僵尸”“睡眠”账号。",
)
