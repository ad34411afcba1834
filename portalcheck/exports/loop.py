"""The 整改 loop as the exports and the workspace read it: its states, which of them are done, the notices,
and who is overdue (issue #17). Reading only; portalcheck.service.rectification changes the loop."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portalcheck.core.config import CHINA_TZ
from storage.models import Answer, Finding, FindingEvent, Notice, NoticeFinding, Unit

NOT_FIXED, ANSWERED, REVIEWING, PASSED, FAILED = "未整改", "已答复", "复核中", "复核通过", "复核未通过"
APPEALING, APPEAL_ACCEPTED, CLOSED = "申诉中", "已采纳申诉", "已销号"
STATES = (NOT_FIXED, ANSWERED, REVIEWING, PASSED, FAILED, APPEALING, APPEAL_ACCEPTED, CLOSED)
# Done with: the problem is verified gone (or closed), or it was never one. Everything else can be overdue.
DONE = (PASSED, CLOSED, APPEAL_ACCEPTED)
OPEN_STATES = tuple(s for s in STATES if s not in DONE)
FIXED, APPEAL, EXPLANATION = "已整改", "申诉", "情况说明"
REVIEWER = "复核"  # finding_events.actor of a 复核 result written after a check run
ANSWER_KINDS = (FIXED, APPEAL, EXPLANATION)


def is_overdue(deadline: date | None, state: str | None, today: date) -> bool:
    """Deadline passed and the finding neither verified fixed, closed, nor accepted as wrong."""
    return bool(deadline and state in OPEN_STATES and today > deadline)


@dataclass
class NoticeInfo:
    id: int
    number: int
    issued_at: datetime
    deadline: date
    issued_by: str | None
    findings: int


def notices(session: Session) -> list[NoticeInfo]:
    """Every notice, newest first, with how many findings it froze."""
    counts = dict(session.execute(select(NoticeFinding.notice_id, func.count(NoticeFinding.id))
                                  .group_by(NoticeFinding.notice_id)).all())
    return [NoticeInfo(n.id, n.number, n.issued_at, n.deadline, n.issued_by, counts.get(n.id, 0))
            for n in session.scalars(select(Notice).order_by(Notice.number.desc()))]


def overdue_by_unit(session: Session, today: date, notice_id: int | None = None) -> Counter[str]:
    """Unit name → findings overdue on `today` (of one notice, or of every notice)."""
    query = (select(Unit.name, Finding.deadline, Finding.rectification_state)
             .join(Finding, Finding.unit_id == Unit.id)
             .where(Finding.deadline.is_not(None), Finding.deadline < today,
                    Finding.rectification_state.in_(OPEN_STATES)))
    if notice_id is not None:
        query = query.where(Finding.id.in_(select(NoticeFinding.finding_id)
                                           .where(NoticeFinding.notice_id == notice_id)))
    counted: Counter[str] = Counter()
    for unit, deadline, state in session.execute(query):
        if is_overdue(deadline, state, today):
            counted[unit] += 1
    return counted


def previous_notice(session: Session, before: datetime | None = None) -> Notice | None:
    """The newest notice issued before `before` (every notice when None)."""
    query = select(Notice).order_by(Notice.number.desc()).limit(1)
    if before is not None:
        query = query.where(Notice.issued_at < before)
    return session.scalars(query).first()


def latest_answers(session: Session, finding_ids: list[int]) -> dict[int, Answer]:
    """Each finding's newest answer (for the exports' 单位答复 column)."""
    found: dict[int, Answer] = {}
    for chunk in range(0, len(finding_ids), 5000):
        ids = finding_ids[chunk:chunk + 5000]
        for answer in session.scalars(select(Answer).where(Answer.finding_id.in_(ids)).order_by(Answer.id)):
            found[answer.finding_id] = answer
    return found


def loop_texts(session: Session) -> tuple[dict[int, str], dict[int, str]]:
    """finding id → its newest answer ("已整改：…", with the attachment's name) and → its newest 复核 result,
    as one line each for the findings list (few findings have them: read once, not per row)."""
    answers: dict[int, str] = {}
    for finding_id, kind, text, name in session.execute(
            select(Answer.finding_id, Answer.kind, Answer.text, Answer.attachment_name).order_by(Answer.id)):
        answers[finding_id] = f"{kind}：{text}" + (f"（附件：{name}）" if name else "")
    reviews: dict[int, str] = {}
    for finding_id, new, at in session.execute(
            select(FindingEvent.finding_id, FindingEvent.new, FindingEvent.at)
            .where(FindingEvent.kind == "rectification", FindingEvent.actor == REVIEWER).order_by(FindingEvent.id)):
        reviews[finding_id] = f"{new}（{at.astimezone(CHINA_TZ):%Y-%m-%d %H:%M}）"
    return answers, reviews
