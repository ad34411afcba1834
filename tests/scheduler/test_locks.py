"""Lock rows: one holder at a time across processes, and a crashed holder never blocks forever."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

from sqlalchemy import select

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
