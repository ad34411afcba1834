"""网上问政 facts the message rules and the messages table share: which messages count, whether one was
answered as of a moment, and whether a reply really answers (the reply rules of checks/data/reply_phrases.yaml).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from checks.base import CheckContext
from checks.data import load_data
from checks.facts.pages import SENTENCE_END
from portalcheck.core.messages import COUNTED_KINDS, status_group
from storage.models import Message


def board_messages(ctx: CheckContext) -> list[Message]:
    """Valid messages of counted boards in scope, left within the look-back year; cached per run."""
    if "board_messages" not in ctx.cache:
        since = ctx.as_of - timedelta(days=ctx.thresholds.message_lookback_days)
        rows = ctx.session.execute(
            select(Message).where(Message.board_kind.in_(COUNTED_KINDS), Message.asked_at >= since,
                                  Message.asked_at <= ctx.as_of)
            .order_by(Message.asked_at, Message.id)
        ).scalars().all()
        ctx.cache["board_messages"] = [m for m in rows if status_group(m.status_word) != "invalid"]
    return [m for m in ctx.cache["board_messages"] if ctx.in_scope(m.unit_id)]


def answered(message: Message, as_of: datetime) -> bool:
    """Was there a reply at `as_of`? A reply without a date counts from when it was seen."""
    if message.replied_at is not None:
        return message.replied_at <= as_of
    return bool((message.reply or "").strip()) and message.first_seen <= as_of


def unanswered_from(message: Message, limit_days: int) -> datetime:
    """The moment a message still without an answer is over the limit (message.unanswered: more than
    `limit_days` whole days since it was left); message.overdue and the warnings read the limit here too."""
    return message.asked_at + timedelta(days=limit_days + 1)


def local_date(when: datetime, ctx: CheckContext) -> date:
    """Boards write local dates; the store keeps UTC."""
    return when.astimezone(ZoneInfo(ctx.timezone)).date()


def message_subject(message: Message) -> str:
    """The URL a finding names: the message's own page (or its anchor on a Q&A page)."""
    return message.url or f"{message.board_url}#{message.external_id}"


PUNCTUATION = re.compile(r"[\s\W_]+")
REASONS = {
    "empty": "答复内容为空", "progress_only": "仅以“正在办理”“已转交”等进度用语报结",
    "deflection": "以“不属于本单位职责范围”推诿，未告知办理渠道", "policy_only": "照搬政策条文，未作实质性答复",
    "too_short": "答复过于简短",
}


@dataclass(frozen=True, slots=True)
class PoorReply:
    reason: str  # a key of REASONS
    sentence: str  # the reply sentence that triggered the rule


@cache
def _rules() -> dict[str, Any]:
    data = load_data("reply_phrases.yaml")
    return {**data, "deflection_re": [re.compile(p) for p in data["deflection"]],
            "referral_re": [re.compile(p) for p in data["referral"]],
            "citation_re": [re.compile(p) for p in data["citation"]]}


def _chars(text: str) -> int:
    return len(PUNCTUATION.sub("", text))


def _sentence(text: str, start: int, end: int) -> str:
    left = max((m.end() for m in SENTENCE_END.finditer(text, 0, start)), default=0)
    right = SENTENCE_END.search(text, end)
    return text[left:right.end() if right else len(text)].strip()[:120]


def judge_reply(reply: str | None) -> PoorReply | None:
    """The first poor-reply rule a reply fits, with the sentence that shows it; None for a real answer."""
    rules = _rules()
    text = (reply or "").strip()
    if not _chars(text):
        return PoorReply("empty", "")
    residue = text
    for phrase in sorted(rules["progress"] + rules["pleasantries"], key=len, reverse=True):
        residue = residue.replace(phrase, "")
    progress = next((m for p in rules["progress"] if (m := re.search(re.escape(p), text))), None)
    if progress and _chars(residue) < rules["residue_chars"]:
        return PoorReply("progress_only", _sentence(text, progress.start(), progress.end()))
    deflection = next((m for p in rules["deflection_re"] if (m := p.search(text))), None)
    if deflection and not any(p.search(text) for p in rules["referral_re"]):
        return PoorReply("deflection", _sentence(text, deflection.start(), deflection.end()))
    cited = [False] * len(text)
    for pattern in rules["citation_re"]:
        for m in pattern.finditer(text):
            cited[m.start():m.end()] = [True] * (m.end() - m.start())
    own = "".join(ch for ch, c in zip(text, cited, strict=True) if not c)
    share = 1 - _chars(own) / _chars(text)
    if share >= rules["policy_share"] and not any(word in own for word in rules["answer_markers"]):
        first = cited.index(True)
        return PoorReply("policy_only", _sentence(text, first, first + 1))
    if _chars(text) < rules["min_chars"]:
        return PoorReply("too_short", text[:120])
    return None
