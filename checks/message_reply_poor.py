"""答复质量差: a reply that closes the case without answering it (房县 2020 通报 三(四)).

Four shapes, each a data rule of checks/data/reply_phrases.yaml: progress words only (正在办理,
正在调查, 已转交 with nothing after), a deflection (不属于我单位管理范围) that names no one else,
a citation of policy text with no answer of its own, and an empty or few-character reply. Every
finding quotes the reply sentence that triggered it, so the inspector sees what was written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from checks.base import Check, CheckContext, FindingDraft, iso
from checks.content_scan import SENTENCE_END, load_data
from checks.message_unanswered import answered, board_messages, message_subject

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
