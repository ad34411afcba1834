"""答复超时: a message answered (or still unanswered) later than the time limit in working days.

国办发〔2014〕57号: feedback within 7 working days, complex cases within 15 (indicators.md §E; both
configurable). A case counts as complex when its reply says so (情况复杂, 延期答复 …, data in
checks/data/reply_phrases.yaml). Working days follow the State Council holiday calendar, make-up
working days included (chinesecalendar); a year it does not know yet falls back to Monday–Friday.
Messages past 3 months without an answer are message.unanswered, not counted again here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from checks.base import Check, CheckContext, FindingDraft, iso
from checks.data import load_data
from checks.facts.messages import answered, board_messages, local_date, message_subject, unanswered_from
from portalcheck.core.config import Thresholds
from portalcheck.core.workdays import working_days
from storage.models import Message


def reply_limit(message: Message, thresholds: Thresholds) -> tuple[int, bool]:
    """The message's time limit in working days, and whether its reply calls it a complex case."""
    complex_case = any(word in (message.reply or "") for word in load_data("reply_phrases.yaml")["complex"])
    limit = thresholds.message_reply_complex_working_days if complex_case else thresholds.message_reply_working_days
    return limit, complex_case


@dataclass(frozen=True, slots=True)
class Lateness:
    days: int  # working days taken (or waited so far)
    limit: int
    replied: bool
    complex_case: bool


def lateness(message: Message, ctx: CheckContext) -> Lateness | None:
    """How late a message was answered, or is still waiting, as of the check; None when in time."""
    limit, complex_case = reply_limit(message, ctx.thresholds)
    asked = local_date(message.asked_at, ctx)
    pending = not answered(message, ctx.as_of)
    if not pending and message.replied_at is None:
        return None  # answered without a date: its time cannot be judged
    if pending and ctx.as_of >= unanswered_from(message, ctx.thresholds.message_unanswered_days):
        return None  # message.unanswered
    end = ctx.today if pending else local_date(message.replied_at, ctx)
    taken = working_days(asked, end)
    return Lateness(taken, limit, not pending, complex_case) if taken > limit else None


def run(ctx: CheckContext) -> Iterator[FindingDraft]:
    for message in board_messages(ctx):
        ctx.checked_pages([(message.unit_id, message_subject(message))])
        late = lateness(message, ctx)
        if late is None:
            continue
        kind = "情况复杂件" if late.complex_case else "一般件"
        when = (f"{local_date(message.replied_at, ctx)}答复，用时{late.days}个工作日" if late.replied
                else f"至今{late.days}个工作日未答复")
        yield ctx.draft(
            f"「{message.board_name}」留言“{message.title or message.external_id}”答复超时："
            f"{local_date(message.asked_at, ctx)}留言，{when}，超过{kind}{late.limit}个工作日的办理时限",
            unit_id=message.unit_id, url=message_subject(message),
            evidence={"board": message.board_name, "title": message.title, "handling_unit": message.handling_unit,
                      "asked_at": iso(message.asked_at),
                      "replied_at": iso(message.replied_at) if answered(message, ctx.as_of) else None,
                      "working_days": late.days, "limit_working_days": late.limit, "complex": late.complex_case,
                      "replied": late.replied},
        )


CHECK = Check(
    rule="message.overdue",
    title="网上问政答复超时",
    clause="国办发〔2014〕57号（7个工作日内答复，情况复杂的15个工作日）；国办秘函〔2019〕19号 扣分指标 互动交流>办理答复",
    severity="deduct",
    scope="message",
    run=run,
    fix="按时限办理答复群众留言（一般7个工作日，复杂15个工作日）。",
    description="留言答复超过规定的工作日时限（默认7个，复杂件15个；节假日与调休按国务院安排），或已超过时限仍未答复。",
)
