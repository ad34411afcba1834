"""互动回应差 (new media): no comment, private-message or consultation entry (indicators.md D3, veto).

Judged only where the source shows it: Weibo's profile (聊天 entry) and comments, WeChat article
pages (comment_id "0" = no 留言). A feed cannot show it, so feed-only accounts are not checked.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.base import Check, CheckContext, FindingDraft, iso
from checks.facts.accounts import account_states, skip_unreadable


def run(ctx: CheckContext) -> Iterator[FindingDraft]:
    for state in account_states(ctx):
        if skip_unreadable(ctx, state):
            continue
        interaction = state.visit.get("interaction")
        if interaction is None:
            ctx.skip(f"{state.label}的采集来源不显示互动功能，未检查", unit_id=state.unit_id, url=state.subject)
            continue
        ctx.checked_pages([(state.unit_id, state.subject)])
        if interaction:
            continue
        evidence = state.visit.get("interaction_evidence")
        yield ctx.draft(
            f"{state.label}未提供有效互动功能（{evidence or '未发现留言、评论或咨询入口'}）",
            unit_id=state.unit_id, url=state.subject, discriminator=f"{state.platform}:{state.name}",
            evidence={"account": state.name, "platform": state.platform, "observed": evidence,
                      "checked_at": iso(state.checked_at)},
        )


CHECK = Check(
    rule="account.no_interaction",
    title="政务新媒体互动回应差",
    clause="国办秘函〔2019〕19号 政务新媒体单项否决（互动回应差）",
    severity="veto",
    scope="account",
    run=run,
    fix="开通并公开留言、评论或咨询入口，及时回应网民关切。",
    description="未提供有效互动功能（留言、评论、私信或咨询入口）；订阅源无法显示的记为未检查。",
)
