"""The queue's connection to PostgreSQL, patient through an outage.

procrastinate's worker keeps its bookkeeping on side tasks: its heartbeat, the watch for aborted jobs, the
LISTEN for new jobs. When one of them raises (the pool found no connection within its 30 s, or the LISTEN
connection could not be made again while PostgreSQL restarts), the worker stops taking jobs and waits for the
running ones without beating: a few seconds later they look stalled and another worker starts them again beside
the first (two crawls of one host at once, a night checked twice). So here a database call that fails because
the database is away is asked again until it is back (for at most `OUTAGE_PATIENCE_SECONDS`): the worker pauses
through the outage and carries on, its heartbeat with it.

A call is asked again only when that cannot do anything twice: when no connection could be had (nothing was
sent), or when the call only reads or beats. A write cut off mid-way (taking a job, finishing one) still raises,
as before: its first sending may have taken effect.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

import procrastinate
import psycopg
import psycopg_pool
from procrastinate import exceptions as queue_errors
from procrastinate import sql

log = logging.getLogger("portalcheck.queue")

OUTAGE_PATIENCE_SECONDS = 900.0  # past this the call raises as procrastinate's own would (the worker stops)
PAUSES = (0.5, 1.0, 2.0, 4.0)  # between asks; the last repeats

# Calls that may be sent twice without doing anything twice: reads, the heartbeat, and unregistering.
REPEATABLE = frozenset(sql.queries[name] for name in (
    "update_heartbeat", "list_jobs_to_abort", "select_stalled_jobs_by_heartbeat", "get_job_status",
    "check_connection", "list_jobs", "list_queues", "list_tasks", "list_locks", "unregister_worker"))

T = TypeVar("T")


def database_away(exc: BaseException, *, repeatable: bool) -> bool:
    """Whether `exc` says the database could not be reached, so that asking again is safe."""
    cause = exc.__cause__ if isinstance(exc, queue_errors.ConnectorException) else exc
    if isinstance(cause, psycopg_pool.PoolTimeout):
        return True  # no connection was handed out: nothing was sent
    return repeatable and isinstance(cause, psycopg.OperationalError)


async def patiently(call: Callable[[], Awaitable[T]], *, repeatable: bool, what: str) -> T:
    """`call()`, asked again while the database is away, for at most OUTAGE_PATIENCE_SECONDS after it first
    failed."""
    failed_at: float | None = None
    attempt = 0
    while True:
        try:
            return await call()
        except queue_errors.ConnectorException as exc:
            now = time.monotonic()
            if failed_at is None:
                failed_at = now
            if not database_away(exc, repeatable=repeatable) or now - failed_at > OUTAGE_PATIENCE_SECONDS:
                raise
            if attempt == 0:
                log.warning("queue database unreachable (%s): %s waits for it", type(exc.__cause__).__name__, what)
        await asyncio.sleep(PAUSES[min(attempt, len(PAUSES) - 1)])
        attempt += 1


class PatientConnector(procrastinate.PsycopgConnector):
    """procrastinate's psycopg connector whose calls wait out a database outage (see the module's docstring)."""

    async def execute_query_async(self, query: Any, **arguments: Any) -> None:
        await patiently(lambda: super(PatientConnector, self).execute_query_async(query, **arguments),
                        repeatable=query in REPEATABLE, what=_name(query))

    async def execute_query_one_async(self, query: Any, **arguments: Any) -> dict[str, Any]:
        return await patiently(lambda: super(PatientConnector, self).execute_query_one_async(query, **arguments),
                               repeatable=query in REPEATABLE, what=_name(query))

    async def execute_query_all_async(self, query: Any, **arguments: Any) -> list[dict[str, Any]]:
        return await patiently(lambda: super(PatientConnector, self).execute_query_all_async(query, **arguments),
                               repeatable=query in REPEATABLE, what=_name(query))

    async def listen_notify(self, on_notification: Any, channels: Iterable[str]) -> None:
        """LISTEN again after the connection is lost (listening twice does nothing twice)."""
        channels = list(channels)
        while True:
            await patiently(lambda: super(PatientConnector, self).listen_notify(on_notification, channels),
                            repeatable=True, what="the LISTEN for new jobs")


_NAMES = {query: name for name, query in sql.queries.items()}


def _name(query: Any) -> str:
    return _NAMES.get(query, "a queue query")
