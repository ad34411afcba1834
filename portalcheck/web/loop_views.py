"""What the workspace shows of the 整改 loop (issue #17): a finding's history, answers and what the actor may do
next; the notices with their overdue units. Reads only (portalcheck.service.rectification changes the loop)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from portalcheck.core.config import CHINA_TZ
from portalcheck.exports.common import STATUS_ZH, clean_text
from portalcheck.exports.loop import (
    ANSWER_KINDS,
    APPEALING,
    PASSED,
    is_overdue,
    notices,
    overdue_by_unit,
)
from portalcheck.service.rectification import ANSWERABLE
from portalcheck.web.users import Actor
from portalcheck.web.views import shown
from storage.models import Answer, Finding, FindingEvent, Notice, NoticeFinding, Suppression
from storage.session import Store


def today() -> date:
    return datetime.now(CHINA_TZ).date()


def finding_loop(store: Store, finding_id: int, unit: str | None, actor: Actor) -> dict[str, Any]:
    """The finding's 整改 state, deadline, history, answers and suppression, and which forms the actor gets."""
    with store.session() as session:
        finding = session.get(Finding, finding_id)
        if finding is None:
            return {}
        events = session.scalars(select(FindingEvent).where(FindingEvent.finding_id == finding_id)
                                 .order_by(FindingEvent.at, FindingEvent.id)).all()
        answers = session.scalars(select(Answer).where(Answer.finding_id == finding_id).order_by(Answer.id)).all()
        suppression = session.scalars(select(Suppression).where(Suppression.finding_id == finding_id)
                                      .order_by(Suppression.id.desc())).first()
        numbers = session.scalars(select(Notice.number).join(NoticeFinding, NoticeFinding.notice_id == Notice.id)
                                  .where(NoticeFinding.finding_id == finding_id).order_by(Notice.number)).all()
        state = finding.rectification_state
        own_unit = actor.role == "unit" and unit is not None and unit == actor.unit
        return {
            "state": state or "未通报",
            "deadline": shown(None, finding.deadline),
            "overdue": is_overdue(finding.deadline, state, today()),
            "notices": "、".join(f"第{n}期" for n in numbers),
            "history": [{"at": shown(None, e.at), "what": _what(e), "actor": e.actor or "检查",
                         "note": clean_text(e.note or "")} for e in events],
            "answers": [{"id": a.id, "at": shown(None, a.at), "user": a.user_name, "kind": a.kind,
                         "text": clean_text(a.text), "attachment": a.attachment_name,
                         "size": f"{(a.attachment_size or 0) / 1024:.0f} KB" if a.attachment_name else "",
                         "decision": a.decision or ""} for a in answers],
            "suppression": None if suppression is None else {
                "reason": clean_text(suppression.reason), "by": suppression.accepted_by,
                "at": shown(None, suppression.at), "lifted": shown(None, suppression.lifted_at)},
            "may_answer": own_unit and state in ANSWERABLE,
            "kinds": ANSWER_KINDS,
            "may_close": actor.role == "inspector" and state == PASSED,
            "may_decide_appeal": actor.role == "inspector" and state == APPEALING,
        }


def _what(event: FindingEvent) -> str:
    if event.kind == "status":
        old = STATUS_ZH.get(event.old or "", event.old or "")
        return f"状态：{old + ' → ' if old else ''}{STATUS_ZH.get(event.new, event.new)}"
    return f"整改：{event.old + ' → ' if event.old else ''}{event.new}"


def notices_overview(store: Store) -> list[dict[str, Any]]:
    """The notices, newest first, each with its units overdue today."""
    day = today()
    with store.session() as session:
        out = []
        for n in notices(session)[:10]:
            overdue = overdue_by_unit(session, day, n.id)
            out.append({"number": n.number, "issued": shown(None, n.issued_at), "deadline": shown(None, n.deadline),
                        "findings": n.findings, "by": n.issued_by or "",
                        "overdue": "、".join(f"{u}（{c}）" for u, c in overdue.most_common()) or "无"})
        return out


def attachment(store: Store, answer_id: int) -> tuple[Answer, int | None] | None:
    """An answer with its finding's unit id (for the rights check before the file is sent)."""
    with store.session() as session:
        row = session.execute(select(Answer, Finding.unit_id).join(Finding, Finding.id == Answer.finding_id)
                              .where(Answer.id == answer_id)).first()
        if row is None:
            return None
        session.expunge(row[0])
        return row[0], row[1]
