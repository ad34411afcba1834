"""Queue test scaffolding: a PostgreSQL database of the test's own, a config with a queue: section, real
`portalcheck worker` processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import create_engine, make_url, text

from portalcheck.demo import DemoServer

from ..scheduler.helpers import REPO, env_for, wait_until, write_config

DEFAULT_BASE = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_database() -> Iterator[str]:
    """A new PostgreSQL database (the queue needs PostgreSQL), dropped afterwards; skipped when the server
    is unreachable."""
    base = os.environ.get("PORTALCHECK_TEST_DATABASE_URL") or DEFAULT_BASE
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"pc_queue_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure to reach the server means: no PostgreSQL here
        admin.dispose()
        pytest.skip(f"the task queue needs PostgreSQL and {base} is unreachable: {type(exc).__name__}")
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


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
