"""A `portalcheck check` killed (SIGKILL or SIGTERM) while it writes its findings leaves the previous
check's results exactly: findings and verdicts are written all or nothing. Cut off from its database,
it stops with a clear error, and the next run gives what an uninterrupted run gives.

The kill is aimed at the write itself, not at a guessed moment: on SQLite the test waits until the
check holds the database's write lock (an outside BEGIN IMMEDIATE is refused), then kills after a
seeded delay within the writes; on PostgreSQL an outside transaction holds one finding row the check
must update, the test waits until the check, having written, waits for that row, and kills it there.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, insert, make_url, text

from checks.verdicts import verdicts
from portalcheck.core.config import Config
from storage.models import ColumnVisit, ListItem
from storage.session import Store
from tests.config_files import write_config_file

from ..conftest import REPO, fresh_database
from .facts import AS_OF, Facts, days_ago, make_config

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

LATER = AS_OF + timedelta(days=1)
COLUMNS = 2000  # enough findings that the writes take a while (thousands of rows, ~0.5 s on SQLite)
KILLS = 4  # of each signal, at seeded moments across the writes (SQLite)


def build_store(db_url: str) -> Config:
    """A unit whose columns a first check judged at AS_OF; then a second crawl changed half of them."""
    store = Store(db_url)
    facts = Facts(store)
    unit = facts.unit()
    first = facts.crawl()
    stale = facts.many_columns(unit, first, [[days_ago(100), days_ago(130)]] * COLUMNS)
    blank = facts.many_columns(unit, first, [[]] * (COLUMNS // 2))
    facts.many_columns(unit, first, [[days_ago(1)]] * (COLUMNS // 2))
    config = make_config()
    _check(store, config, AS_OF)
    # The next night: half the stale columns were updated, half the blank ones filled, new stale ones appeared.
    second = facts.crawl(LATER - timedelta(hours=2))
    seen = LATER - timedelta(hours=1)
    with store.session() as session:
        session.execute(insert(ColumnVisit), [{"run_id": second, "column_id": cid, "status": "full", "pages": 1,
                                               "items": 1, "visited_at": seen} for cid in stale + blank])
        session.execute(insert(ListItem), [
            {"column_id": cid, "url": f"http://www.fangxian.gov.cn/new/{cid}.html", "title": "新信息",
             "published_on": days_ago(0), "position": 1, "first_seen": seen, "last_seen": seen}
            for cid in stale[: COLUMNS // 2] + blank[: COLUMNS // 4]])
    facts.many_columns(unit, second, [[days_ago(200)]] * (COLUMNS // 3))
    store.dispose()
    return config


def _check(store: Store, config: Config, as_of: Any) -> None:
    from checks.runner import run_checks

    assert run_checks(store, config, as_of).ok


def snapshot(db_url: str, config: Config) -> tuple[list[tuple], dict[str, Any]]:
    """Every finding (by key, without its row id) and the verdicts of the site and units."""
    engine = create_engine(db_url)
    with engine.connect() as connection:
        rows = [tuple(map(str, row)) for row in connection.execute(text(
            "SELECT key, rule, severity, points, unit_id, column_id, url, detail, evidence, status, first_seen,"
            " last_seen, resolved_at, deadline FROM findings ORDER BY key"))]
    engine.dispose()
    store = Store(db_url)
    judged = verdicts(store, config, LATER)
    store.dispose()
    return rows, {"site": judged.site.as_dict(), **{n: v.as_dict() for n, v in judged.units.items()},
                  **{str(c): v.as_dict() for c, v in judged.columns.items()}}


def write_config(folder: Path, db_url: str, config: Config) -> Path:
    data = config.model_dump(mode="json")
    data["database"] = {"url": db_url}
    return write_config_file(folder, data)


def check_command(config_path: Path) -> list[str]:
    return [sys.executable, "-m", "portalcheck.cli", "--config", str(config_path), "check",
            "--as-of", LATER.isoformat()]


def start_check(config_path: Path, db_url: str) -> subprocess.Popen[str]:
    return subprocess.Popen(check_command(config_path), env={**os.environ, "PORTALCHECK_DATABASE_URL": db_url},
                            cwd=REPO, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def sqlite_writing(path: str) -> bool:
    """True while another connection holds the write lock (the check writing its findings)."""
    connection = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        connection.close()


def write_window(config_path: Path, db_url: str) -> float:
    """Run the check to its end, timing how long it held the write lock (its writes, up to the commit)."""
    path = make_url(db_url).database
    check = start_check(config_path, db_url)
    began = ended = None
    while check.poll() is None:
        writing = sqlite_writing(path)
        now = time.monotonic()
        if writing and began is None:
            began = now
        elif not writing and began is not None and ended is None:
            ended = now
        time.sleep(0.001)
    assert check.returncode == 0, check.communicate()[1][-3000:]
    assert began and ended, "the check was never seen writing"
    return ended - began


def kill_mid_write_sqlite(config_path: Path, db_url: str, sig: int, delay: float) -> bool:
    """Kill the check `delay` s after it took the write lock; True if it was still writing then."""
    path = make_url(db_url).database
    check = start_check(config_path, db_url)
    deadline = time.monotonic() + 300
    while not sqlite_writing(path):
        assert check.poll() is None, f"the check ended before writing: {check.communicate()}"
        assert time.monotonic() < deadline, "the check never wrote"
        time.sleep(0.001)
    time.sleep(delay)
    # Frozen first, so that it cannot commit between "still writing?" and the signal.
    check.send_signal(signal.SIGSTOP)
    while check.poll() is None and Path(f"/proc/{check.pid}/stat").read_text().split(") ")[-1][:1] not in "Tt":
        time.sleep(0.001)
    mid_write = sqlite_writing(path) and check.poll() is None
    check.send_signal(sig)
    check.send_signal(signal.SIGCONT)
    check.communicate(timeout=60)
    return mid_write and check.returncode == -sig


@contextmanager
def row_held(db_url: str, rule: str, status: str) -> Iterator[None]:
    """An outside transaction holding one finding row of `rule` in `status` (FOR UPDATE) until the block ends."""
    engine = create_engine(db_url)
    connection = engine.connect()
    transaction = connection.begin()
    held = connection.execute(text("SELECT id FROM findings WHERE rule = :rule AND status = :status "
                                   "ORDER BY id DESC LIMIT 1 FOR UPDATE"), {"rule": rule, "status": status}).all()
    assert held, (rule, status)
    try:
        yield
    finally:
        transaction.rollback()
        connection.close()
        engine.dispose()


def kill_mid_write_postgres(config_path: Path, db_url: str, sig: int, rule: str, status: str) -> bool:
    with row_held(db_url, rule, status):
        check = start_check(config_path, db_url)
        engine = create_engine(db_url)
        deadline = time.monotonic() + 120
        with engine.connect() as connection:
            waiting = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() " \
                      "AND wait_event_type = 'Lock' AND backend_xid IS NOT NULL"
            while not connection.execute(text(waiting)).scalar():
                assert check.poll() is None, f"the check ended: {check.communicate()}"
                assert time.monotonic() < deadline, "the check never reached the held row"
                time.sleep(0.05)
                connection.rollback()
        engine.dispose()
        check.send_signal(sig)
        check.communicate(timeout=30)
    return check.returncode == -sig


def reference_results(folder: Path, config: Config) -> tuple[list[tuple], dict[str, Any], float]:
    """The same store checked at LATER without interruption: its results, and how long its writes took."""
    folder.mkdir()
    for reference_url in fresh_database(folder):
        build_store(reference_url)
        path = write_config(folder, reference_url, config)
        if reference_url.startswith("sqlite"):
            window = write_window(path, reference_url)
        else:
            done = subprocess.run(check_command(path), env={**os.environ, "PORTALCHECK_DATABASE_URL": reference_url},
                                  cwd=REPO, capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, done.stderr[-3000:]
            window = 0.0
        return (*snapshot(reference_url, config), window)
    raise AssertionError("no reference database")


def test_a_check_killed_while_writing_leaves_the_previous_results_exactly(tmp_path: Path, db_url: str) -> None:
    config = build_store(db_url)
    config_path = write_config(tmp_path, db_url, config)
    before = snapshot(db_url, config)
    assert {row[9] for row in before[0]} == {"new"}, "the first check's findings are all new"
    *complete, window = reference_results(tmp_path / "reference", config)
    complete = tuple(complete)
    assert complete != before

    killed_mid_write = {signal.SIGKILL: 0, signal.SIGTERM: 0}
    if db_url.startswith("sqlite"):
        database = Path(make_url(db_url).database)
        saved = database.with_suffix(".saved")
        shutil.copy(database, saved)  # the store is closed and checkpointed: the file is the whole store
        rng = random.Random(19)
        for sig in (signal.SIGKILL, signal.SIGTERM) * KILLS:
            landed = kill_mid_write_sqlite(config_path, db_url, sig, window * rng.uniform(0.0, 0.95))
            killed_mid_write[sig] += landed
            state = snapshot(db_url, config)
            assert state in (before, complete), "a killed check left a mix of old and new results"
            if landed:
                assert state == before, "a check killed before its commit changed the store"
            elif state == complete:  # the kill came after the commit: start the next try from the old store
                for suffix in ("-wal", "-shm"):
                    Path(f"{database}{suffix}").unlink(missing_ok=True)
                shutil.copy(saved, database)
    else:
        # early in the writes (a column.stale row to update) and later (a column.blank row to resolve)
        for sig in (signal.SIGKILL, signal.SIGTERM):
            for rule in ("column.stale", "column.blank"):
                killed_mid_write[sig] += kill_mid_write_postgres(config_path, db_url, sig, rule, "new")
                assert snapshot(db_url, config) == before, "a killed check left a mix of old and new results"
    assert all(killed_mid_write.values()), f"no kill landed mid-write: {killed_mid_write}"

    finished = subprocess.run(check_command(config_path), env={**os.environ, "PORTALCHECK_DATABASE_URL": db_url},
                              cwd=REPO, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr[:3000]
    assert snapshot(db_url, config) == complete, "the check after the kills differs from an uninterrupted one"
