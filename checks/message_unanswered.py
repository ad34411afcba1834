"""留言超过3个月未回复: a valid message of a consultation board, left within the year before the
check, still without an answer more than 3 months later (indicators.md A5.2, veto 互动回应差).

Boards of the kinds the indicators exclude (在线访谈, 调查征集, 网上信访, 纪检举报) are not counted,
nor are messages the board marks invalid (不予受理, 重复留言). A reply of progress words only to a
case still 办理中/已转交 is no answer (indicators.md §E). The state is read as of `as_of`: a reply
dated later did not exist then.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.base import Check, CheckContext, FindingDraft, iso
from checks.facts.messages import (
    answered,
    board_messages,
    judge_reply,
    local_date,
    message_subject,
    unanswered_from,
)
from portalcheck.core.messages import status_group
from storage.models import Message


def is_unanswered(message: Message, ctx: CheckContext) -> bool:
    """No answer as of the check: nothing replied, or only progress words while the case is still open.

    Only this rule reads a progress reply as no answer (indicators.md §E); for the time limit and the
    reply's quality such a reply is a (poor) reply.
    """
    if not answered(message, ctx.as_of):
        return True
    poor = judge_reply(message.reply)
    open_case = status_group(message.status_word) in ("in_progress", "transferred")
    return open_case and poor is not None and poor.reason in ("empty", "progress_only")


def run(ctx: CheckContext) -> Iterator[FindingDraft]:
    limit = ctx.thresholds.message_unanswered_days
    for message in board_messages(ctx):
        ctx.checked_pages([(message.unit_id, message_subject(message))])
        age = (ctx.as_of - message.asked_at).days
        if ctx.as_of < unanswered_from(message, limit) or not is_unanswered(message, ctx):
            continue
        yield ctx.draft(
            f"「{message.board_name}」留言“{message.title or message.external_id}”"
            f"（{local_date(message.asked_at, ctx)}留言）"
            f"已{age}天未答复，超过3个月",
            unit_id=message.unit_id, url=message_subject(message),
            evidence={"board": message.board_name, "board_url": message.board_url, "title": message.title,
                      "handling_unit": message.handling_unit, "status": message.status_word,
                      "reply": (message.reply or "")[:200] or None, "asked_at": iso(message.asked_at),
                      "age_days": age, "limit_days": limit},
        )


CHECK = Check(
    rule="message.unanswered",
    title="留言超过3个月未回复",
    clause="国办秘函〔2019〕19号 单项否决 互动回应差（1年内留言超过3个月未回复）",
    severity="veto",
    scope="message",
    run=run,
    fix="尽快办理答复未回复的群众留言并公开答复内容。",
    description="咨询类栏目1年内的有效留言超过3个月未答复（在线访谈、调查征集、网上信访、纪检举报不计）。",
)
