"""Queue test scaffolding: a PostgreSQL database of the test's own, a config with a queue: section, real
`portalcheck worker` processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from portalcheck.demo import DemoServer

from ..conftest import fresh_postgres
from ..scheduler.helpers import REPO, env_for, wait_until, write_config

DEFAULT_BASE = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_database() -> Iterator[str]:
    """A new PostgreSQL database (the queue needs PostgreSQL), dropped afterwards; skipped when the server
    is unreachable."""
    base = os.environ.get("PORTALCHECK_TEST_DATABASE_URL") or DEFAULT_BASE
    yield from fresh_postgres(base, skip_unreachable="the task queue needs PostgreSQL")


def queue_config(server: DemoServer, folder: Path, db_url: str, *, units: tuple[str, ...],
                 queue: dict[str, Any] | None = None, crawl: dict[str, Any] | None = None) -> Path:
    path = write_config(server, folder, db_url, units=units, crawl=crawl)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["queue"] = {"stalled_seconds": 5, "retries": 2, **(queue or {})}
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


class Worker:
    """`portalcheck worker` in a subprocess (its own process group), its output in a file."""

    def __init__(self, config: Path, db_url: str, name: str, *args: str) -> None:
        self.log_path = config.parent / f"{name}.out"
        self._log = self.log_path.open("w", encoding="utf-8")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "portalcheck.cli", "--config", str(config), "worker", *args],
            env=env_for(db_url), stdout=self._log, stderr=subprocess.STDOUT, cwd=REPO)

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8")

    def wait_running(self, timeout: float = 60) -> None:
        wait_until(lambda: "worker running" in self.log or self.process.poll() is not None, timeout,
                   lambda: f"worker did not start:\n{self.log}")
        assert self.process.poll() is None, self.log

    def stop(self, timeout: float = 60) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self._log.close()

    def kill9(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
