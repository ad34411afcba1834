"""Every job run is a `job_runs` row: start, end, outcome, counts, cause of failure."""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from portalcheck.core.config import Config
from portalcheck.core.processes import pid_alive
from portalcheck.service.locks import HOST, utcnow
from storage.models import JobRun
from storage.session import Store

log = logging.getLogger("portalcheck.scheduler")


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


@dataclass
class Recorded:
    """The run a `recorded` block is in: the block sets its counts; `failed` is what ended it, if anything."""

    id: int
    counts: dict[str, Any] = field(default_factory=dict)
    failed: Exception | None = None


@contextmanager
def recorded(store: Store, job: str, failure: str, **counts: Any) -> Iterator[Recorded]:
    """A job run around a block: 'ok' with the counts the block sets, or 'failed' with the exception's cause,
    logged as `failure` and not raised (one failed job must not stop the scheduler): check `run.failed`."""
    run = Recorded(start_run(store, job, **counts))
    try:
        yield run
    except Exception as exc:
        log.exception(failure)
        run.failed = exc
        finish_run(store, run.id, "failed", error=cause(exc))
        return
    finish_run(store, run.id, "ok", run.counts)


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


def cause(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}\n" + "".join(traceback.format_exception(exc)[-3:])


def setup_logging(config: Config, name: str = "scheduler") -> None:
    """English logs to stderr and to logs/<name>.log next to the config (rotated)."""
    folder = config.base_dir / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    for handler in (logging.StreamHandler(sys.stderr),
                    logging.handlers.RotatingFileHandler(folder / f"{name}.log", maxBytes=10_000_000,
                                                         backupCount=5, encoding="utf-8")):
        handler.setFormatter(formatter)
        root.addHandler(handler)
