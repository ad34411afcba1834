"""The 整改 loop (issue #17): notices with a deadline, the units' answers, 复核 on 已整改, 销号, appeals.

A notice freezes the active findings of the units into a numbered batch with a deadline (by default ten
working days, China's holidays and make-up working days from `chinesecalendar`). A 单位 user answers each
finding of its own unit; 已整改 queues a recheck of the unit, and the check run after it passes or fails the
finding (portalcheck.service.review). A 督查 confirms 销号 of a passed finding, or accepts an appeal: the
finding is suppressed (status resolved) until the facts change (checks.runner lifts the suppression when the
problem is gone once; its return is a new finding). Every change is a finding_events row and an audit event.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portalcheck.core.config import Config
from portalcheck.core.workdays import nth_working_day
from portalcheck.exports.loop import (
    ANSWER_KINDS,
    ANSWERED,
    APPEAL,
    APPEAL_ACCEPTED,
    APPEALING,
    CLOSED,
    DONE,
    FAILED,
    FIXED,
    NOT_FIXED,
    OPEN_STATES,
    PASSED,
    REVIEWING,
    NoticeInfo,
)
from portalcheck.service.recheck import queue_recheck
from storage.models import (
    ACTIVE_STATUSES,
    Answer,
    AuditEvent,
    Finding,
    FindingEvent,
    Notice,
    NoticeFinding,
    Suppression,
    Unit,
    utcnow,
)
from storage.session import Store

log = logging.getLogger(__name__)

MAX_TEXT = 2000
# What an answer may attach: the extension, the first bytes its format starts with, the type it is served as.
ATTACHMENT_TYPES = {
    ".pdf": ((b"%PDF-",), "application/pdf"),
    ".png": ((b"\x89PNG\r\n\x1a\n",), "image/png"),
    ".jpg": ((b"\xff\xd8\xff",), "image/jpeg"),
    ".jpeg": ((b"\xff\xd8\xff",), "image/jpeg"),
    ".docx": ((b"PK\x03\x04",), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".xlsx": ((b"PK\x03\x04",), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".doc": ((b"\xd0\xcf\x11\xe0",), "application/msword"),
    ".xls": ((b"\xd0\xcf\x11\xe0",), "application/vnd.ms-excel"),
}
# A 单位 may answer while the loop waits on it; not while a 复核 runs nor once it is done with.
ANSWERABLE = (None, NOT_FIXED, ANSWERED, FAILED, APPEALING)


class LoopError(ValueError):
    """A step of the loop that cannot be taken (wrong state, bad attachment): said in Chinese."""


class NotYours(LookupError):
    """No such finding, or not of the actor's unit (the web answers 404: its existence is not confirmed)."""


# --- deadlines ---------------------------------------------------------------------------------------


# The `days`-th working day after a notice's day (the day of issue itself does not count).
working_days_after = nth_working_day


# --- notices -----------------------------------------------------------------------------------------


def _event(session: Session, finding_id: int, old: str | None, new: str, actor: str | None, at: datetime,
           note: str | None = None) -> None:
    session.add(FindingEvent(finding_id=finding_id, at=at, kind="rectification", old=old, new=new, actor=actor,
                             note=note))


def _audit(session: Session, actor: str | None, action: str, detail: str, address: str | None) -> None:
    session.add(AuditEvent(at=utcnow(), user_name=actor, action=action, address=address, detail=detail))


def issue_notice(store: Store, config: Config, issued_by: str | None, deadline: date | None = None, *,
                 now: datetime | None = None, address: str | None = None) -> NoticeInfo:
    """Freeze the units' active findings into the next numbered notice, each due by `deadline` (default: ten
    working days after today). A finding still open from an earlier notice keeps its earlier deadline."""
    now = now or utcnow()
    today = now.astimezone(config.zone).date()
    deadline = deadline or working_days_after(today, config.rectification.working_days)
    if deadline < today:
        raise LoopError(f"整改期限 {deadline.isoformat()} 早于今天")
    with store.session() as session:
        number = (session.scalar(select(func.max(Notice.number))) or 0) + 1
        notice = Notice(number=number, issued_at=now, deadline=deadline, issued_by=issued_by)
        session.add(notice)
        session.flush()
        findings = session.scalars(select(Finding).where(Finding.status.in_(ACTIVE_STATUSES), Finding.unit_id.is_not(None))
                                   .order_by(Finding.unit_id, Finding.id)).all()
        for finding in findings:
            session.add(NoticeFinding(notice_id=notice.id, finding_id=finding.id, unit_id=finding.unit_id,
                                      status=finding.status, detail=finding.detail))
            if finding.rectification_state in OPEN_STATES and finding.deadline is not None:
                continue  # still in the loop of an earlier notice: its deadline stands
            old = finding.rectification_state
            finding.rectification_state, finding.deadline = NOT_FIXED, deadline
            _event(session, finding.id, old, NOT_FIXED, issued_by, now, f"列入第{number}期通报，整改期限{_zh(deadline)}")
        _audit(session, issued_by, "notice_issue", f"第{number}期 {len(findings)} 个问题 期限 {deadline}", address)
        return NoticeInfo(notice.id, number, now, deadline, issued_by, len(findings))


def _zh(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# --- answers -----------------------------------------------------------------------------------------


@dataclass
class Upload:
    """An attachment as it arrived: its bytes, the name and type the browser gave."""

    data: bytes
    name: str
    content_type: str | None = None


def attachments_dir(config: Config) -> Path:
    folder = Path(config.rectification.attachments_dir)
    return folder if folder.is_absolute() else config.base_dir / folder


def store_attachment(config: Config, upload: Upload) -> tuple[str, str, int, str]:
    """Check an upload's size and kind (by extension and by its first bytes) and keep it under a random name
    in the attachments folder (outside the web root). Returns (relative path, original name, size, type)."""
    limit = int(config.rectification.max_attachment_mb * 1024 * 1024)
    if len(upload.data) > limit:
        raise LoopError(f"附件不能超过 {config.rectification.max_attachment_mb:g} MB")
    if not upload.data:
        raise LoopError("附件是空文件")
    name = Path(upload.name.replace("\\", "/")).name[:200] or "附件"
    suffix = Path(name).suffix.lower()
    kind = ATTACHMENT_TYPES.get(suffix)
    if kind is None:
        raise LoopError("附件只能是 " + "、".join(sorted({s.lstrip(".") for s in ATTACHMENT_TYPES})) + " 文件")
    magics, content_type = kind
    if not upload.data.startswith(magics):
        raise LoopError(f"附件内容不是 {suffix.lstrip('.')} 文件")
    relative = f"{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}{suffix}"
    target = attachments_dir(config) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(upload.data)
    return relative, name, len(upload.data), content_type


def _finding_of(session: Session, finding_id: int, unit: str | None) -> tuple[Finding, str | None]:
    row = session.execute(select(Finding, Unit.name).outerjoin(Unit, Unit.id == Finding.unit_id)
                          .where(Finding.id == finding_id)).first()
    if row is None or (unit is not None and row[1] != unit):
        raise NotYours("没有这个问题，或您无权处理。")
    return row[0], row[1]


def answer(store: Store, config: Config, user: str, unit: str, finding_id: int, kind: str, text: str,
           upload: Upload | None = None, *, address: str | None = None, now: datetime | None = None) -> str:
    """A 单位 user's answer to a finding of its own unit; returns the finding's new 整改 state.
    已整改 queues a recheck of the unit (its check run passes or fails the finding)."""
    now = now or utcnow()
    if kind not in ANSWER_KINDS:
        raise LoopError("答复类型只能是" + "、".join(ANSWER_KINDS))
    text = (text or "").strip()
    if not text:
        raise LoopError("请填写答复内容")
    if len(text) > MAX_TEXT:
        raise LoopError(f"答复内容不能超过 {MAX_TEXT} 字")
    with store.session() as session:  # the rights first: nothing is stored for someone else's finding
        finding, _ = _finding_of(session, finding_id, unit)
        _answerable(finding, kind)
    stored = store_attachment(config, upload) if upload is not None else None
    with store.session() as session:
        finding, _ = _finding_of(session, finding_id, unit)
        _answerable(finding, kind)
        new = {FIXED: REVIEWING, APPEAL: APPEALING}.get(kind, ANSWERED)
        if kind != FIXED and finding.rectification_state == FAILED:
            new = FAILED if kind != APPEAL else APPEALING  # a 情况说明 does not undo a failed 复核
        entry = Answer(finding_id=finding.id, user_name=user, kind=kind, text=text, at=now)
        if stored:
            entry.attachment_path, entry.attachment_name, entry.attachment_size, entry.attachment_type = stored
        session.add(entry)
        old = finding.rectification_state
        finding.rectification_state = new
        _event(session, finding.id, old, new, user, now, f"单位答复（{kind}）")
        _audit(session, user, "answer", f"finding {finding.id} {kind}", address)
    if kind == FIXED:
        queue_recheck(store, config, unit)
    return new


def _answerable(finding: Finding, kind: str) -> None:
    if finding.rectification_state not in ANSWERABLE:
        raise LoopError(f"该问题当前为“{finding.rectification_state}”，不能再答复")
    if kind == FIXED and finding.status not in ACTIVE_STATUSES:
        raise LoopError("该问题已不存在，无需再报整改")


# --- the 督查's decisions ------------------------------------------------------------------------------


def _decide(store: Store, actor: str, finding_id: int, wanted: str, new: str, action: str, note: str,
            address: str | None, now: datetime | None) -> Finding:
    now = now or utcnow()
    with store.session() as session:
        finding, _ = _finding_of(session, finding_id, None)
        if finding.rectification_state != wanted:
            raise LoopError(f"该问题当前为“{finding.rectification_state or '未通报'}”，只有“{wanted}”的问题可以{note}")
        old = finding.rectification_state
        finding.rectification_state = new
        _event(session, finding.id, old, new, actor, now, note)
        _audit(session, actor, action, f"finding {finding.id}", address)
        session.flush()
        session.expunge(finding)
        return finding


def confirm_close(store: Store, actor: str, finding_id: int, *, address: str | None = None,
                  now: datetime | None = None) -> None:
    """销号: a 督查 confirms a finding that passed its 复核."""
    _decide(store, actor, finding_id, PASSED, CLOSED, "close", "确认销号", address, now)


def accept_appeal(store: Store, actor: str, finding_id: int, reason: str, *, address: str | None = None,
                  now: datetime | None = None) -> None:
    """A 督查 accepts a unit's appeal: the finding is suppressed with the reason (audited) and leaves the
    active findings; later check runs keep it quiet until the problem is gone once (checks.runner)."""
    now = now or utcnow()
    reason = (reason or "").strip()
    if not reason:
        raise LoopError("请填写采纳申诉的理由")
    with store.session() as session:
        finding, _ = _finding_of(session, finding_id, None)
        if finding.rectification_state != APPEALING:
            raise LoopError(f"该问题当前为“{finding.rectification_state or '未通报'}”，没有待处理的申诉")
        old = finding.rectification_state
        finding.rectification_state = APPEAL_ACCEPTED
        if finding.status in ACTIVE_STATUSES:
            session.add(FindingEvent(finding_id=finding.id, at=now, kind="status", old=finding.status,
                                     new="resolved", actor=actor, note="申诉采纳，问题不再计入"))
            finding.status, finding.resolved_at = "resolved", now
        session.add(Suppression(finding_id=finding.id, reason=reason[:MAX_TEXT], accepted_by=actor, at=now))
        _decide_appeal(session, finding.id, "采纳", actor, now)
        _event(session, finding.id, old, APPEAL_ACCEPTED, actor, now, f"采纳申诉：{reason[:MAX_TEXT]}")
        _audit(session, actor, "appeal_accept", f"finding {finding.id}: {reason[:200]}", address)


def reject_appeal(store: Store, actor: str, finding_id: int, reason: str = "", *, address: str | None = None,
                  now: datetime | None = None) -> None:
    """A 督查 rejects an appeal: the finding is back to 未整改."""
    now = now or utcnow()
    finding = _decide(store, actor, finding_id, APPEALING, NOT_FIXED, "appeal_reject",
                      "驳回申诉" + (f"：{reason.strip()[:MAX_TEXT]}" if reason.strip() else ""), address, now)
    with store.session() as session:
        _decide_appeal(session, finding.id, "驳回", actor, now)


def _decide_appeal(session: Session, finding_id: int, decision: str, actor: str, now: datetime) -> None:
    pending = session.scalars(select(Answer).where(Answer.finding_id == finding_id, Answer.kind == APPEAL,
                                                   Answer.decision.is_(None))).all()
    for entry in pending:
        entry.decision, entry.decided_by, entry.decided_at = decision, actor, now


def suppressed(store: Store, finding_id: int) -> Suppression | None:
    """The finding's suppression in force, if any."""
    with store.session() as session:
        row = session.scalars(select(Suppression).where(Suppression.finding_id == finding_id,
                                                        Suppression.lifted_at.is_(None))).first()
        if row is not None:
            session.expunge(row)
        return row


__all__ = ["DONE", "LoopError", "NotYours", "Upload", "accept_appeal", "answer", "confirm_close", "issue_notice",
           "reject_appeal", "store_attachment", "working_days_after"]
