"""The nightly (or weekly full) run: crawl every unit, run all checks, write the exports."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from portalcheck.core.config import Config
from portalcheck.service.crawls import Runtime
from portalcheck.service.evidence import take_pictures
from portalcheck.service.exports import write_exports
from portalcheck.service.locks import LockSet, holder_of, take_from_orphans, unit_lock, utcnow
from portalcheck.service.night_checks import judge
from portalcheck.service.notify import alert_blocked_collectors, alert_run_failed
from portalcheck.service.runs import cause, finish_run, start_run
from storage.session import Store

log = logging.getLogger("portalcheck.scheduler")


NIGHTLY_LOCK, PORTAL_LOCK = "nightly", "portal"




def nightly(runtime: Runtime, *, job: str = "nightly", full: bool = False) -> str:
    """Crawl every unit (incremental, or full), run all checks, write the exports; returns the outcome."""
    store, config = runtime.store, runtime.config
    run_id = start_run(store, job, mode="full" if full else "incremental")
    started = utcnow()
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
            checks_ok, site_counts = site_wide(config, store, scope=scope)
            counts.update(site_counts)
            outcome = "ok" if checks_ok else "failed"
            error = None if checks_ok else checks_failed(counts)
            return outcome
    except Exception as exc:  # recorded and logged; the next trigger retries, the service keeps running
        log.exception("%s failed", job)
        error = cause(exc)
        outcome = "failed"
        return outcome
    finally:
        finish_run(store, run_id, outcome, counts, error)
        alert_night_end(config, store, job, outcome=outcome, error=error, since=started)  # after the record


def site_wide(config: Config, store: Store, *, scope: list[str] | None = None) -> tuple[bool, dict[str, Any]]:
    """The end of a night once its units are crawled, the same whichever path crawled them (`nightly` here,
    or the queue's last job, portalcheck.service.queue.finish_night): the network round, every check and the
    复核 of the 整改 loop's findings (of `scope`'s units, or all), judged in a process of their own
    (night_checks), then the evidence pictures and the exports. Returns (every check ran, the figures for the
    run's record)."""
    checks_ok, counts = judge(config, store, scope)
    counts["evidence"] = take_pictures(config, store)  # never raises: a missing picture fails nothing
    counts["exports"] = write_exports(config, datetime.now(config.zone).date())
    return checks_ok, counts


def checks_failed(counts: dict[str, Any]) -> str:
    return "some checks failed: " + "; ".join(f"{k}: {v}" for k, v in (counts.get("check_errors") or {}).items())


def alert_night_end(config: Config, store: Store, job: str, *, outcome: str, error: str | None,
                    since: datetime, background: bool = True) -> None:
    """What the office hears when a night ends, whichever path ran it (in-process or the queue's workers):
    the accounts its collectors could not read since `since`, and a failed night with its reason. Nothing
    here raises into the night; `background`: sent on a thread of their own (a queue job sends them before
    it ends instead, so a worker stopping right after cannot lose them)."""
    try:
        alert_blocked_collectors(config, store, since, background=background)
        if outcome == "failed":
            alert_run_failed(config, store, job, error, background=background)
    except Exception:  # the store may be what failed the night
        log.exception("%s: the end-of-night alert could not be sent", job)
