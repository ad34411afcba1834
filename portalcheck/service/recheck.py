"""Recheck of one unit after 整改: crawl it fully, re-run its checks, compare; and the queue of requests."""

from __future__ import annotations

import logging
import os
import threading
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session, aliased

from portalcheck.core.config import DEFAULT_TIMEZONE, Config
from portalcheck.core.processes import pid_alive
from portalcheck.service.crawls import Runtime
from portalcheck.service.evidence import take_pictures
from portalcheck.service.locks import HOST, LockSet, holder_of, lock_is_stale, unit_lock, utcnow
from portalcheck.service.notify import notify_recheck_result
from portalcheck.service.review import recheck_outcomes, settle
from portalcheck.service.runs import cause, finish_run, start_run
from storage.models import ACTIVE_STATUSES, Column, Finding, JobLock, RecheckRequest, Unit
from storage.session import Store

log = logging.getLogger("portalcheck.scheduler")


RECHECK_LOCK_WAIT_SECONDS = 1800.0        # `portalcheck recheck` waits this long for a busy unit




@dataclass
class FindingLine:
    id: int
    rule: str
    title: str
    column: str | None
    detail: str
    url: str | None
    status: str
    resolved_at: str | None


def _findings(store: Store, unit: str, *conditions: Any) -> list[FindingLine]:
    try:
        from checks import catalogue

        titles = {meta["rule"]: meta["title"] for meta in catalogue()}
    except ImportError:
        titles = {}
    column = aliased(Column)
    query = (select(Finding, column.name).join(Unit, Unit.id == Finding.unit_id)
             .outerjoin(column, column.id == Finding.column_id)
             .where(Unit.name == unit, *conditions).order_by(Finding.rule, Finding.id))
    with store.session() as session:
        return [FindingLine(f.id, f.rule, titles.get(f.rule, f.rule), column_name, f.detail, f.url, f.status,
                            f.resolved_at.isoformat(timespec="seconds") if f.resolved_at else None)
                for f, column_name in session.execute(query)]


def active_findings(store: Store, unit: str) -> list[FindingLine]:
    return _findings(store, unit, Finding.status.in_(ACTIVE_STATUSES))


class UnitBusy(Exception):
    """The unit is being crawled by another job (its holder is in the message)."""


@dataclass
class RecheckResult:
    unit: str
    started_at: str
    finished_at: str
    crawl: dict[str, Any]
    before: list[FindingLine]
    after: list[FindingLine]
    resolved: list[FindingLine]
    new: list[FindingLine]
    ok: bool
    pictures: dict[str, Any] = field(default_factory=dict)  # evidence pictures taken after the checks
    check_errors: dict[str, str] = field(default_factory=dict)  # rule → error of a check that could not run

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def counts(self) -> dict[str, Any]:
        return {"unit": self.unit, "open_before": len(self.before), "open_after": len(self.after),
                "resolved": len(self.resolved), "new": len(self.new), **self.crawl}


def recheck_unit(runtime: Runtime, unit: str, *, wait_seconds: float = RECHECK_LOCK_WAIT_SECONDS,
                 on_wait: Callable[[str | None], None] | None = None) -> RecheckResult:
    """Crawl one unit's columns fully, re-run its checks, and compare its open findings before and after.

    A finding the crawl looked at again and no longer sees becomes resolved with this run's time
    (checks.runner does that); `resolved` lists exactly those.
    """
    store, config = runtime.store, runtime.config
    config.unit(unit)  # unknown unit: a KeyError in Chinese before anything starts
    started = utcnow()
    before = active_findings(store, unit)
    with LockSet(store, "recheck") as locks:
        if not locks.wait_for(unit_lock(unit), seconds=wait_seconds, stopping=runtime.stopping, on_wait=on_wait):
            raise UnitBusy(f"{unit} 正在被其他任务抓取（{holder_of(store, unit_lock(unit))}）")
        crawl = runtime.crawl(units=[unit], full=True, locks=locks)
    if crawl.status != "finished":
        now = utcnow().isoformat(timespec="seconds")
        return RecheckResult(unit, started.isoformat(timespec="seconds"), now, crawl.summary(), before,
                             before, [], [], ok=False)
    return after_recheck_crawl(config, store, unit, started=started, before=before, crawl=crawl.summary())


def after_recheck_crawl(config: Config, store: Store, unit: str, *, started: datetime, before: list[FindingLine],
                        crawl: dict[str, Any], background: bool = True) -> RecheckResult:
    """Everything a 复查 does once its full crawl of `unit` finished, in-process (`recheck_unit`) or as a
    queue job (portalcheck.service.queue): the unit's checks, the 复核 of its 整改 loop's answered findings,
    the unit (and the office) told how that came out, the evidence pictures; `before`: its active findings
    before the crawl. `background`: send the 复核 message on a thread (a queue job sends it before it ends,
    so a worker stopping right after cannot lose it). A check that errs is recorded in `check_errors`; the
    recheck still reports what the other checks saw."""
    from checks import run_checks

    as_of = datetime.now(ZoneInfo(config.schedule.timezone))
    report = run_checks(store, config, as_of=as_of, units=[unit])
    settle(store, as_of, [unit])  # 复核: the loop's findings of this unit pass or fail
    outcomes = [o for o in recheck_outcomes(store, as_of) if o.unit == unit]
    notify_recheck_result(unit, [o.finding_id for o in outcomes if o.passed],
                          [o.finding_id for o in outcomes if not o.passed], config=config, store=store,
                          background=background)
    after = active_findings(store, unit)
    resolved = _findings(store, unit, Finding.status == "resolved", Finding.resolved_at >= as_of)
    before_ids = {f.id for f in before}
    new = [f for f in after if f.id not in before_ids]
    # Still active after the 复查: a picture of how it looks now; new ones get their first picture.
    pictures = {"recheck": take_pictures(config, store, kind="recheck",
                                         finding_ids=[f.id for f in after if f.id in before_ids]),
                "first": take_pictures(config, store, kind="first", finding_ids=[f.id for f in new])}
    return RecheckResult(unit, started.isoformat(timespec="seconds"), utcnow().isoformat(timespec="seconds"),
                         crawl, before, after, resolved, new, ok=True, pictures=pictures,
                         check_errors={o.rule: o.error for o in report.outcomes if o.error})


def format_recheck(result: RecheckResult, zone: str = DEFAULT_TIMEZONE) -> str:
    """What the inspector reads after `portalcheck recheck`: open problems before and after, and what was fixed."""
    tz = ZoneInfo(zone)

    def local(text: str) -> str:
        return datetime.fromisoformat(text).astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")

    crawl = result.crawl
    lines = [f"复查单位：{result.unit}（{local(result.started_at)} 至 {local(result.finished_at)}）"]
    if not result.ok:
        state = "已中断" if crawl.get("crawl_status") == "interrupted" else "失败"
        lines.append(f"抓取{state}，未重新检查；问题状态保持不变（复查前未整改问题 {len(result.before)} 个）。")
        return "\n".join(lines)
    columns = crawl.get("columns") or {}
    lines.append(f"抓取：完成，页面 {crawl.get('pages', 0)} 个，栏目完整抓取 {columns.get('full', 0)} 个"
                 + (f"，部分抓取 {columns['partial']} 个" if columns.get("partial") else "")
                 + (f"，未能抓取 {columns['not_seen']} 个" if columns.get("not_seen") else "") + "。")
    lines.append(f"复查前未整改问题 {len(result.before)} 个；复查后 {len(result.after)} 个；"
                 f"本次已整改 {len(result.resolved)} 个；新发现 {len(result.new)} 个。")

    def block(title: str, items: list[FindingLine], with_time: bool = False) -> None:
        if not items:
            return
        lines.append("")
        lines.append(f"{title}（{len(items)}）：")
        for f in items:
            where = f"{f.column}：" if f.column else ""
            when = f"（整改时间 {local(f.resolved_at)}）" if with_time and f.resolved_at else ""
            lines.append(f"　[{f.title}] {where}{f.detail}{when}")

    block("已整改", result.resolved, with_time=True)
    block("新发现", result.new)
    block("仍未整改", [f for f in result.after if f.id not in {n.id for n in result.new}])
    return "\n".join(lines)




def queue_recheck(store: Store, config: Config, unit: str) -> int:
    config.unit(unit)
    with store.session() as session:
        request = RecheckRequest(unit_name=unit, requested_at=utcnow(), status="pending")
        session.add(request)
        session.flush()
        return request.id


def unit_busy(session: Session, unit: str) -> bool:
    row = session.get(JobLock, unit_lock(unit))
    return row is not None and not lock_is_stale(row, utcnow())


def claim_next(store: Store, claimer: str) -> tuple[str, list[int]] | None:
    """Claim the oldest pending request of a unit nobody is crawling (with the unit's other pending ones).

    The claim is one UPDATE … WHERE status = 'pending': of two schedulers, exactly one gets the rows.
    """
    with store.session() as session:
        pending = session.scalars(select(RecheckRequest.unit_name).where(RecheckRequest.status == "pending")
                                  .order_by(RecheckRequest.id)).all()
        unit = next((u for u in dict.fromkeys(pending) if not unit_busy(session, u)), None)
        if unit is None:
            return None
        session.execute(update(RecheckRequest)
                        .where(RecheckRequest.unit_name == unit, RecheckRequest.status == "pending")
                        .values(status="running", claimed_by=claimer, started_at=utcnow()))
    with store.session() as session:
        ids = list(session.scalars(select(RecheckRequest.id).where(
            RecheckRequest.unit_name == unit, RecheckRequest.status == "running",
            RecheckRequest.claimed_by == claimer, RecheckRequest.finished_at.is_(None))))
    return (unit, ids) if ids else None


def _settle(store: Store, ids: list[int], **values: Any) -> None:
    with store.session() as session:
        session.execute(update(RecheckRequest).where(RecheckRequest.id.in_(ids)).values(**values))


def release_orphaned_requests(store: Store) -> int:
    """Requests claimed by a process of this host that is gone go back to the queue."""
    released = 0
    with store.session() as session:
        for request in session.scalars(select(RecheckRequest).where(RecheckRequest.status == "running")):
            host, _, rest = (request.claimed_by or "").partition(":")
            pid = rest.partition(":")[0]
            if host == HOST and pid.isdigit() and not pid_alive(int(pid)):
                request.status, request.claimed_by, request.started_at = "pending", None, None
                released += 1
    return released


def process_queue(runtime: Runtime) -> int:
    """Run queued rechecks one unit at a time; a busy unit goes back to the queue for the next poll."""
    if not _QUEUE_BUSY.acquire(blocking=False):
        return 0  # a poll of this process is already working through the queue
    try:
        return _process_queue(runtime)
    finally:
        _QUEUE_BUSY.release()


_QUEUE_BUSY = threading.Lock()


def _process_queue(runtime: Runtime) -> int:
    store = runtime.store
    claimer = f"{HOST}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    done = 0
    while not runtime.stopping.is_set():
        claimed = claim_next(store, claimer)
        if claimed is None:
            return done
        unit, ids = claimed
        log.info("recheck of %s requested (requests %s)", unit, ids)
        run_id = start_run(store, "recheck", unit=unit, request_ids=ids)
        try:
            result = recheck_unit(runtime, unit, wait_seconds=0)
        except UnitBusy as exc:
            _settle(store, ids, status="pending", claimed_by=None, started_at=None)
            finish_run(store, run_id, "skipped", {"reason": str(exc)})
            return done
        except Exception as exc:
            log.exception("recheck of %s failed", unit)
            _settle(store, ids, status="failed", finished_at=utcnow(), error=cause(exc))
            finish_run(store, run_id, "failed", error=cause(exc))
            continue
        if not result.ok and result.crawl.get("crawl_status") == "interrupted":
            _settle(store, ids, status="pending", claimed_by=None, started_at=None)  # resumed after restart
            finish_run(store, run_id, "interrupted", result.counts())
            return done
        _settle(store, ids, status="done" if result.ok else "failed", finished_at=utcnow(),
                result=result.to_json(), error=None if result.ok else "crawl failed")
        finish_run(store, run_id, "ok" if result.ok else "failed", result.counts(),
                   None if result.ok else "crawl failed")
        done += 1
    return done
