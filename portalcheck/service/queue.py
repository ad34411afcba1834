"""Units as jobs on procrastinate, a task queue on PostgreSQL (issue #15): many workers, one database.

- The nightly run records one `queue_jobs` row per host (the units of one host, after 集约化 often many, go
  together; a host is the URL's hostname, crawler.urls.host_of, as Scrapy names its download slots) and
  defers one job per batch of hosts: a batch takes hosts while their estimated pages (their units' pages
  stored by finished crawls, `queue.unknown_unit_pages` for a unit never crawled) fit in
  `queue.batch_pages`, and at most `queue.batch_hosts` of them (a crawl process's memory grows with its
  pages, BENCHMARKS.md). The job crawls all their units in ONE crawl subprocess (`python -m portalcheck.crawl_child --run-token T`), where each host is its own
  Scrapy download slot with the configured concurrency and delay, then checks them. One Scrapy process
  per batch, not per unit: its fixed cost (start-up, ~150 MB) is shared by many hosts. T is the job's id,
  the same on every try: a job retried after its worker died resumes the crawl run of its token
  (crawler/pipelines.py), and its outcome is found by the token.
- Politeness across workers: a job holds a lease on each of its hosts (a `host:` row in job_locks, taken in
  host order, so two jobs never wait on each other in a cycle) and on each unit, for the whole crawl: two
  workers never crawl one host or one unit at once. A one-host job (a recheck, or group_by_host: false)
  also takes the host as its procrastinate `lock`; a recheck has a higher priority, so it goes ahead of the
  night's waiting jobs, and a queueing lock folds repeated recheck requests of one unit into one job.
- A recheck job does what the in-process `portalcheck recheck` does once its crawl finished (one function,
  recheck.after_recheck_crawl: checks, 复核, the unit told, pictures) and settles the recheck requests it
  carries when it ends; the night's last job ends the night as `nightly` does (nightly.site_wide, then
  nightly.alert_night_end).
- A host that refuses (the crawl's HostHealthMiddleware paused it: WAF 403/429, resets) is recorded in
  `host_pauses` for `queue.host_pause_seconds`; every worker's job leaves a paused host out and defers its
  units to a job of their own scheduled at the end of the pause. A host still refusing after
  `queue.retries` pauses ends failed (未检查, with the reason).
- The barrier: a unit job that ends (done, or failed on its last try) settles its `queue_jobs` row while it
  holds the night's `queue_nights` row locked (SELECT … FOR UPDATE); the one that settles the last row
  defers the site-wide job (all checks, the exports). No job and no scheduler polls for the end.
- Crash safety: workers beat a heartbeat (procrastinate's worker table); each worker looks for jobs of
  workers silent for `queue.stalled_seconds` and puts them back, and another worker retries them. A worker
  waits out a PostgreSQL outage and keeps beating after it (queue_connector.PatientConnector); after an
  outage nobody is judged silent before every worker could beat again.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import procrastinate
from procrastinate import exceptions as queue_errors
from sqlalchemy import func, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from crawler.urls import host_of
from portalcheck.core.config import Config, QueueConfig, load_config
from portalcheck.core.processes import pid_alive
from portalcheck.service.crawls import CrawlOutcome, Runtime
from portalcheck.service.locks import HOST, LockSet, unit_lock, utcnow
from portalcheck.service.nightly import alert_night_end, checks_failed, site_wide
from portalcheck.service.queue_connector import PatientConnector
from portalcheck.service.recheck import active_findings, after_recheck_crawl
from portalcheck.service.review import settle
from portalcheck.service.runs import cause, finish_run, setup_logging, start_run
from storage.models import CrawlRun, HostPause, Page, QueueJob, QueueNight, RecheckRequest, Unit
from storage.session import Store

log = logging.getLogger("portalcheck.queue")

CRAWL_QUEUE, SITE_QUEUE = "crawl", "site"   # `portalcheck worker --queues crawl,site`
NIGHT_PRIORITY = 0
UNIT_LOCK_WAIT_SECONDS = 600.0   # an in-process recheck (`portalcheck recheck`) may hold a unit meanwhile
ORPHAN_WAIT_SECONDS = 90.0       # a dead worker's crawl child stops itself (core.parent_watch)
STALLED_CHECK_SECONDS = 5.0

bp = procrastinate.Blueprint()


class QueueNotConfigured(Exception):
    """No `queue:` section, or its database is not PostgreSQL."""


def conninfo(url: str) -> str:
    """procrastinate speaks libpq: postgresql+psycopg://… becomes postgresql://…"""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise QueueNotConfigured(f"任务队列需要 PostgreSQL 数据库 (the queue needs PostgreSQL), got {parsed.drivername}")
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def make_app(config: Config) -> procrastinate.App:
    url = config.queue_url()
    if url is None:
        raise QueueNotConfigured("config.yaml 中没有 queue: 部分 (no queue: section in the config)")
    app = procrastinate.App(connector=PatientConnector(conninfo=conninfo(url)))
    app.add_tasks_from(bp, namespace="portalcheck")
    return app


SCHEMA_LOCK = 0x70637175  # pg advisory lock: two workers starting together apply the schema once


def ensure_schema(config: Config) -> None:
    """Apply procrastinate's schema to the queue's database once (it has its own tables, procrastinate_*)."""
    import psycopg

    with psycopg.connect(conninfo(config.queue_url() or ""), autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK,))
        try:
            if conn.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()[0] is None:
                from procrastinate.schema import SchemaManager

                conn.execute(SchemaManager.get_schema().encode())
                log.info("procrastinate schema applied")
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK,))


def _need_file(config: Config) -> None:
    if config.source is None:
        raise QueueNotConfigured("任务队列需要从文件读取的配置 (workers read the config file named in each job)")


def groups_by_host(config: Config, names: Sequence[str] | None = None) -> dict[str, list[str]]:
    """Units that share a host are one job: one host's politeness is one crawl's concern."""
    by_host = config.queue is None or config.queue.group_by_host
    groups: dict[str, list[str]] = defaultdict(list)
    for unit in config.units:
        if names is None or unit.name in names:
            groups[host_of(unit.site) if by_host else f"{host_of(unit.site)}|{unit.name}"].append(unit.name)
    return dict(groups)


def estimated_pages(config: Config, store: Store, groups: Mapping[str, Sequence[str]]) -> dict[str, int]:
    """Each host group's pages as the store knows them: its units' pages stored by finished crawls (one
    grouped query for all units), `queue.unknown_unit_pages` for a unit with none (never crawled). A page
    stays in the store when later incremental nights skip it, so this is the site's known size: what a full
    crawl reads, the most an incremental one can."""
    unknown = config.queue.unknown_unit_pages if config.queue else QueueConfig().unknown_unit_pages
    with store.session() as session:
        known = dict(session.execute(
            select(Unit.name, func.count(Page.id)).join(Page, Page.unit_id == Unit.id)
            .join(CrawlRun, CrawlRun.id == Page.run_id).where(CrawlRun.status == "finished")
            .group_by(Unit.name)).all())
    return {key: sum(known.get(unit) or unknown for unit in units) for key, units in groups.items()}


def batches(config: Config, keys: Sequence[str], pages: Mapping[str, int] | None = None) -> list[list[str]]:
    """Host groups in batches for one Scrapy process each (each host its own download slot, so the fixed
    cost of a process is shared by many hosts), filled by pages: a crawl process's memory grows with the
    pages it reads, so a batch takes hosts while their estimated `pages` (default: each an unknown unit's)
    fit in `queue.batch_pages`, and at most `queue.batch_hosts` hosts. Largest hosts first, each into the
    first batch it fits (first-fit decreasing: few batches, the longest crawls start first); a host larger
    than batch_pages is a batch of its own. With `group_by_host: false` each unit stays a job of its own."""
    queue = config.queue or QueueConfig()
    if not queue.group_by_host:
        return [[key] for key in sorted(keys)]
    size = {key: (pages or {}).get(key, queue.unknown_unit_pages) for key in keys}
    smallest = min(size.values(), default=0)
    filling: list[tuple[list[str], list[int]]] = []  # (hosts, [pages]) of batches that can still take one
    done: list[list[str]] = []
    for key in sorted(keys, key=lambda k: (-size[k], k)):
        batch = next((b for b in filling if b[1][0] + size[key] <= queue.batch_pages), None)
        if batch is None:
            batch = ([], [0])
            filling.append(batch)
            done.append(batch[0])
        batch[0].append(key)
        batch[1][0] += size[key]
        if len(batch[0]) >= queue.batch_hosts or batch[1][0] + smallest > queue.batch_pages:
            filling.remove(batch)  # full: no later (smaller or equal) host fits
    return done


def _host_lock(hosts: Sequence[str]) -> str | None:
    """A one-host job also takes the host as its procrastinate lock (a recheck of that host queues behind
    it in the engine); a batch's hosts are leased row by row (`host:` lock rows) when it starts."""
    return f"host:{hosts[0]}" if len(set(hosts)) == 1 else None


# --- enqueueing ------------------------------------------------------------------------------------------


def enqueue_night(config: Config, *, job: str = "nightly", full: bool = False) -> int:
    """Record the night (a queue_jobs row per host) and defer one crawl job per batch of hosts; returns the
    night's id."""
    _need_file(config)
    ensure_schema(config)
    store = Store(config.database_url())
    app = make_app(config)
    try:
        groups = groups_by_host(config)
        pages = estimated_pages(config, store, groups)
        with store.session() as session:
            night = QueueNight(job=job, full=full, created_at=utcnow(), total=len(groups), counts={})
            session.add(night)
            session.flush()
            night_id = night.id
            rows = [QueueJob(night_id=night_id, kind="unit", host=key.partition("|")[0], units=units,
                             status="queued", counts={"estimated_pages": pages[key]})
                    for key, units in groups.items()]
            session.add_all(rows)
            session.flush()
            by_key = {key: (row.id, row.host) for key, row in zip(groups, rows, strict=True)}
        planned = batches(config, list(by_key), pages)
        with app.open():
            for batch in planned:
                ids, hosts = [by_key[k][0] for k in batch], [by_key[k][1] for k in batch]
                job_id = app.configure_task("portalcheck:crawl_units", queue=CRAWL_QUEUE, lock=_host_lock(hosts),
                                            priority=NIGHT_PRIORITY).defer(config_path=str(config.source),
                                                                           queue_jobs=ids)
                with store.session() as session:
                    session.execute(update(QueueJob).where(QueueJob.id.in_(ids)).values(job_id=job_id))
        log.info("%s %s enqueued: %s hosts (≈%s pages) in %s jobs", job, night_id, len(by_key),
                 sum(pages.values()), len(planned))
        return night_id
    finally:
        store.dispose()


def enqueue_recheck(config: Config, unit: str, *, requests: Sequence[int] = ()) -> int | None:
    """A recheck job of one unit, ahead of the night's waiting jobs; None if one is already waiting (the
    `requests` (recheck_requests ids) then join it). The job settles its requests when it ends."""
    config.unit(unit)
    _need_file(config)
    ensure_schema(config)
    host = host_of(config.unit(unit).site)
    store = Store(config.database_url())
    app = make_app(config)
    try:
        with store.session() as session:
            row = QueueJob(kind="recheck", host=host, units=[unit], status="queued",
                           counts={"recheck_requests": list(requests)})
            session.add(row)
            session.flush()
            row_id = row.id
        with app.open():
            try:
                job_id = app.configure_task(
                    "portalcheck:crawl_units", queue=CRAWL_QUEUE, lock=f"host:{host}",
                    queueing_lock=f"recheck:{unit}", priority=config.queue.recheck_priority,
                ).defer(config_path=str(config.source), queue_jobs=[row_id])
            except queue_errors.AlreadyEnqueued:
                with store.session() as session:
                    session.delete(session.get(QueueJob, row_id))
                    waiting = session.scalar(select(QueueJob).where(
                        QueueJob.kind == "recheck", QueueJob.status == "queued",
                        QueueJob.units[0].as_string() == unit).order_by(QueueJob.id.desc()).limit(1).with_for_update())
                    if waiting is not None and requests:
                        counts = waiting.counts or {}
                        waiting.counts = {**counts, "recheck_requests": [*(counts.get("recheck_requests") or []), *requests]}
                return None
        with store.session() as session:
            session.execute(update(QueueJob).where(QueueJob.id == row_id).values(job_id=job_id))
        return job_id
    finally:
        store.dispose()


def _settle_requests(session: Session, row_id: int, **values: Any) -> None:
    """The recheck requests a recheck job carries end with it (the workspace shows them 复查中 until then)."""
    ids = ((session.get(QueueJob, row_id).counts or {}).get("recheck_requests")) or []
    if ids:
        session.execute(update(RecheckRequest).where(RecheckRequest.id.in_(ids)).values(
            finished_at=utcnow(), **values))


# --- the jobs --------------------------------------------------------------------------------------------

_CONFIGS: dict[str, Config] = {}
_CONFIGS_LOCK = threading.Lock()


def _config(path: str) -> Config:
    with _CONFIGS_LOCK:
        if path not in _CONFIGS:
            _CONFIGS[path] = load_config(path)
        return _CONFIGS[path]


class CrawlNotFinished(Exception):
    """The crawl subprocess ended without finishing: the job fails this try and is retried."""


class FinalFailure(Exception):
    """A unit job failed on its last try (`queue.retries`): it ends as failed, with its error."""


class UnitRetry(procrastinate.BaseRetryStrategy):
    """Retry a failed try soon, unless it was the last (the number of tries comes from the config)."""

    def get_retry_decision(self, *, exception: BaseException, job: Any) -> procrastinate.RetryDecision | None:
        if isinstance(exception, FinalFailure):
            return None
        return procrastinate.RetryDecision(retry_in={"seconds": 2})


def _wait_for_orphans(store: Store, token: str) -> None:
    """A dead worker's crawl child of this token stops itself at a clean point: let it, before resuming
    its run (two crawls of one unit at once would each be half of a crawl)."""
    deadline = time.monotonic() + ORPHAN_WAIT_SECONDS
    while time.monotonic() < deadline:
        with store.session() as session:
            pids = [(run.counts or {}).get("pid") for run in session.scalars(
                select(CrawlRun).where(CrawlRun.counts["token"].as_string() == token,
                                       CrawlRun.status == "running"))]
        alive = [pid for pid in pids if pid and pid_alive(pid)]
        if not alive:
            return
        log.info("waiting for the earlier try's crawl %s of %s to stop", alive, token)
        time.sleep(1.0)


@bp.task(name="crawl_units", pass_context=True, retry=UnitRetry())
def crawl_units(context: procrastinate.JobContext, config_path: str, queue_jobs: list[int] | None = None,
                queue_job: int | None = None) -> None:
    """Crawl a batch of hosts' units (or one unit, for a recheck) in one crawl subprocess, then check them.

    A host paused for refusing (host_pauses) is left out: its row is deferred to the end of the pause."""
    config = _config(config_path)
    store = Store(config.database_url())
    job = context.job
    last_try = job.attempts >= (config.queue.retries if config.queue else 0)
    token = f"queue-job-{job.id}"
    ids = list(queue_jobs or ([queue_job] if queue_job is not None else []))
    try:
        with store.session() as session:
            rows = [session.get(QueueJob, i) for i in ids]
            rows = [r for r in rows if r is not None and r.status not in ("done", "failed")]
            for row in rows:
                row.status, row.attempts, row.started_at = "running", job.attempts + 1, utcnow()
                row.counts = {**(row.counts or {}), "worker_host": HOST, "worker_pid": os.getpid()}
            plan = [(r.id, r.host, list(r.units), r.night_id, r.kind) for r in rows]
            nights = {night_id for _, _, _, night_id, _ in plan if night_id}
            full = any(kind == "recheck" for *_, kind in plan) or any(
                session.get(QueueNight, n).full for n in nights)
        paused = active_pauses(store, [host for _, host, *_ in plan])
        for row_id, host, _, night_id, _ in plan:
            if host in paused:
                _defer_after_pause(config, store, row_id, night_id, host, *paused[host])
        plan = [p for p in plan if p[1] not in paused]
        if not plan:
            return
        units = [u for _, _, names, _, _ in plan for u in names]
        log.info("job %s (try %s): crawling %s units on %s hosts", job.id, job.attempts + 1, len(units),
                 len({host for _, host, *_ in plan}))
        recheck = plan[0][4] == "recheck" and len(units) == 1  # enqueue_recheck: one row, one unit
        started, before = utcnow(), active_findings(store, units[0]) if recheck else []
        result = None
        try:
            crawl = _crawl(config, store, units, hosts=[host for _, host, *_ in plan], full=full, token=token)
            refused = {host_of(h) for h in crawl.counts.get("paused_hosts") or []}
            checked = [u for _, host, names, _, _ in plan if host not in refused for u in names]
            if recheck and checked:  # what `portalcheck recheck` does after its crawl, the same function
                result = after_recheck_crawl(config, store, units[0], started=started, before=before,
                                             crawl=crawl.summary(), background=False)
                counts = {**result.counts(), "hosts_in_job": 1, "check_errors": result.check_errors}
            else:
                counts = {**crawl.summary(), "hosts_in_job": len(plan), **_check(config, store, checked)}
        except Exception as exc:
            log.warning("job %s (try %s) failed: %s", job.id, job.attempts + 1, exc)
            for row_id, _, _, night_id, _ in plan:
                _settle(config, store, row_id, night_id, ok=False, error=cause(exc), final=last_try)
            if last_try:
                raise FinalFailure(str(exc)) from exc
            raise
        per_unit = _pages_per_unit(store, crawl.run_ids) if len(plan) > 1 else {}
        for row_id, host, names, night_id, _ in plan:
            if per_unit:  # a batch: each host's row shows its own units' pages
                counts = {**counts, "pages": sum(per_unit.get(u, 0) for u in names)}
            if host in refused:
                until = record_pause(config, store, host, "站点拒绝访问（HTTP 403/429 或连接被重置）")
                _defer_after_pause(config, store, row_id, night_id, host, until, "站点拒绝访问")
            else:
                _settle(config, store, row_id, night_id, ok=True, counts=counts, final=True)
                if result is not None:
                    with store.session() as session:
                        _settle_requests(session, row_id, status="done", error=None,
                                         result={**result.to_json(), "queue_job": job.id})
    finally:
        store.dispose()


def _crawl(config: Config, store: Store, units: list[str], *, hosts: list[str], full: bool,
           token: str) -> CrawlOutcome:
    """One crawl subprocess for all `units`, holding a lease on each host (`host:` lock row, taken in host
    order so two batches never wait on each other) and each unit: politeness across workers."""
    _wait_for_orphans(store, token)
    runtime = Runtime(config, store)
    with LockSet(store, "queue") as locks:
        for name in [f"host:{h}" for h in sorted(set(hosts))] + [unit_lock(u) for u in units]:
            if not locks.wait_for(name, seconds=UNIT_LOCK_WAIT_SECONDS):
                raise CrawlNotFinished(f"{name} stayed busy for {UNIT_LOCK_WAIT_SECONDS:.0f} s")
        crawl = runtime.crawl(units=units, full=full, locks=locks, token=token)
    if crawl.status != "finished":
        raise CrawlNotFinished(f"crawl {crawl.status} (exit {crawl.returncode}): {crawl.output[-1500:]}")
    return crawl


def _pages_per_unit(store: Store, run_ids: list[int]) -> dict[str, int]:
    with store.session() as session:
        return dict(session.execute(select(Unit.name, func.count(Page.id)).join(Unit, Unit.id == Page.unit_id)
                                    .where(Page.run_id.in_(run_ids)).group_by(Unit.name)).all())


def _check(config: Config, store: Store, units: list[str]) -> dict[str, Any]:
    """A night job's checks of its units: their findings only. The figures the exports read (verdicts,
    附件2–4, over every unit) are stored once, by the night's site-wide run (finish_night), not by each job."""
    if not units:
        return {}
    from checks import run_checks

    as_of = datetime.now(config.zone)
    report = run_checks(store, config, as_of=as_of, units=units, figures=False)
    counts = {"checks": dict(report.totals()), "rectification": settle(store, as_of, units)}
    if not report.ok:
        raise RuntimeError("some checks failed: " + "; ".join(f"{o.rule}: {o.error}" for o in report.outcomes
                                                            if o.error))
    return counts


# --- hosts that refuse: paused for every worker ----------------------------------------------------------


def active_pauses(store: Store, hosts: Sequence[str]) -> dict[str, tuple[datetime, str]]:
    """The hosts among `hosts` that are paused now: host → (until, reason)."""
    if not hosts:
        return {}
    with store.session() as session:
        rows = session.scalars(select(HostPause).where(HostPause.host.in_(set(hosts)),
                                                       HostPause.until > utcnow())).all()
        return {row.host: (row.until, row.reason) for row in rows}


def record_pause(config: Config, store: Store, host: str, reason: str) -> datetime:
    """Pause `host` for every worker for `queue.host_pause_seconds` (an existing pause is extended)."""
    seconds = config.queue.host_pause_seconds if config.queue else 1800.0
    until = utcnow() + timedelta(seconds=seconds)
    with store.session() as session:
        row = session.get(HostPause, host)
        if row is None:
            session.add(HostPause(host=host, until=until, reason=reason, created_at=utcnow()))
        else:
            row.until, row.reason = max(row.until, until), reason
            until = row.until
    log.warning("host %s paused for every worker until %s: %s", host, until.isoformat(timespec="seconds"), reason)
    return until


def _defer_after_pause(config: Config, store: Store, row_id: int, night_id: int | None, host: str,
                       until: datetime, reason: str) -> None:
    """The row's units wait for the end of the host's pause in a job of their own; a host still refusing
    after `queue.retries` pauses ends failed (未检查, with the reason)."""
    with store.session() as session:
        row = session.get(QueueJob, row_id)
        pauses = int((row.counts or {}).get("pauses", 0)) + 1
        row.counts = {**(row.counts or {}), "pauses": pauses, "paused_until": until.isoformat()}
    limit = (config.queue.retries if config.queue else 0) + 1
    if pauses > limit:
        _settle(config, store, row_id, night_id, ok=False, final=True,
                error=f"{reason}：暂停 {pauses - 1} 次后仍拒绝访问，未检查 (host {host} kept refusing)")
        return
    app = make_app(config)
    with app.open():
        job_id = app.configure_task("portalcheck:crawl_units", queue=CRAWL_QUEUE, lock=f"host:{host}",
                                    priority=NIGHT_PRIORITY, schedule_at=until,
                                    ).defer(config_path=str(config.source), queue_jobs=[row_id])
    with store.session() as session:
        row = session.get(QueueJob, row_id)
        row.status, row.job_id, row.error = "queued", job_id, f"{reason}，暂停至 {until.isoformat(timespec='seconds')}"
    log.info("units of paused host %s wait until %s (job %s)", host, until.isoformat(timespec="seconds"), job_id)


def _settle(config: Config, store: Store, queue_job: int, night_id: int | None, *, ok: bool,
            counts: dict[str, Any] | None = None, error: str | None = None, final: bool) -> None:
    """Record the job's end; the last unit job of a night defers the site-wide job (the barrier)."""
    status = "done" if ok else "failed" if final else "queued"
    defer_finish = False
    with store.session() as session:
        if night_id is not None:  # serialises the night's settling: exactly one job sees the last row settle
            session.scalar(select(QueueNight).where(QueueNight.id == night_id).with_for_update())
        row = session.get(QueueJob, queue_job)
        row.status, row.error = status, error
        if counts is not None:
            row.counts = {**(row.counts or {}), **counts}
        if status in ("done", "failed"):
            row.finished_at = utcnow()
        if status == "failed" and row.kind == "recheck":  # its requests end with it (a done one: its result)
            session.flush()
            _settle_requests(session, queue_job, status="failed", error=error)
        if night_id is not None and status in ("done", "failed"):
            session.flush()
            open_jobs = session.scalar(select(QueueJob.id).where(
                QueueJob.night_id == night_id, QueueJob.status.not_in(("done", "failed"))).limit(1))
            night = session.get(QueueNight, night_id)
            if open_jobs is None and night.finish_job_id is None:
                app = make_app(config)
                with app.open():
                    # Deferred inside the lock: the night row stays locked until finish_job_id is stored.
                    try:
                        night.finish_job_id = app.configure_task(
                            "portalcheck:finish_night", queue=SITE_QUEUE, queueing_lock=f"night:{night_id}",
                        ).defer(config_path=str(config.source), night_id=night_id)
                    except queue_errors.AlreadyEnqueued:  # an earlier try deferred it, then lost its commit
                        night.finish_job_id = -1
                defer_finish = True
    if defer_finish:
        log.info("night %s: last unit job settled; site-wide checks and exports deferred", night_id)


FINISH_RETRIES = 3


@bp.task(name="finish_night", pass_context=True,
         retry=procrastinate.RetryStrategy(max_attempts=FINISH_RETRIES, wait=5))
def finish_night(context: procrastinate.JobContext, config_path: str, night_id: int) -> None:
    """After the night's last unit job: what `nightly` does once its crawl finished (nightly.site_wide: the
    network round, every check, 复核, pictures, exports), and the same end-of-night alert to the office
    (nightly.alert_night_end), which also names the units whose jobs failed (未检查)."""
    config = _config(config_path)
    with _sole_finish(config, night_id) as sole:
        if sole:
            _finish_night(context, config, night_id)


FINISH_LOCK = 0x7063666E  # pg advisory lock (with the night's id): one execution of a night's site-wide job


@contextmanager
def _sole_finish(config: Config, night_id: int) -> Iterator[bool]:
    """Whether this execution of the night's site-wide job is the only one running.

    After an outage the queue may put a finish job back while a worker still runs it (its heartbeats were lost
    with the database, so it looked stalled) and start it again beside the first: the night would be checked,
    exported and announced twice. The lock is the connection's: it goes with it, whatever ends the job."""
    import psycopg

    with psycopg.connect(conninfo(config.queue_url() or ""), autocommit=True) as conn:
        if not conn.execute("SELECT pg_try_advisory_lock(%s, %s)", (FINISH_LOCK, night_id)).fetchone()[0]:
            log.warning("night %s: its site-wide job is already running in another execution: not again", night_id)
            yield False
            return
        yield True


def _finish_night(context: procrastinate.JobContext, config: Config, night_id: int) -> None:
    store = Store(config.database_url())
    with store.session() as session:
        night = session.get(QueueNight, night_id)
        job, since, finished = night.job, night.created_at, night.finished_at
        failed = [unit for units, in session.execute(select(QueueJob.units).where(
            QueueJob.night_id == night_id, QueueJob.status == "failed").order_by(QueueJob.id)) for unit in units]
    if finished is not None:  # an earlier execution finished it, and the queue lost that it had
        log.warning("night %s: its site-wide job already ran (%s): not again", night_id, finished)
        store.dispose()
        return
    run_id = start_run(store, "queue_finish", night=night_id)
    try:
        checks_ok, counts = site_wide(config, store)
        with store.session() as session:
            night = session.get(QueueNight, night_id)
            night.finished_at, night.outcome = utcnow(), "ok" if checks_ok else "failed"
            night.counts = {**(night.counts or {}), **counts, "units_failed": failed}
        finish_run(store, run_id, "ok" if checks_ok else "failed", counts)
        problems = ([] if checks_ok else [checks_failed(counts)]) + (
            [f"{len(failed)} 个单位抓取失败，未检查：{'、'.join(failed[:20])}"] if failed else [])
        alert_night_end(config, store, job, outcome="failed" if problems else "ok",
                        error="；".join(problems) or None, since=since, background=False)
    except Exception as exc:
        finish_run(store, run_id, "failed", error=cause(exc))
        if context.job.attempts >= FINISH_RETRIES:  # the last try: the office hears once, not every try
            alert_night_end(config, store, job, outcome="failed", error=cause(exc), since=since, background=False)
        raise
    finally:
        store.dispose()


# --- the worker ------------------------------------------------------------------------------------------


async def _recover_stalled(app: procrastinate.App, stalled_seconds: float) -> None:
    """Jobs of workers that stopped beating are put back in the queue (another worker retries them).

    While the database was away no worker could beat, and after it is back each worker's pool reconnects in
    its own time (psycopg_pool backs off, up to about the outage's length): after an outage every worker gets
    one whole stalled period plus the outage's length to beat again before any of them is judged dead (else a
    restart of PostgreSQL would retry every running job while its worker still runs it). The queue's calls
    wait out an outage (queue_connector), so an answer slower than a check's interval means one, as an error
    does."""
    quiet_until = time.monotonic() + stalled_seconds  # also at start: others may be in their first beat
    away_since: float | None = None
    while True:
        await asyncio.sleep(STALLED_CHECK_SECONDS)
        asked = time.monotonic()
        try:
            stalled = await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_seconds)
        except Exception as exc:  # the database may be restarting: judge nobody until all could beat again
            log.warning("stalled-job recovery: database unreachable (%s)", type(exc).__name__)
            away_since = asked if away_since is None else away_since
            continue
        answered = time.monotonic()
        if answered - asked > STALLED_CHECK_SECONDS:  # it waited for the database
            away_since = asked if away_since is None else away_since
            continue
        if away_since is not None:
            quiet_until = max(quiet_until, answered + stalled_seconds + (answered - away_since))
            log.info("stalled-job recovery: database back after %.0f s; judging nobody for %.0f s",
                     answered - away_since, quiet_until - answered)
            away_since = None
        if answered < quiet_until:
            continue
        for job in stalled:
            log.warning("job %s of a silent worker is stalled: retrying it", job.id)
            try:
                await app.job_manager.retry_job(job)
            except Exception as exc:  # it ended meanwhile, or the database went away again
                log.warning("stalled job %s not retried: %s", job.id, cause(exc))


def run_worker(config: Config, *, concurrency: int = 1, queues: Sequence[str] | None = None) -> int:
    """Run jobs until SIGTERM/SIGINT (procrastinate lets running jobs finish, then stops)."""
    ensure_schema(config)
    app = make_app(config)
    stalled = config.queue.stalled_seconds if config.queue else 60.0
    setup_logging(config, name=f"worker-{os.getpid()}")
    beat = max(1.0, stalled / 4)

    async def main() -> None:
        async with app.open_async():
            recovery = asyncio.create_task(_recover_stalled(app, stalled))
            try:
                log.info("worker running (pid %s, queues %s, concurrency %s)", os.getpid(),
                         ",".join(queues) if queues else "all", concurrency)
                await app.run_worker_async(queues=list(queues) if queues else None, concurrency=concurrency,
                                           update_heartbeat_interval=beat, stalled_worker_timeout=stalled,
                                           install_signal_handlers=True, name=f"{HOST}:{os.getpid()}")
            finally:
                recovery.cancel()

    asyncio.run(main())
    log.info("worker stopped")
    return 0


# --- status ----------------------------------------------------------------------------------------------

STATE_ZH = {"queued": "排队", "running": "运行中", "done": "完成", "failed": "失败", "retried": "重试中"}


def night_state(status: str, engine_status: str | None, attempts: int) -> str:
    """One word per unit job, from our row and the engine's: queued / running / done / failed / retried."""
    if status in ("done", "failed"):
        return status
    if engine_status == "doing":
        return "running" if attempts <= 1 else "retried"
    if attempts >= 1:
        return "retried"  # a try failed (or its worker died): it waits for the next one
    return "queued"


def format_status(config: Config, *, width: int = 30) -> str:
    """The newest queue night: each unit job's state, a progress bar and the ETA (mean job time so far)."""
    from sqlalchemy import text

    store = Store(config.database_url())
    try:
        with store.session() as session:
            night = session.scalar(select(QueueNight).order_by(QueueNight.id.desc()).limit(1))
            if night is None:
                return "任务队列中还没有夜间任务 (no nightly run was enqueued yet)。"
            rows = session.scalars(select(QueueJob).where(QueueJob.night_id == night.id)
                                   .order_by(QueueJob.id)).all()
            ids = [r.job_id for r in rows if r.job_id]
            engine: dict[int, str] = {}
            if ids and session.get_bind().dialect.name == "postgresql":
                engine = dict(session.execute(text("SELECT id, status::text FROM procrastinate_jobs "
                                                   "WHERE id = ANY(:ids)"), {"ids": ids}).all())
            site_state = ""  # the site-wide job's state in the engine, once deferred
            if night.finish_job_id and session.get_bind().dialect.name == "postgresql":
                site_state = session.scalar(text("SELECT status::text FROM procrastinate_jobs WHERE id = :id"),
                                            {"id": night.finish_job_id}) or ""
            lines_rows = [(r, night_state(r.status, engine.get(r.job_id or -1), r.attempts)) for r in rows]
            live = {}  # pages stored so far by a running job's crawl (found by its run token)
            for row, state in lines_rows:
                if state in ("running", "retried") and row.job_id:
                    live[row.id] = session.scalar(
                        select(func.count(Page.id)).join(CrawlRun, CrawlRun.id == Page.run_id)
                        .where(CrawlRun.counts["token"].as_string() == f"queue-job-{row.job_id}"))
            finished_at, outcome, created = night.finished_at, night.outcome, night.created_at
    finally:
        store.dispose()
    zone = config.zone
    counts = {state: sum(1 for _, s in lines_rows if s == state) for state in STATE_ZH}
    settled = counts["done"] + counts["failed"]
    total = len(lines_rows) or 1
    filled = round(width * settled / total)
    lines = [f"夜间任务 {night.id}（{'全量' if night.full else '增量'}，{created.astimezone(zone):%Y-%m-%d %H:%M}）",
             f"[{'#' * filled}{'.' * (width - filled)}] {settled}/{len(lines_rows)}  "
             + "  ".join(f"{STATE_ZH[s]} {n}" for s, n in counts.items())]
    durations = [(r.finished_at - r.started_at).total_seconds() for r, s in lines_rows
                 if s == "done" and r.started_at and r.finished_at]
    if finished_at is not None:
        said = {"ok": "全部检查正常运行", "failed": "部分检查出错，见 logs/worker-*.log"}.get(outcome or "", outcome)
        lines.append(f"全站检查与导出已完成（{finished_at.astimezone(zone):%H:%M:%S}，{said}）")
    elif settled < len(lines_rows):
        if durations:
            running = max(1, counts["running"] + counts["retried"])
            left = sum(durations) / len(durations) * (len(lines_rows) - settled) / running
            eta = datetime.now(zone) + timedelta(seconds=left)
            lines.append(f"预计完成 {eta:%H:%M:%S}（约 {left / 60:.1f} 分钟，按已完成任务的平均用时）")
        else:
            lines.append("预计完成：尚无已完成的任务，无法估计")
    else:
        site = {"doing": "运行中", "failed": "失败（见 logs/worker-*.log）"}.get(site_state, "等待运行")
        lines.append(f"全站检查与导出：{site}")
    lines.append("")
    for row, state in lines_rows:
        extra = f"，第 {row.attempts} 次尝试" if row.attempts > 1 else ""
        pages = (row.counts or {}).get("pages")
        extra += f"，页面 {pages}" if pages is not None else ""
        extra += f"，已抓取页面 {live[row.id]}" if live.get(row.id) else ""
        error = f"：{(row.error or '').splitlines()[0][:120]}" if state == "failed" and row.error else ""
        lines.append(f"  {STATE_ZH[state]:　<4} {'、'.join(row.units)}（{row.host}{extra}）{error}")
    return "\n".join(lines)
