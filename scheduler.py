"""The long-running service a deployment starts once (`portalcheck schedule`).

Jobs: a nightly incremental crawl + checks + exports, a weekly full crawl, availability probes
through the day, and queued re-checks of one unit. Why it is built this way:

- Crawls run in subprocesses (`portalcheck crawl`): Twisted's reactor starts once per process, and
  a subprocess can be stopped at a clean point with SIGINT (Scrapy closes, the pipeline flushes).
- APScheduler's job store is a table of the same database (`apscheduler_jobs`, owned by Alembic):
  schedules and missed runs survive restarts; coalescing plus a misfire grace runs a missed night
  once, not once per missed night.
- "Never overlap" must hold across processes and machines, so it is a lock row per unit (and one
  for the nightly job) with an expiry that the holder renews; a crashed holder stops renewing and a
  holder whose processes are gone (same host) is stale at once.
- Every run is a `job_runs` row (start, end, outcome, counts, cause of failure); a failing job is
  logged and simply runs again at its next trigger while the service keeps going.

Logs are English (operators grep them); what inspectors read (recheck, dry run) is Chinese.
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from portalcheck.core.config import DEFAULT_TIMEZONE, ENV_DATABASE_URL, Config
from portalcheck.core.processes import pid_alive
from storage.models import Column, CrawlRun, Finding, JobLock, JobRun, RecheckRequest, Unit
from storage.session import Store, make_engine

log = logging.getLogger("portalcheck.scheduler")

HOST = socket.gethostname()

LOCK_TTL = timedelta(minutes=10)          # a holder that stops renewing loses its locks after this
HEARTBEAT_SECONDS = 30.0                  # how often a holder renews
NIGHTLY_LOCK, PORTAL_LOCK = "nightly", "portal"
NIGHTLY_GRACE = int(timedelta(days=2).total_seconds())   # the nightly skips the full-crawl day: ≤ 48 h apart
WEEKLY_GRACE = int(timedelta(days=7).total_seconds())
STOP_GRACE_SECONDS = 120.0                # a crawl asked to stop gets this long to close cleanly
ORPHAN_GRACE_SECONDS = 30.0               # a killed scheduler's crawl gets this long to stop itself
RECHECK_LOCK_WAIT_SECONDS = 1800.0        # `portalcheck recheck` waits this long for a busy unit
ACTIVE = ("new", "open", "regressed")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAYS_ZH = dict(zip(DAYS, "一二三四五六日", strict=True))

JOB_TITLES = {
    "nightly": "每晚增量抓取、检查与导出",
    "weekly_full": "每周全量抓取、检查与导出",
    "probe": "可用性监测",
    "recheck_queue": "处理复查请求",
}
OUTCOME_ZH = {"ok": "完成", "failed": "失败", "skipped": "跳过", "interrupted": "已中断", "killed": "进程被终止"}


def utcnow() -> datetime:
    return datetime.now(UTC)


def unit_lock(name: str) -> str:
    return f"unit:{name}"


def _insert(session: Session, model: type) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


# --- locks ------------------------------------------------------------------------------------------


def lock_is_stale(row: JobLock, now: datetime) -> bool:
    """Expired, or held on this host by processes that are all gone (a crash needs no waiting)."""
    if row.expires_at <= now:
        return True
    return row.host == HOST and not any(pid_alive(p) for p in (row.pids or []))


class LockSet:
    """The lock rows one job run holds, renewed by a heartbeat thread until released.

    Each LockSet is its own holder (host:pid:token), so two jobs of one process exclude each other
    exactly as two processes do.
    """

    def __init__(self, store: Store, job: str, *, ttl: timedelta = LOCK_TTL,
                 heartbeat: float = HEARTBEAT_SECONDS) -> None:
        self.store = store
        self.job = job
        self.ttl = ttl
        self.holder = f"{HOST}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.pids = [os.getpid()]
        self.held: list[str] = []
        self._heartbeat = heartbeat
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> LockSet:
        self._thread = threading.Thread(target=self._beat, name=f"lock-heartbeat-{self.job}", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.release()

    def acquire(self, name: str) -> bool:
        """Take `name` if it is free or stale; never blocks."""
        now = utcnow()
        values = {"name": name, "holder": self.holder, "host": HOST, "pids": self.pids, "job": self.job,
                  "acquired_at": now, "expires_at": now + self.ttl}
        with self.store.session() as session:
            inserted = session.execute(_insert(session, JobLock).values(values)
                                       .on_conflict_do_nothing(index_elements=["name"])).rowcount
            if inserted != 1:
                row = session.get(JobLock, name)
                if row is None or (row.holder != self.holder and not lock_is_stale(row, now)):
                    return False
                if row.holder != self.holder:
                    log.warning("taking over stale lock %s from %s (job %s)", name, row.holder, row.job)
                # Compare-and-swap: a holder that renewed meanwhile changed expires_at and keeps its lock.
                swapped = session.execute(
                    update(JobLock).where(JobLock.name == name, JobLock.holder == row.holder,
                                          JobLock.expires_at == row.expires_at)
                    .values({k: v for k, v in values.items() if k != "name"})).rowcount
                if swapped != 1:
                    return False
        if name not in self.held:
            self.held.append(name)
        return True

    def acquire_each(self, names: Iterable[str]) -> list[str]:
        return [name for name in names if self.acquire(name)]

    def wait_for(self, name: str, *, seconds: float, stopping: threading.Event | None = None,
                 on_wait: Callable[[str | None], None] | None = None, poll: float = 2.0) -> bool:
        deadline = time.monotonic() + seconds
        told = False
        while not self.acquire(name):
            if time.monotonic() >= deadline or (stopping is not None and stopping.is_set()):
                return False
            if on_wait and not told:
                on_wait(holder_of(self.store, name))
                told = True
            time.sleep(poll)
        return True

    def add_pid(self, pid: int) -> None:
        """A crawl subprocess joins the holder: the lock stays while it lives, even if we die first."""
        self.pids.append(pid)
        self._update(pids=self.pids)

    def renew(self) -> None:
        self._update(expires_at=utcnow() + self.ttl)

    def _update(self, **values: Any) -> None:
        if not self.held:
            return
        with self.store.session() as session:
            session.execute(update(JobLock).where(JobLock.name.in_(self.held), JobLock.holder == self.holder)
                            .values(**values))

    def release(self, names: Sequence[str] | None = None) -> None:
        names = list(self.held if names is None else names)
        if not names:
            return
        with self.store.session() as session:
            session.execute(delete(JobLock).where(JobLock.name.in_(names), JobLock.holder == self.holder))
        self.held = [n for n in self.held if n not in names]

    def _beat(self) -> None:
        while not self._stop.wait(self._heartbeat):
            try:
                self.renew()
            except Exception:  # a database hiccup must not kill the heartbeat; the next beat retries
                log.exception("lock heartbeat failed for %s", self.holder)


def orphans_holding(store: Store, name: str) -> list[int]:
    """The live crawl subprocesses of a dead scheduler on this host that still hold `name`: a killed
    scheduler's children, stopping themselves (portalcheck.crawl_child)."""
    with store.session() as session:
        row = session.get(JobLock, name)
    if row is None or row.host != HOST or not row.pids or pid_alive(row.pids[0]):
        return []
    return [pid for pid in row.pids[1:] if pid_alive(pid)]


def take_from_orphans(locks: LockSet, name: str, stopping: threading.Event) -> bool:
    """Wait a while for a killed scheduler's orphaned crawl to stop by itself, then stop it outright: what
    it read is in the store and the next crawl continues its unfinished columns (crawler/frontier.py)."""
    orphans = orphans_holding(locks.store, name)
    if not orphans:
        return False
    log.warning("lock %s is held by the orphaned crawl %s of a killed scheduler: waiting for it", name, orphans)
    if locks.wait_for(name, seconds=ORPHAN_GRACE_SECONDS, stopping=stopping, poll=0.5):
        return True
    for pid in orphans_holding(locks.store, name):
        log.warning("orphaned crawl %s did not stop in %.0f s: killing it", pid, ORPHAN_GRACE_SECONDS)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return locks.wait_for(name, seconds=10, stopping=stopping, poll=0.5)


def holder_of(store: Store, name: str) -> str | None:
    with store.session() as session:
        row = session.get(JobLock, name)
        return f"{row.job} @ {row.holder}" if row else None


# --- job runs -----------------------------------------------------------------------------------------


def start_run(store: Store, job: str, **counts: Any) -> int:
    with store.session() as session:
        run = JobRun(job=job, started_at=utcnow(), outcome="running", counts=counts, host=HOST, pid=os.getpid())
        session.add(run)
        session.flush()
        return run.id


def finish_run(store: Store, run_id: int, outcome: str, counts: dict[str, Any] | None = None,
               error: str | None = None) -> None:
    with store.session() as session:
        run = session.get(JobRun, run_id)
        run.finished_at = utcnow()
        run.outcome = outcome
        run.counts = {**(run.counts or {}), **(counts or {})}
        run.error = error
    level = logging.WARNING if outcome in ("failed", "interrupted") else logging.INFO
    log.log(level, "job run %s finished: %s%s", run_id, outcome, f" ({error})" if error else "")


def record_skipped(store: Store, job: str, reason: str) -> None:
    log.warning("job %s skipped: %s", job, reason)
    run_id = start_run(store, job)
    finish_run(store, run_id, "skipped", {"reason": reason})


def reap_killed_runs(store: Store) -> list[str]:
    """Runs left 'running' by a process of this host that is gone were killed; say so."""
    killed = []
    with store.session() as session:
        for run in session.scalars(select(JobRun).where(JobRun.outcome == "running", JobRun.host == HOST)):
            if not pid_alive(run.pid):
                run.outcome, run.finished_at = "killed", utcnow()
                run.error = "the scheduler process ended without finishing this run"
                killed.append(run.job)
    return killed


def _cause(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}\n" + "".join(traceback.format_exception(exc)[-3:])


# --- crawl subprocess ----------------------------------------------------------------------------------

# The crawl child: `python -m portalcheck.crawl_child <portalcheck argv>` (stops itself if we die).
CHILD_MODULE = "portalcheck.crawl_child"


@dataclass
class CrawlOutcome:
    status: str  # finished | interrupted | failed
    returncode: int
    run_ids: list[int] = field(default_factory=list)
    counts: dict[str, Any] = field(default_factory=dict)
    output: str = ""

    def summary(self) -> dict[str, Any]:
        keys = ("requests", "pages", "items", "links_checked", "errors", "columns", "duration_s", "gatherers")
        return {"crawl_status": self.status, "crawl_runs": self.run_ids,
                **{k: self.counts[k] for k in keys if k in self.counts}}


class Runtime:
    """What every job needs: config, store, a stop flag and the crawl subprocesses to stop with it."""

    def __init__(self, config: Config, store: Store) -> None:
        self.config = config
        self.store = store
        self.stopping = threading.Event()
        self._children: set[subprocess.Popen[str]] = set()
        self._signalled: set[int] = set()
        self._lock = threading.Lock()

    def children(self) -> list[subprocess.Popen[str]]:
        with self._lock:
            return list(self._children)

    def signal_children(self, sig: int) -> None:
        for child in self.children():
            if child.poll() is None:
                log.info("sending %s to crawl subprocess %s", signal.Signals(sig).name, child.pid)
                self._signalled.add(child.pid)
                with contextlib.suppress(ProcessLookupError):
                    child.send_signal(sig)

    def crawl(self, *, units: Sequence[str] | None, full: bool, locks: LockSet | None = None) -> CrawlOutcome:
        """Run `portalcheck crawl` in a subprocess and read its outcome from the crawl_runs it wrote."""
        config = self.config
        if config.source is None:
            raise ValueError("the scheduler needs a config loaded from a file (its subprocesses read it)")
        argv = ["--config", str(config.source), "crawl"]
        for name in units or []:
            argv += ["--unit", name]
        if full:
            argv.append("--full")
        env = {**os.environ, ENV_DATABASE_URL: config.database_url(), "PYTHONUNBUFFERED": "1"}
        if self.stopping.is_set():
            return CrawlOutcome("interrupted", -1)
        log.info("crawl subprocess starting: %s", " ".join(argv[2:]))
        # Own session: a Ctrl-C on the terminal reaches us only; we forward exactly one SIGINT (a second
        # one makes Scrapy stop uncleanly).
        child = subprocess.Popen([sys.executable, "-m", CHILD_MODULE, *argv], env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True, start_new_session=True,
                                 cwd=str(config.base_dir))
        with self._lock:
            self._children.add(child)
        try:
            if locks is not None:
                locks.add_pid(child.pid)
            if self.stopping.is_set():
                self._signalled.add(child.pid)
                child.send_signal(signal.SIGINT)
            try:
                output, _ = child.communicate()
            except KeyboardInterrupt:
                self._signalled.add(child.pid)
                child.send_signal(signal.SIGINT)
                child.communicate()
                raise
        finally:
            with self._lock:
                self._children.discard(child)
        outcome = self._outcome(child.pid, child.returncode, output or "")
        log.info("crawl subprocess %s ended: %s (exit %s)", child.pid, outcome.status, child.returncode)
        return outcome

    def _outcome(self, pid: int, returncode: int, output: str) -> CrawlOutcome:
        interrupted = pid in self._signalled
        with self.store.session() as session:
            runs = session.scalars(select(CrawlRun).where(CrawlRun.counts["pid"].as_integer() == pid)
                                   .order_by(CrawlRun.id)).all()
            for run in runs:
                # Scrapy sets finish_reason only after the pipelines closed, so a crawl we stopped may call
                # itself finished; it is not: a later run must not take it for a complete one.
                if interrupted and run.status == "finished" and not (run.counts or {}).get("finish_reason"):
                    run.status = "interrupted"
                    run.counts = {**(run.counts or {}), "interrupted_by": "scheduler"}
        # The portal spider decides: a gatherer beside it (accounts, message boards) that fails is
        # recorded in the counts but does not hold back the checks of the websites.
        main = next((r for r in runs if (r.counts or {}).get("spider") == "portal"), None)
        statuses = {main.status} if main else {run.status for run in runs}
        if runs and statuses == {"finished"}:
            status = "finished"
        elif "interrupted" in statuses or (interrupted and returncode != 0):
            status = "interrupted"
        else:
            status = "failed"
        counts = dict(main.counts) if main else dict(runs[0].counts) if runs else {}
        counts["gatherers"] = {(r.counts or {}).get("spider", str(r.id)): r.status for r in runs}
        return CrawlOutcome(status, returncode, [r.id for r in runs], counts, output[-4000:])


# --- exports ---------------------------------------------------------------------------------------------


def write_exports(config: Config, day: date) -> list[str]:
    """The findings list in each configured format: a dated file, and the same as a stable name.

    Each is written to a temporary name and renamed (portalcheck.exports.atomic), so a reader (or a stop
    mid-way) never sees half a file.
    """
    from portalcheck.exports import export_findings
    from portalcheck.exports.atomic import replacing

    folder = config.exports_dir()
    written = []
    for fmt in config.schedule.export_formats:
        dated = folder / f"findings-{day.isoformat()}.{fmt}"
        stable = folder / f"findings.{fmt}"
        export_findings(config, dated, fmt=fmt)
        with replacing(stable) as partial:
            shutil.copyfile(dated, partial)
        written += [str(dated), str(stable)]
    return written


# --- nightly -------------------------------------------------------------------------------------------


def nightly(runtime: Runtime, *, job: str = "nightly", full: bool = False) -> str:
    """Crawl every unit (incremental, or full), run all checks, write the exports; returns the outcome."""
    store, config = runtime.store, runtime.config
    run_id = start_run(store, job, mode="full" if full else "incremental")
    outcome, counts, error = "failed", {}, None
    try:
        with LockSet(store, job) as locks:
            # A night killed with its scheduler is run again at restart: wait for its orphaned crawl to stop
            # rather than skip the night (it would not run again before the next one).
            if not locks.acquire(NIGHTLY_LOCK) and not take_from_orphans(locks, NIGHTLY_LOCK, runtime.stopping):
                outcome = "skipped"
                counts["reason"] = f"previous nightly run still going ({holder_of(store, NIGHTLY_LOCK)})"
                log.warning("%s skipped: %s", job, counts["reason"])
                return outcome
            names = [u.name for u in config.units]
            got = set(locks.acquire_each([PORTAL_LOCK, *map(unit_lock, names)]))
            busy = [n for n in names if unit_lock(n) not in got]
            scope: list[str] | None = None
            if busy or PORTAL_LOCK not in got:
                scope = [n for n in names if unit_lock(n) in got]
                counts["units_skipped_busy"] = busy
                log.warning("%s: units being crawled by another job are left out: %s", job, ", ".join(busy))
                if not scope:
                    outcome, counts["reason"] = "skipped", "every unit is being crawled by another job"
                    return outcome
            crawl = runtime.crawl(units=scope, full=full, locks=locks)
            locks.release([n for n in locks.held if n != NIGHTLY_LOCK])  # checks and exports read only
            counts.update(crawl.summary())
            if crawl.status == "interrupted":
                outcome = "interrupted"
                return outcome
            if crawl.status != "finished":
                error = f"crawl subprocess failed (exit {crawl.returncode}): {crawl.output[-1500:]}"
                return outcome
            counts["network"] = network_round(runtime)
            from checks import run_checks

            report = run_checks(store, config, as_of=datetime.now(ZoneInfo(config.schedule.timezone)))
            counts["checks"] = dict(report.totals())
            counts["check_errors"] = {o.rule: o.error for o in report.outcomes if o.error}
            counts["open_findings"] = count_active(store)
            counts["exports"] = write_exports(config, datetime.now(ZoneInfo(config.schedule.timezone)).date())
            outcome = "ok" if report.ok else "failed"
            if not report.ok:
                error = "some checks failed: " + "; ".join(f"{k}: {v}" for k, v in counts["check_errors"].items())
            return outcome
    except Exception as exc:  # recorded and logged; the next trigger retries, the service keeps running
        log.exception("%s failed", job)
        error = _cause(exc)
        outcome = "failed"
        return outcome
    finally:
        finish_run(store, run_id, outcome, counts, error)


def network_round(runtime: Runtime) -> dict[str, Any]:
    """The night's network round (site.ipv6, site.https); a failed round is recorded, the night goes on."""
    from crawler.netprobe import run_network_round

    try:
        return run_network_round(runtime.config, runtime.store).counts()
    except Exception as exc:  # the checks then judge the rounds already stored
        log.exception("network round failed")
        return {"error": _cause(exc)}


def count_active(store: Store) -> int:
    from sqlalchemy import func

    with store.session() as session:
        return session.scalar(select(func.count(Finding.id)).where(Finding.status.in_(ACTIVE))) or 0


# --- recheck ---------------------------------------------------------------------------------------------


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
    return _findings(store, unit, Finding.status.in_(ACTIVE))


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
        from checks import run_checks

        as_of = datetime.now(ZoneInfo(config.schedule.timezone))
        run_checks(store, config, as_of=as_of, units=[unit])
    after = active_findings(store, unit)
    resolved = _findings(store, unit, Finding.status == "resolved", Finding.resolved_at >= as_of)
    before_ids = {f.id for f in before}
    return RecheckResult(unit, started.isoformat(timespec="seconds"), utcnow().isoformat(timespec="seconds"),
                         crawl.summary(), before, after, resolved, [f for f in after if f.id not in before_ids],
                         ok=True)


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


# --- recheck queue ---------------------------------------------------------------------------------------


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
            _settle(store, ids, status="failed", finished_at=utcnow(), error=_cause(exc))
            finish_run(store, run_id, "failed", error=_cause(exc))
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


# --- probes ----------------------------------------------------------------------------------------------


def probe(runtime: Runtime) -> str:
    from crawler.probe import run_probe_round

    run_id = start_run(runtime.store, "probe")
    try:
        round_ = run_probe_round(runtime.config, runtime.store)
    except Exception as exc:
        log.exception("probe round failed")
        finish_run(runtime.store, run_id, "failed", error=_cause(exc))
        return "failed"
    finish_run(runtime.store, run_id, "ok", round_.counts())
    return "ok"


# --- the service -----------------------------------------------------------------------------------------

_RUNTIME: Runtime | None = None


def run_job(kind: str) -> None:
    """The one function the job store refers to (by name, 'scheduler:run_job'), so stored jobs outlive code edits."""
    runtime = _RUNTIME
    if runtime is None:
        log.error("job %s fired outside a running service; ignored", kind)
        return
    if runtime.stopping.is_set():
        log.info("job %s not started: the service is stopping", kind)
        return
    if kind == "nightly":
        nightly(runtime, job="nightly", full=False)
    elif kind == "weekly_full":
        nightly(runtime, job="weekly_full", full=True)
    elif kind == "probe":
        probe(runtime)
    elif kind == "recheck_queue":
        process_queue(runtime)
    else:
        log.error("unknown job kind %s", kind)


@dataclass
class JobSpec:
    id: str
    trigger: Any
    executor: str
    misfire_grace_time: int | None
    when_zh: str
    max_instances: int = 1  # the queue poll may fire while a recheck runs: it then returns at once

    @property
    def title(self) -> str:
        return JOB_TITLES.get(self.id, self.id)


def probe_timing(config: Config) -> tuple[float, float]:
    """(interval, jitter) in seconds; the jitter never stretches a gap beyond what ≥N probes a day allows."""
    schedule = config.schedule
    interval = schedule.probe_interval_seconds or schedule.probe_interval_minutes * 60.0
    widest = 86400.0 / config.thresholds.probes_per_day
    jitter = max(0.0, min(interval * 0.1, widest - interval))
    return interval, jitter


def job_specs(config: Config) -> list[JobSpec]:
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    schedule = config.schedule
    tz = ZoneInfo(schedule.timezone)
    at = schedule.nightly_at
    full_day = schedule.full_crawl_weekday
    other_days = ",".join(d for d in DAYS if d != full_day)
    interval, jitter = probe_timing(config)
    hhmm = f"{at.hour:02d}:{at.minute:02d}"
    return [
        JobSpec("nightly", CronTrigger(day_of_week=other_days, hour=at.hour, minute=at.minute, second=at.second,
                                       timezone=tz), "default", NIGHTLY_GRACE,
                f"每天 {hhmm}（周{DAYS_ZH[full_day]}除外）"),
        JobSpec("weekly_full", CronTrigger(day_of_week=full_day, hour=at.hour, minute=at.minute,
                                           second=at.second, timezone=tz), "default", WEEKLY_GRACE,
                f"每周{DAYS_ZH[full_day]} {hhmm}"),
        JobSpec("probe", IntervalTrigger(seconds=interval, jitter=jitter or None, timezone=tz), "probe",
                max(1, int(interval)), f"每 {_duration_zh(interval)}（随机延后至多 {_duration_zh(jitter)}）"),
        JobSpec("recheck_queue", IntervalTrigger(seconds=schedule.recheck_poll_seconds, timezone=tz), "queue",
                max(1, int(schedule.recheck_poll_seconds)), f"每 {_duration_zh(schedule.recheck_poll_seconds)}",
                max_instances=2),
    ]


def _duration_zh(seconds: float) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        return f"{int(seconds // 60)} 分钟"
    return f"{seconds:g} 秒"


def trigger_key(trigger: Any) -> str:
    """What identifies a schedule: for an interval, its length and jitter (not its start)."""
    interval = getattr(trigger, "interval", None)
    if interval is not None:
        return f"interval {interval.total_seconds()} jitter {trigger.jitter} tz {trigger.timezone}"
    return repr(trigger)


def build_scheduler(config: Config) -> Any:
    """A BackgroundScheduler whose job store is the `apscheduler_jobs` table of our database."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    Store(config.database_url()).dispose()  # Alembic creates the table first (APScheduler would, differently)
    jobstore = SQLAlchemyJobStore(engine=make_engine(config.database_url()), tablename="apscheduler_jobs")
    # Probes and the recheck queue have their own pools: neither waits behind a nightly crawl.
    executors = {"default": ThreadPoolExecutor(2), "probe": ThreadPoolExecutor(2), "queue": ThreadPoolExecutor(2)}
    return BackgroundScheduler(jobstores={"default": jobstore}, executors=executors,
                               job_defaults={"coalesce": True, "max_instances": 1},
                               timezone=ZoneInfo(config.schedule.timezone))


def install_jobs(scheduler: Any, config: Config) -> None:
    """Add the configured jobs, keeping a stored job whose schedule did not change (so a missed run stays due)."""
    from apscheduler.jobstores.base import ConflictingIdError

    for spec in job_specs(config):
        options = {"executor": spec.executor, "misfire_grace_time": spec.misfire_grace_time,
                   "coalesce": True, "max_instances": spec.max_instances, "name": spec.title}
        existing = scheduler.get_job(spec.id)
        if existing is None:
            first = utcnow() + timedelta(seconds=2) if spec.id == "probe" else None
            with contextlib.suppress(ConflictingIdError):  # another scheduler on this database added it
                scheduler.add_job("scheduler:run_job", spec.trigger, args=[spec.id], id=spec.id,
                                  **options, **({"next_run_time": first} if first else {}))
            continue
        if trigger_key(existing.trigger) != trigger_key(spec.trigger):
            log.info("schedule of %s changed: %s -> %s", spec.id, existing.trigger, spec.trigger)
            scheduler.reschedule_job(spec.id, trigger=spec.trigger)
        scheduler.modify_job(spec.id, func="scheduler:run_job", args=[spec.id], **options)
        job = scheduler.get_job(spec.id)
        if spec.id in ("nightly", "weekly_full") and job and job.next_run_time and job.next_run_time < utcnow():
            log.warning("%s missed its run at %s; it runs once now", spec.id, job.next_run_time)


def schedule_resumes(scheduler: Any, store: Store, killed: Sequence[str]) -> list[str]:
    """A nightly crawl stopped by SIGTERM (or killed) is run again at start; the crawl itself resumes."""
    from apscheduler.triggers.date import DateTrigger

    resumed = []
    with store.session() as session:
        for job in ("nightly", "weekly_full"):
            last = session.scalar(select(JobRun).where(JobRun.job == job, JobRun.outcome != "skipped")
                                  .order_by(JobRun.id.desc()).limit(1))
            if last is not None and last.outcome in ("interrupted", "killed"):
                resumed.append(job)
    for job in resumed:
        log.warning("%s was %s last time; running it again now", job, "killed" if job in killed else "interrupted")
        scheduler.add_job("scheduler:run_job", DateTrigger(run_date=utcnow() + timedelta(seconds=1)), args=[job],
                          id=f"resume_{job}", name=f"{JOB_TITLES[job]}（续）", replace_existing=True,
                          misfire_grace_time=None, coalesce=True, max_instances=1)
    return resumed


def setup_logging(config: Config) -> None:
    folder = config.base_dir / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    for handler in (logging.StreamHandler(sys.stderr),
                    logging.handlers.RotatingFileHandler(folder / "scheduler.log", maxBytes=10_000_000,
                                                         backupCount=5, encoding="utf-8")):
        handler.setFormatter(formatter)
        root.addHandler(handler)


def _on_max_instances(store: Store) -> Callable[[Any], None]:
    def listener(event: Any) -> None:
        if event.job_id in ("nightly", "weekly_full"):
            record_skipped(store, event.job_id, "the previous run of this job is still going")
        else:
            log.warning("job %s skipped: its previous run is still going", event.job_id)

    return listener


def serve(config: Config, *, stop_grace: float = STOP_GRACE_SECONDS) -> int:
    """Run the service until SIGTERM/SIGINT; then stop crawls at a clean point and exit 0."""
    global _RUNTIME
    from apscheduler.events import EVENT_JOB_MAX_INSTANCES

    setup_logging(config)
    store = Store(config.database_url())
    runtime = Runtime(config, store)
    _RUNTIME = runtime
    killed = reap_killed_runs(store)
    if killed:
        log.warning("runs of a previous scheduler process were cut short: %s", ", ".join(killed))
    released = release_orphaned_requests(store)
    if released:
        log.warning("%s recheck requests of a previous scheduler process are queued again", released)
    scheduler = build_scheduler(config)
    scheduler.add_listener(_on_max_instances(store), EVENT_JOB_MAX_INSTANCES)
    scheduler.start(paused=True)
    install_jobs(scheduler, config)
    schedule_resumes(scheduler, store, killed)

    stop = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        log.info("received %s: stopping", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    scheduler.resume()
    for job in scheduler.get_jobs():
        log.info("job %s next run at %s", job.id, job.next_run_time)
    log.info("scheduler running (pid %s, database %s)", os.getpid(), store.engine.url.render_as_string())
    try:
        while not stop.wait(1.0):
            pass
    finally:
        shutdown(runtime, scheduler, grace=stop_grace)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _RUNTIME = None
        store.dispose()
    log.info("scheduler stopped")
    return 0


def _quiet_submissions_at_shutdown(record: logging.LogRecord) -> bool:
    """APScheduler's loop looks at due jobs once more after its executors closed; the job stays due and runs
    after the next start, which is what we want, so its "Error submitting job" is not an error here."""
    return not str(record.msg).startswith("Error submitting job")


def shutdown(runtime: Runtime, scheduler: Any, *, grace: float) -> None:
    """No new job starts; running crawls get SIGINT (Scrapy closes, the pipeline flushes); then wait."""
    runtime.stopping.set()
    scheduler.pause()
    logging.getLogger("apscheduler.scheduler").addFilter(_quiet_submissions_at_shutdown)
    runtime.signal_children(signal.SIGINT)
    waiter = threading.Thread(target=scheduler.shutdown, kwargs={"wait": True}, name="scheduler-shutdown")
    waiter.start()
    waiter.join(grace)
    if waiter.is_alive():
        log.warning("crawls did not stop within %ss: forcing them", grace)
        runtime.signal_children(signal.SIGTERM)  # Scrapy's second signal: stop now
        waiter.join(15)
    if waiter.is_alive():
        runtime.signal_children(signal.SIGKILL)
        waiter.join()


# --- dry run --------------------------------------------------------------------------------------------


def stored_next_runs(config: Config) -> dict[str, datetime | None]:
    """Next run times as the job store has them (a missed run shows as a time in the past)."""
    from storage.models import SchedulerJob

    store = Store(config.database_url())
    try:
        with store.session() as session:
            return {job_id: datetime.fromtimestamp(ts, UTC) if ts is not None else None
                    for job_id, ts in session.execute(select(SchedulerJob.id, SchedulerJob.next_run_time))}
    finally:
        store.dispose()


def format_dry_run(config: Config, now: datetime | None = None) -> str:
    """Every job with its schedule and next run; a run the store has as missed is said to run at start."""
    tz = ZoneInfo(config.schedule.timezone)
    now = now or datetime.now(tz)
    stored = stored_next_runs(config)

    def shown(moment: datetime) -> str:
        return f"{moment.astimezone(tz):%Y-%m-%d %H:%M:%S}"

    lines = [f"定时任务（时区 {config.schedule.timezone}，当前 {shown(now)}）：", ""]
    for spec in job_specs(config):
        saved = stored.get(spec.id)
        coming = spec.trigger.get_next_fire_time(None, now)
        if spec.id in stored and saved is None:
            text = "已暂停"
        elif spec.id in ("probe", "recheck_queue"):
            text = f"下次运行 {shown(saved)}" if saved and saved > now else "下次运行：启动后立即"
        elif saved is not None and saved < now:
            text = f"错过了 {saved.astimezone(tz):%Y-%m-%d %H:%M} 的运行，启动后补跑一次；之后 {shown(coming)}"
        else:
            text = f"下次运行 {shown(coming)}"
        lines.append(f"{spec.title}（{spec.id}）：{spec.when_zh}；{text}")
    for job_id in stored:
        if job_id.startswith("resume_"):
            lines.append(f"{JOB_TITLES.get(job_id[7:], job_id)}（上次被中断，{job_id}）：启动后立即重新运行")
    with_store = Store(config.database_url())
    try:
        with with_store.session() as session:
            pending = session.scalars(select(RecheckRequest.unit_name)
                                      .where(RecheckRequest.status == "pending")).all()
    finally:
        with_store.dispose()
    if pending:
        lines.append(f"待处理的复查请求 {len(pending)} 个：{'、'.join(dict.fromkeys(pending))}")
    return "\n".join(lines)
