"""The long-running service a deployment starts once (`portalcheck schedule`): triggers and wiring.

Jobs: a nightly incremental crawl + checks + exports, a weekly full crawl, availability probes
through the day, and queued re-checks of one unit. What the jobs do lives in portalcheck.service
(locks, job runs, crawl subprocesses, nightly, recheck, probes, exports); this module only decides when.

- APScheduler's job store is a table of the same database (`apscheduler_jobs`, owned by Alembic):
  schedules and missed runs survive restarts; coalescing plus a misfire grace runs a missed night
  once, not once per missed night.
- A failing job is logged and simply runs again at its next trigger while the service keeps going.

Logs are English (operators grep them); what inspectors read (recheck, dry run) is Chinese.
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
import signal
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from portalcheck.core.config import Config
from portalcheck.service.crawls import CHILD_MODULE, CrawlOutcome, Runtime
from portalcheck.service.exports import write_exports
from portalcheck.service.locks import (
    HOST,
    LOCK_TTL,
    LockSet,
    holder_of,
    lock_is_stale,
    orphans_holding,
    take_from_orphans,
    unit_lock,
    utcnow,
)
from portalcheck.service.night_checks import count_active
from portalcheck.service.nightly import NIGHTLY_LOCK, PORTAL_LOCK, nightly
from portalcheck.service.probes import probe
from portalcheck.service.recheck import (
    RECHECK_LOCK_WAIT_SECONDS,
    FindingLine,
    RecheckResult,
    UnitBusy,
    active_findings,
    claim_next,
    format_recheck,
    process_queue,
    queue_recheck,
    recheck_unit,
    release_orphaned_requests,
)
from portalcheck.service.runs import (
    finish_run,
    reap_killed_runs,
    record_skipped,
    recorded,
    setup_logging,
    start_run,
)
from storage.models import JobRun, RecheckRequest
from storage.session import Store, make_engine

# What the commands and tests reach through this module (the service's public face).
__all__ = ["CHILD_MODULE", "HOST", "LOCK_TTL", "NIGHTLY_LOCK", "PORTAL_LOCK", "RECHECK_LOCK_WAIT_SECONDS",
           "CrawlOutcome", "FindingLine", "LockSet", "RecheckResult", "Runtime", "UnitBusy", "active_findings",
           "claim_next", "count_active", "finish_run", "format_dry_run", "format_recheck", "holder_of",
           "lock_is_stale", "nightly", "orphans_holding", "probe", "process_queue", "queue_recheck",
           "recheck_unit", "serve", "start_run", "take_from_orphans", "unit_lock", "utcnow", "write_exports"]

log = logging.getLogger("portalcheck.scheduler")

NIGHTLY_GRACE = int(timedelta(days=2).total_seconds())   # the nightly skips the full-crawl day: ≤ 48 h apart
WEEKLY_GRACE = int(timedelta(days=7).total_seconds())
STOP_GRACE_SECONDS = 120.0                # a crawl asked to stop gets this long to close cleanly
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAYS_ZH = dict(zip(DAYS, "一二三四五六日", strict=True))

JOB_TITLES = {
    "nightly": "每晚增量抓取、检查与导出",
    "weekly_full": "每周全量抓取、检查与导出",
    "probe": "可用性监测",
    "recheck_queue": "处理复查请求",
    "digest": "发送各单位每日通知",
}
OUTCOME_ZH = {"ok": "完成", "failed": "失败", "skipped": "跳过", "interrupted": "已中断", "killed": "进程被终止"}



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
    run_job_with(runtime, kind)


def run_job_with(runtime: Runtime, kind: str) -> None:
    """A trigger's job: with a queue configured, crawls are enqueued for the workers (probes stay here)."""
    if runtime.config.queue is not None and kind not in ("probe", "digest"):
        enqueue(runtime, kind)
    elif kind == "nightly":
        nightly(runtime, job="nightly", full=False)
    elif kind == "weekly_full":
        nightly(runtime, job="weekly_full", full=True)
    elif kind == "probe":
        probe(runtime)
    elif kind == "recheck_queue":
        process_queue(runtime)
    elif kind == "digest":
        run_digest(runtime)
    else:
        log.error("unknown job kind %s", kind)


def run_digest(runtime: Runtime) -> str:
    """The daily digest job: one message per unit (and one to the office), recorded as a job run."""
    from portalcheck.service.notify import send_digest

    with recorded(runtime.store, "digest", "digest failed") as run:
        # Deadlines come from the notices (issue #17's notices part); until they exist, none are passed.
        report = send_digest(runtime.config, runtime.store)
        statuses = [item.status for item in report.sent]
        run.counts = {"messages": len(report.messages), "sent": statuses.count("sent"),
                      "failed": statuses.count("failed"), "skipped": statuses.count("skipped")}
    return "failed" if run.failed else "ok"


def enqueue(runtime: Runtime, kind: str) -> None:
    """With a queue configured the triggers enqueue: workers crawl (`portalcheck worker`), we do not."""
    from portalcheck.service.queue import enqueue_night, enqueue_recheck

    store, config = runtime.store, runtime.config
    if kind in ("nightly", "weekly_full"):
        with recorded(store, kind, f"{kind}: enqueueing failed", mode="queue") as run:
            run.counts = {"queue_night": enqueue_night(config, job=kind, full=kind == "weekly_full")}
    elif kind == "recheck_queue":
        for unit, ids in iter(lambda: claim_next(store, f"{HOST}:{os.getpid()}:queue"), None):
            try:
                job_id = enqueue_recheck(config, unit, requests=ids)
            except Exception:
                log.exception("recheck of %s: enqueueing failed; the requests wait for the next poll", unit)
                with store.session() as session:
                    for request in session.scalars(select(RecheckRequest).where(RecheckRequest.id.in_(ids))):
                        request.status, request.claimed_by, request.started_at = "pending", None, None
                return
            # The requests stay 复查中 until the job ends (it settles them with its result); claimed by the
            # queue, not by this process, so a restart of the service does not put them back.
            with store.session() as session:  # (the job may have ended already: its result stays)
                session.execute(update(RecheckRequest).where(
                    RecheckRequest.id.in_(ids), RecheckRequest.finished_at.is_(None)).values(
                    claimed_by=f"queue:{job_id or 'joined a waiting job'}"))
            log.info("recheck of %s enqueued (job %s)", unit, job_id)
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
        *_digest_spec(config),
    ]


def _digest_spec(config: Config) -> list[JobSpec]:
    """The daily digest, when notifications are configured (a missed one runs within the day: once per day)."""
    from apscheduler.triggers.cron import CronTrigger

    if config.notifications is None:
        return []
    at = config.notifications.digest_time
    return [JobSpec("digest", CronTrigger(hour=at.hour, minute=at.minute, timezone=ZoneInfo(config.schedule.timezone)),
                    "notify", int(timedelta(hours=12).total_seconds()), f"每天 {at.hour:02d}:{at.minute:02d}")]


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
    executors = {"default": ThreadPoolExecutor(2), "probe": ThreadPoolExecutor(2), "queue": ThreadPoolExecutor(2),
                 "notify": ThreadPoolExecutor(1)}
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
    from portalcheck.service.notify import wait_for_background

    if not wait_for_background(timeout=15):  # an alert still being retried: its sent-log row stays "pending"
        log.warning("notifications still being sent at shutdown were left")


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
