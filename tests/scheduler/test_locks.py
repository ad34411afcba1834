"""Lock rows: one holder at a time across processes, and a crashed holder never blocks forever."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DBAPIError

import scheduler
from scheduler import LockSet, utcnow
from storage.models import JobLock
from storage.session import Store


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_lock_has_one_holder_until_released(store: Store) -> None:
    with LockSet(store, "nightly") as first, LockSet(store, "recheck") as second:
        assert first.acquire("unit:白鹤镇")
        assert first.acquire("unit:白鹤镇"), "re-acquiring one's own lock succeeds"
        assert not second.acquire("unit:白鹤镇")
        assert second.acquire_each(["unit:白鹤镇", "unit:县发改局"]) == ["unit:县发改局"]
        first.release(["unit:白鹤镇"])
        assert second.acquire("unit:白鹤镇")
    with store.session() as session:
        assert session.scalars(select(JobLock)).all() == [], "leaving the block releases everything"


def test_an_expired_lock_is_taken_over(store: Store) -> None:
    crashed = LockSet(store, "nightly", ttl=timedelta(seconds=-1))  # as if it stopped renewing long ago
    assert crashed.acquire("nightly")
    crashed.pids = [99_999_999]
    with LockSet(store, "nightly") as successor:
        assert successor.acquire("nightly")
        assert scheduler.holder_of(store, "nightly").endswith(successor.holder)


def test_a_holder_that_renews_keeps_its_lock(store: Store) -> None:
    with LockSet(store, "nightly", ttl=timedelta(milliseconds=1)) as holder:
        assert holder.acquire("nightly")
        holder.ttl = timedelta(minutes=5)
        holder.renew()
        assert not LockSet(store, "other").acquire("nightly")


def test_a_lock_whose_processes_are_gone_is_stale_at_once(store: Store) -> None:
    gone = dead_pid()
    with store.session() as session:
        session.add(JobLock(name="unit:白鹤镇", holder=f"{scheduler.HOST}:{gone}:dead", host=scheduler.HOST,
                            pids=[gone], job="nightly", acquired_at=utcnow(),
                            expires_at=utcnow() + timedelta(hours=1)))
    assert LockSet(store, "recheck").acquire("unit:白鹤镇")


def test_a_live_crawl_subprocess_keeps_the_lock_after_its_scheduler_died(store: Store) -> None:
    """The scheduler was killed but its crawl still runs (it stops itself at a clean point): wait for it."""
    with store.session() as session:
        session.add(JobLock(name="unit:白鹤镇", holder=f"{scheduler.HOST}:1:x", host=scheduler.HOST,
                            pids=[dead_pid(), scheduler.os.getpid()], job="nightly", acquired_at=utcnow(),
                            expires_at=utcnow() + timedelta(hours=1)))
    assert not LockSet(store, "recheck").acquire("unit:白鹤镇")


def test_another_hosts_lock_waits_for_its_expiry(store: Store) -> None:
    with store.session() as session:
        session.add(JobLock(name="nightly", holder="elsewhere:1:x", host="elsewhere", pids=[dead_pid()],
                            job="nightly", acquired_at=utcnow(), expires_at=utcnow() + timedelta(minutes=5)))
    assert not LockSet(store, "nightly").acquire("nightly")


# What release's DELETE meets with job_locks renamed away, on SQLite and on PostgreSQL (not the renaming's own
# errors, which name job_locks_away).
RELEASE_FAILED = r'no such table: job_locks\b|relation "job_locks" does not exist'


def rename_table(db_url: str, old: str, new: str) -> None:
    """On a connection of its own, autocommitted; on PostgreSQL it gives up after 10 s instead of hanging
    behind a lock the store's connections might hold."""
    postgres = db_url.startswith("postgresql")
    engine = create_engine(db_url, isolation_level="AUTOCOMMIT") if postgres else create_engine(db_url)
    try:
        with engine.begin() as connection:
            if postgres:
                connection.execute(text("SET lock_timeout = '10s'"))
            connection.execute(text(f"ALTER TABLE {old} RENAME TO {new}"))
    finally:
        engine.dispose()


@contextmanager
def release_fails(db_url: str) -> Iterator[None]:
    """job_locks is gone while the block's end runs (as if the database were down), back afterwards."""
    try:
        yield
    finally:
        rename_table(db_url, "job_locks_away", "job_locks")


def left_behind(store: Store, name: str, holder: LockSet) -> JobLock:
    """The row a failed release left: this live process's, and far from expired."""
    with store.session() as session:
        row = session.get(JobLock, name)
    assert row is not None and row.holder == holder.holder
    assert row.pids[0] == os.getpid() and row.expires_at > utcnow() + timedelta(minutes=5)
    return row


def test_rows_a_failed_release_left_behind_do_not_make_the_same_process_wait(store: Store, db_url: str) -> None:
    """The database was down as a queue job's LockSet exited: when the same worker retries, it takes its
    own orphaned rows at once instead of waiting out LOCK_TTL (10 min)."""
    first = LockSet(store, "queue")
    with pytest.raises(DBAPIError, match=RELEASE_FAILED), release_fails(db_url), first:
        assert first.acquire("unit:白鹤镇") and first.acquire("host:bhz.gov.cn")
        assert not LockSet(store, "recheck").acquire("unit:白鹤镇"), \
            "a live LockSet of this process still excludes another"
        rename_table(db_url, "job_locks", "job_locks_away")
    left_behind(store, "unit:白鹤镇", first)
    assert first._thread is not None
    first._thread.join(timeout=5)
    assert not first._thread.is_alive(), "the exited LockSet's heartbeat stopped"

    with LockSet(store, "queue") as retry:
        assert retry.acquire_each(["host:bhz.gov.cn", "unit:白鹤镇"]) == ["host:bhz.gov.cn", "unit:白鹤镇"]
        assert scheduler.holder_of(store, "unit:白鹤镇") == f"queue @ {retry.holder}"
        assert not LockSet(store, "recheck").acquire("unit:白鹤镇"), "the retry's hold excludes as before"
    with store.session() as session:
        assert session.scalars(select(JobLock)).all() == []


def test_rows_a_failed_release_left_behind_stay_held_while_their_crawl_runs(store: Store, db_url: str) -> None:
    """The exited LockSet's crawl subprocess still runs (add_pid): its units stay locked until it ends."""
    crawl = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        first = LockSet(store, "queue")
        with pytest.raises(DBAPIError, match=RELEASE_FAILED), release_fails(db_url), first:
            assert first.acquire("unit:白鹤镇")
            first.add_pid(crawl.pid)
            rename_table(db_url, "job_locks", "job_locks_away")
        assert left_behind(store, "unit:白鹤镇", first).pids == [os.getpid(), crawl.pid]
        assert not LockSet(store, "queue").acquire("unit:白鹤镇")
    finally:
        crawl.kill()
        crawl.wait()
    assert LockSet(store, "queue").acquire("unit:白鹤镇"), "once the crawl is gone, the row is stale at once"
