"""网上问政 messages nearing 3 months without an answer, or nearing their reply deadline in working days.

The limits are the rules' own: message.unanswered's days (facts.messages.unanswered_from) and
message.overdue's working days on the State Council calendar (is_workday, reply_limit). A message
already past either is that rule's finding and is not warned of for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from sqlalchemy import select

from checks.base import CheckContext
from checks.facts.messages import answered, board_messages, local_date, message_subject, unanswered_from
from checks.message_overdue import lateness, reply_limit
from checks.message_unanswered import is_unanswered
from checks.warnings.base import EarlyWarning, Leads, before, days_left
from portalcheck.core.workdays import nth_working_day, working_days
from storage.models import Message, Unit


def message_warnings(ctx: CheckContext, leads: Leads) -> Iterator[EarlyWarning]:
    names = dict(ctx.session.execute(select(Unit.id, Unit.name)).all())
    for message in board_messages(ctx):
        yield from _unanswered(ctx, leads, message, names)
        yield from _deadline(ctx, leads, message, names)


def _subject(message: Message) -> str:
    return f"「{message.board_name}」留言“{message.title or message.external_id}”"


def _unit(message: Message, names: dict[int, str]) -> str | None:
    return names.get(message.unit_id) if message.unit_id is not None else message.handling_unit


def _unanswered(ctx: CheckContext, leads: Leads, message: Message, names: dict[int, str]) -> Iterator[EarlyWarning]:
    limit = ctx.thresholds.message_unanswered_days
    due = unanswered_from(message, limit)
    if ctx.as_of >= due or not is_unanswered(message, ctx):
        return
    fails_on = local_date(due, ctx)
    if days_left(ctx, fails_on) > leads.days(leads.config.message_unanswered_days):
        return
    asked = local_date(message.asked_at, ctx)
    yield EarlyWarning(
        "message.unanswered", _unit(message, names), _subject(message),
        f"{asked.isoformat()}留言，已{(ctx.as_of - message.asked_at).days}天未答复；超过3个月未答复即单项否决，"
        f"{fails_on.isoformat()}起将判为留言超过3个月未回复",
        f"请于{before(fails_on - timedelta(days=1))}办结并公开答复（仅“正在办理”等进度用语不算答复）",
        fails_on, days_left(ctx, fails_on), message_subject(message),
        {"asked": asked.isoformat(), "limit_days": limit, "status": message.status_word},
    )


def _deadline(ctx: CheckContext, leads: Leads, message: Message, names: dict[int, str]) -> Iterator[EarlyWarning]:
    """A message still waiting inside its time limit (working days, holidays and make-up days included)."""
    if answered(message, ctx.as_of) or lateness(message, ctx) is not None:
        return  # answered, already late (message.overdue) or over 3 months (message.unanswered)
    if ctx.as_of >= unanswered_from(message, ctx.thresholds.message_unanswered_days):
        return
    limit, complex_case = reply_limit(message, ctx.thresholds)
    asked = local_date(message.asked_at, ctx)
    taken = working_days(asked, ctx.today)
    deadline = nth_working_day(asked, limit)
    fails_on = nth_working_day(asked, limit + 1)
    near = (limit - taken <= leads.config.message_reply_working_days if leads.within is None
            else days_left(ctx, fails_on) <= leads.within)
    if not near:
        return
    kind = "情况复杂件" if complex_case else "一般件"
    yield EarlyWarning(
        "message.overdue", _unit(message, names), _subject(message),
        f"{asked.isoformat()}留言，至今{taken}个工作日未答复；{kind}应在{limit}个工作日内答复，"
        f"答复期限为{deadline.isoformat()}，{fails_on.isoformat()}起将判为答复超时",
        f"请于{before(deadline)}答复",
        fails_on, days_left(ctx, fails_on), message_subject(message),
        {"asked": asked.isoformat(), "working_days": taken, "limit_working_days": limit,
         "deadline": deadline.isoformat(), "complex": complex_case},
    )
