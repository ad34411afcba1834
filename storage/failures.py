"""The database going away mid-run: which errors mean it, what the inspector is told, and retrying a write.

A full disk, a database locked by another writer past the busy timeout, or a PostgreSQL server that
restarted are not bugs of a run: the run stops with one clear line (Chinese for the inspector, the
driver's cause in English for the operator), keeps nothing half-written, and the next run finishes
the work. Only a lost connection is worth retrying in place: a restarting server is back in seconds,
while a full disk or a long lock stays (and SQLite's busy timeout has already waited for the lock).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, PendingRollbackError

log = logging.getLogger(__name__)

T = TypeVar("T")

# Backoff of a retried batch write: about 7.5 s in all, below the crawl's download timeout (the
# reactor waits while a pipeline writes).
RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0)

_FULL = ("database or disk is full", "disk i/o error", "readonly database", "no space left")
_LOCKED = ("database is locked", "database table is locked")


class DatabaseUnavailable(RuntimeError):
    """The store could not be written or read: `message` for the inspector, `cause` for the log."""

    def __init__(self, message: str, cause: str):
        super().__init__(f"{message} ({cause})")
        self.message = message
        self.cause = cause


def database_gone(exc: BaseException) -> bool:
    """True for a full disk, a lock held too long, or a lost connection; False for a bug (bad SQL, a constraint)."""
    if isinstance(exc, DatabaseUnavailable | PendingRollbackError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, OperationalError | InterfaceError)


def connection_lost(exc: BaseException) -> bool:
    """A server that went away (worth a retry), as opposed to a full or locked SQLite file."""
    if not database_gone(exc):
        return False
    text = str(exc).lower()
    return not any(mark in text for mark in _FULL + _LOCKED)


def explain(exc: BaseException) -> DatabaseUnavailable:
    """The error as the inspector reads it (Chinese) with the driver's words kept as the cause."""
    if isinstance(exc, DatabaseUnavailable):
        return exc
    cause = " ".join(str(getattr(exc, "orig", None) or exc).split())[:300] or type(exc).__name__
    text = cause.lower()
    if any(mark in text for mark in _FULL):
        message = "数据库已满或不可写（磁盘空间不足或文件只读），本次运行已停止"
    elif any(mark in text for mark in _LOCKED):
        message = "数据库被其他程序长时间锁定，等待超时，本次运行已停止"
    else:
        message = "数据库连接中断（数据库服务重启或不可达），本次运行已停止"
    return DatabaseUnavailable(message + "；已保存的数据完整保留，数据库恢复后再次运行即可接着完成", cause)


def retry_write(write: Callable[[], T], *, what: str, delays: tuple[float, ...] = RETRY_DELAYS) -> T:
    """Run `write` (one transaction, idempotent) again after a lost connection, with backoff.

    Gives up with DatabaseUnavailable on any other database error at once, or when the retries are spent.
    """
    for attempt in range(len(delays) + 1):
        try:
            return write()
        except Exception as exc:
            if not database_gone(exc):
                raise
            if attempt == len(delays) or not connection_lost(exc):
                raise explain(exc) from exc
            log.warning("%s: database connection lost (%s); retrying in %.1fs", what,
                        " ".join(str(exc).split())[:200], delays[attempt])
            time.sleep(delays[attempt])
    raise AssertionError("unreachable")
