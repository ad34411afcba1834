"""Lock rows that hold across processes and machines: one per unit, one for the nightly job.

A holder renews its rows; one that crashed stops renewing, one whose processes are gone (same
host) is stale at once, and so is an exited holder of this very process whose release failed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from portalcheck.core.processes import pid_alive
from storage.models import JobLock
from storage.session import Store

log = logging.getLogger("portalcheck.scheduler")


HOST = socket.gethostname()

LOCK_TTL = timedelta(minutes=10)          # a holder that stops renewing loses its locks after this
HEARTBEAT_SECONDS = 30.0                  # how often a holder renews
ORPHAN_GRACE_SECONDS = 30.0               # a killed scheduler's crawl gets this long to stop itself


def utcnow() -> datetime:
    return datetime.now(UTC)


def unit_lock(name: str) -> str:
    return f"unit:{name}"


def insert_for(session: Session, model: type) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)




# The holders (host:pid:token) of this process's LockSets that are still in use. A row held by this very
# process under a holder no longer here was left behind by a LockSet whose release failed (the database
# was down as it exited): nobody renews or releases it, so it must not make this process wait for the TTL.
_live_holders: set[str] = set()
_live_holders_lock = threading.Lock()


def _register_holder(holder: str) -> None:
    with _live_holders_lock:
        _live_holders.add(holder)


def _forget_holder(holder: str) -> None:
    with _live_holders_lock:
        _live_holders.discard(holder)


def holder_is_live(holder: str) -> bool:
    """Is `holder` a LockSet of this process still in use (created and not yet exited nor collected)?"""
    with _live_holders_lock:
        return holder in _live_holders


def lock_is_stale(row: JobLock, now: datetime) -> bool:
    """Expired, held on this host by processes that are all gone (a crash needs no waiting), or left behind
    by an exited LockSet of this very process whose crawl subprocesses are gone (its release failed)."""
    if row.expires_at <= now:
        return True
    if row.host != HOST:
        return False
    pids = row.pids or []
    if not any(pid_alive(p) for p in pids):
        return True
    # Another LockSet of this process that is still live keeps its lock: two jobs of one process exclude
    # each other. One that has exited holds nothing, unless a crawl of its own still runs.
    return (pids[0] == os.getpid() and not holder_is_live(row.holder)
            and not any(pid_alive(p) for p in pids[1:]))


class LockSet:
    """The lock rows one job run holds, renewed by a heartbeat thread until released.

    Each LockSet is its own holder (host:pid:token), so two jobs of one process exclude each other
    exactly as two processes do.
    """

    def __init__(self, store: Store, job: str, *, ttl: timedelta = LOCK_TTL,
                 heartbeat: float = HEARTBEAT_SECONDS) -> None:
        self.store = store
        self.job = job
        self.ttl = ttl
        self.holder = f"{HOST}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.pids = [os.getpid()]
        self.held: list[str] = []
        self._heartbeat = heartbeat
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # Live from creation (acquire works without `with`) until __exit__ or garbage collection: a LockSet
        # dropped without a release can never renew nor release its rows.
        _register_holder(self.holder)
        self._forget = weakref.finalize(self, _forget_holder, self.holder)

    def __enter__(self) -> LockSet:
        if not self._forget.alive:  # entered again after an exit
            _register_holder(self.holder)
            self._forget = weakref.finalize(self, _forget_holder, self.holder)
        self._thread = threading.Thread(target=self._beat, name=f"lock-heartbeat-{self.job}", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        try:
            self.release()
        finally:  # rows a failed release left behind are stale for this process's next LockSet at once
            self._forget()

    def acquire(self, name: str) -> bool:
        """Take `name` if it is free or stale; never blocks."""
        now = utcnow()
        values = {"name": name, "holder": self.holder, "host": HOST, "pids": self.pids, "job": self.job,
                  "acquired_at": now, "expires_at": now + self.ttl}
        with self.store.session() as session:
            inserted = session.execute(insert_for(session, JobLock).values(values)
                                       .on_conflict_do_nothing(index_elements=["name"])).rowcount
            if inserted != 1:
                row = session.get(JobLock, name)
                if row is None or (row.holder != self.holder and not lock_is_stale(row, now)):
                    return False
                if row.holder != self.holder:
                    log.warning("taking over stale lock %s from %s (job %s)", name, row.holder, row.job)
                # Compare-and-swap: a holder that renewed meanwhile changed expires_at and keeps its lock.
                swapped = session.execute(
                    update(JobLock).where(JobLock.name == name, JobLock.holder == row.holder,
                                          JobLock.expires_at == row.expires_at)
                    .values({k: v for k, v in values.items() if k != "name"})).rowcount
                if swapped != 1:
                    return False
        if name not in self.held:
            self.held.append(name)
        return True

    def acquire_each(self, names: Iterable[str]) -> list[str]:
        return [name for name in names if self.acquire(name)]

    def wait_for(self, name: str, *, seconds: float, stopping: threading.Event | None = None,
                 on_wait: Callable[[str | None], None] | None = None, poll: float = 2.0) -> bool:
        deadline = time.monotonic() + seconds
        told = False
        while not self.acquire(name):
            if time.monotonic() >= deadline or (stopping is not None and stopping.is_set()):
                return False
            if on_wait and not told:
                on_wait(holder_of(self.store, name))
                told = True
            time.sleep(poll)
        return True

    def add_pid(self, pid: int) -> None:
        """A crawl subprocess joins the holder: the lock stays while it lives, even if we die first."""
        self.pids.append(pid)
        self._update(pids=self.pids)

    def renew(self) -> None:
        self._update(expires_at=utcnow() + self.ttl)

    def _update(self, **values: Any) -> None:
        if not self.held:
            return
        with self.store.session() as session:
            session.execute(update(JobLock).where(JobLock.name.in_(self.held), JobLock.holder == self.holder)
                            .values(**values))

    def release(self, names: Sequence[str] | None = None) -> None:
        names = list(self.held if names is None else names)
        if not names:
            return
        with self.store.session() as session:
            session.execute(delete(JobLock).where(JobLock.name.in_(names), JobLock.holder == self.holder))
        self.held = [n for n in self.held if n not in names]

    def _beat(self) -> None:
        while not self._stop.wait(self._heartbeat):
            try:
                self.renew()
            except Exception:  # a database hiccup must not kill the heartbeat; the next beat retries
                log.exception("lock heartbeat failed for %s", self.holder)


def orphans_holding(store: Store, name: str) -> list[int]:
    """The live crawl subprocesses of a dead scheduler on this host that still hold `name`: a killed
    scheduler's children, stopping themselves (portalcheck.crawl_child)."""
    with store.session() as session:
        row = session.get(JobLock, name)
    if row is None or row.host != HOST or not row.pids or pid_alive(row.pids[0]):
        return []
    return [pid for pid in row.pids[1:] if pid_alive(pid)]


def take_from_orphans(locks: LockSet, name: str, stopping: threading.Event) -> bool:
    """Wait a while for a killed scheduler's orphaned crawl to stop by itself, then stop it outright: what
    it read is in the store and the next crawl continues its unfinished columns (crawler/frontier.py)."""
    orphans = orphans_holding(locks.store, name)
    if not orphans:
        return False
    log.warning("lock %s is held by the orphaned crawl %s of a killed scheduler: waiting for it", name, orphans)
    if locks.wait_for(name, seconds=ORPHAN_GRACE_SECONDS, stopping=stopping, poll=0.5):
        return True
    for pid in orphans_holding(locks.store, name):
        log.warning("orphaned crawl %s did not stop in %.0f s: killing it", pid, ORPHAN_GRACE_SECONDS)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return locks.wait_for(name, seconds=10, stopping=stopping, poll=0.5)


def holder_of(store: Store, name: str) -> str | None:
    with store.session() as session:
        row = session.get(JobLock, name)
        return f"{row.job} @ {row.holder}" if row else None
