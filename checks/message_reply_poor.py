"""答复质量差: a reply that closes the case without answering it (房县 2020 通报 三(四)).

Four shapes, each a data rule of checks/data/reply_phrases.yaml: progress words only (正在办理,
正在调查, 已转交 with nothing after), a deflection (不属于我单位管理范围) that names no one else,
a citation of policy text with no answer of its own, and an empty or few-character reply. Every
finding quotes the reply sentence that triggered it, so the inspector sees what was written.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.base import Check, CheckContext, FindingDraft, iso
from checks.facts.messages import REASONS, answered, board_messages, judge_reply, message_subject


def run(ctx: CheckContext) -> Iterator[FindingDraft]:
    for message in board_messages(ctx):
        if not answered(message, ctx.as_of):
            continue  # no reply yet: message.unanswered / message.overdue
        ctx.checked_pages([(message.unit_id, message_subject(message))])
        poor = judge_reply(message.reply)
        if poor is None:
            continue
        quoted = f"，原文：{poor.sentence}" if poor.sentence else ""
        yield ctx.draft(
            f"「{message.board_name}」留言“{message.title or message.external_id}”答复质量差"
            f"（{REASONS[poor.reason]}）{quoted}",
            unit_id=message.unit_id, url=message_subject(message),
            evidence={"board": message.board_name, "title": message.title, "handling_unit": message.handling_unit,
                      "reason": poor.reason, "sentence": poor.sentence, "reply": (message.reply or "")[:500],
                      "status": message.status_word, "asked_at": iso(message.asked_at),
                      "replied_at": iso(message.replied_at)},
        )


CHECK = Check(
    rule="message.reply_poor",
    title="网上问政答复质量差",
    clause="国办秘函〔2019〕19号 扣分指标 互动交流>办理答复；房县 2020 通报 三(四)",
    severity="deduct",
    scope="message",
    run=run,
    fix="针对留言问题给出明确、具体的答复，不得敷衍。",
    description="答复仅有“正在办理/已转交”等进度用语、以“不属于本单位职责范围”推诿而未告知渠道、照搬政策条文、为空或过短。",
)
