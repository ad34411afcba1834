"""The nightly (or weekly full) run: crawl every unit, run all checks, write the exports."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from portalcheck.core.config import Config
from portalcheck.service.crawls import Runtime
from portalcheck.service.evidence import take_pictures
from portalcheck.service.exports import write_exports
from portalcheck.service.locks import LockSet, holder_of, take_from_orphans, unit_lock, utcnow
from portalcheck.service.notify import alert_blocked_collectors, alert_run_failed
from portalcheck.service.review import settle
from portalcheck.service.runs import cause, finish_run, start_run
from storage.models import Finding
from storage.session import Store

log = logging.getLogger("portalcheck.scheduler")


NIGHTLY_LOCK, PORTAL_LOCK = "nightly", "portal"
ACTIVE = ("new", "open", "regressed")




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
            alert_blocked_collectors(config, store, started)  # in the background: the night goes on
            if crawl.status == "interrupted":
                outcome = "interrupted"
                return outcome
            if crawl.status != "finished":
                error = f"crawl subprocess failed (exit {crawl.returncode}): {crawl.output[-1500:]}"
                return outcome
            counts["network"] = network_round(runtime.config, runtime.store)
            from checks import run_checks

            as_of = datetime.now(ZoneInfo(config.schedule.timezone))
            report = run_checks(store, config, as_of=as_of)
            counts["rectification"] = settle(store, as_of, scope)
            counts["checks"] = dict(report.totals())
            counts["check_errors"] = {o.rule: o.error for o in report.outcomes if o.error}
            counts["open_findings"] = count_active(store)
            counts["evidence"] = take_pictures(config, store)  # never raises: a missing picture fails nothing
            counts["exports"] = write_exports(config, datetime.now(ZoneInfo(config.schedule.timezone)).date())
            outcome = "ok" if report.ok else "failed"
            if not report.ok:
                error = "some checks failed: " + "; ".join(f"{k}: {v}" for k, v in counts["check_errors"].items())
            return outcome
    except Exception as exc:  # recorded and logged; the next trigger retries, the service keeps running
        log.exception("%s failed", job)
        error = cause(exc)
        outcome = "failed"
        return outcome
    finally:
        finish_run(store, run_id, outcome, counts, error)
        if outcome == "failed":
            alert_run_failed(config, store, job, error)  # after the run is recorded, on its own thread


def count_active(store: Store) -> int:
    from sqlalchemy import func

    with store.session() as session:
        return session.scalar(select(func.count(Finding.id)).where(Finding.status.in_(ACTIVE))) or 0


def network_round(config: Config, store: Store) -> dict[str, Any]:
    """The night's network round (site.ipv6, site.https); a failed round is recorded, the night goes on."""
    from crawler.netprobe import run_network_round

    try:
        return run_network_round(config, store).counts()
    except Exception as exc:  # the checks then judge the rounds already stored
        log.exception("network round failed")
        return {"error": cause(exc)}
