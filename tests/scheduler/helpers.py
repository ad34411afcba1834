"""Test scaffolding for the scheduler: a small demo config, the service as a subprocess, waiting."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from portalcheck.core.config import load_config
from portalcheck.demo import DemoServer
from tests.config_files import write_config_file

from ..crawl.runner import query

REPO = Path(__file__).resolve().parents[2]

# Two units keep a nightly crawl to a few seconds; 县发改局 has the stale 工作动态 column (fgj/gzdt).
UNITS = ("县发改局", "县统计局")


def write_config(server: DemoServer, folder: Path, db_url: str, *, units: tuple[str, ...] | None = UNITS,
                 schedule: dict[str, Any] | None = None, crawl: dict[str, Any] | None = None) -> Path:
    data = yaml.safe_load(server.config_yaml())
    if units is not None:
        data["units"] = [u for u in data["units"] if u["name"] in units]
    data["crawl"] = {"concurrency_per_host": 8, "delay_seconds": 0, "autothrottle": False,
                     "check_external_links": False, **(crawl or {})}
    data["schedule"] = {"probe_interval_seconds": 1, "recheck_poll_seconds": 1, **(schedule or {})}
    data["database"] = {"url": db_url}
    return write_config_file(folder, data)


def env_for(db_url: str) -> dict[str, str]:
    return {**os.environ, "PORTALCHECK_DATABASE_URL": db_url, "PYTHONUNBUFFERED": "1"}


def cli(config: Path, db_url: str, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "portalcheck.cli", "--config", str(config), *args],
                          env=env_for(db_url), capture_output=True, text=True, timeout=timeout, cwd=REPO)


class Service:
    """`portalcheck schedule` running in a subprocess, its log in a file of the test folder."""

    def __init__(self, config: Path, db_url: str, name: str = "scheduler") -> None:
        self.log_path = config.parent / f"{name}.log"
        self._log = self.log_path.open("w", encoding="utf-8")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "portalcheck.cli", "--config", str(config), "schedule"],
            env=env_for(db_url), stdout=self._log, stderr=subprocess.STDOUT, cwd=REPO)

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8")

    def wait_running(self, timeout: float = 30) -> None:
        wait_until(lambda: "scheduler running" in self.log, timeout, f"scheduler did not start:\n{self.log}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 180) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout)
        finally:
            self._log.close()

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(10)
        self._log.close()


def wait_until(predicate: Callable[[], Any], timeout: float, message: str | Callable[[], str] = "timed out",
               interval: float = 0.3) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(message() if callable(message) else message)
        time.sleep(interval)


def job_runs(db_url: str, job: str | None = None) -> list[tuple]:
    """(id, job, outcome, started_at, finished_at, error) of every job run, oldest first."""
    sql = "SELECT id, job, outcome, started_at, finished_at, error FROM job_runs"
    if job:
        return query(db_url, sql + " WHERE job = :job ORDER BY id", job=job)
    return query(db_url, sql + " ORDER BY id")


def plant_missed_run(config_path: Path, job_id: str = "nightly", days: int = 5) -> datetime:
    """Make the stored job due `days` ago, as if the machine had been down that long.

    Written through the job store itself, never through a scheduler: a scheduler, even paused, may
    run a due job while it shuts down.
    """
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    from storage.session import make_engine

    config = load_config(config_path)
    jobstore = SQLAlchemyJobStore(engine=make_engine(config.database_url()))
    jobstore.start(BackgroundScheduler(), "default")
    try:
        job = jobstore.lookup_job(job_id)
        assert job is not None, f"no stored job {job_id}: start a scheduler once first"
        missed = job.trigger.get_next_fire_time(None, datetime.now(job.trigger.timezone) - timedelta(days=days))
        job._modify(next_run_time=missed)
        jobstore.update_job(job)
        return missed
    finally:
        jobstore.shutdown()


def as_datetime(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
