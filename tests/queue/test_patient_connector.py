"""The queue's connection waits out a PostgreSQL outage for calls that may be asked twice, and does not send a
write again after its connection was cut mid-way. The cluster is the test's own (initdb on a free port)."""

from __future__ import annotations

import asyncio
import threading
import time

import psycopg
import pytest
from procrastinate import exceptions as queue_errors
from procrastinate import sql

from portalcheck.service.queue import conninfo
from portalcheck.service.queue_connector import PatientConnector

from ..pg_cluster import needs_postgres, own_cluster

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

POOL_WAIT = 1.0  # the pool gives up on a connection after this (30 s by default): the outage outlasts it
OUTAGE = 6.0


@needs_postgres
def test_a_repeatable_call_waits_for_the_database_to_come_back_past_the_pools_own_wait() -> None:
    with own_cluster() as cluster:
        connector = PatientConnector(conninfo=conninfo(cluster.url), timeout=POOL_WAIT)

        async def ask_through_outage() -> tuple[dict, float]:
            await connector.open_async()
            try:
                cluster.stop()
                threading.Timer(OUTAGE, cluster.start).start()
                began = time.monotonic()
                answer = await connector.execute_query_one_async(sql.queries["check_connection"])
                return answer, time.monotonic() - began
            finally:
                await connector.close_async()

        answer, took = asyncio.run(ask_through_outage())
    assert answer == {"check": None}  # the server's answer (no procrastinate schema in this database)
    assert took >= OUTAGE - 1.0  # it waited for the server, past the pool's own 1 s


@needs_postgres
def test_a_write_whose_connection_is_cut_mid_way_raises_and_is_not_sent_again() -> None:
    with own_cluster() as cluster:
        url = conninfo(cluster.url)
        with psycopg.connect(url, autocommit=True) as setup:
            setup.execute("CREATE TABLE sent (at timestamptz DEFAULT now())")
        connector = PatientConnector(conninfo=url, timeout=POOL_WAIT)
        write = "WITH i AS (INSERT INTO sent DEFAULT VALUES RETURNING 1) SELECT pg_sleep(30) FROM i"  # not one of the repeatable calls

        def cut_it() -> None:
            with psycopg.connect(url, autocommit=True) as admin:
                for _ in range(100):
                    if admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                     "WHERE query LIKE 'WITH i AS (INSERT INTO sent%'").fetchall():
                        return
                    time.sleep(0.1)

        async def write_once() -> BaseException | None:
            await connector.open_async()
            try:
                threading.Timer(1.0, cut_it).start()
                await connector.execute_query_async(write)  # type: ignore[arg-type]
            except queue_errors.ConnectorException as exc:
                return exc
            finally:
                await connector.close_async()
            return None

        began = time.monotonic()
        error = asyncio.run(write_once())
        took = time.monotonic() - began
        with psycopg.connect(url, autocommit=True) as check:
            sent = check.execute("SELECT count(*) FROM sent").fetchone()[0]
    assert isinstance(error, queue_errors.ConnectorException)
    assert isinstance(error.__cause__, psycopg.OperationalError)
    assert took < 20  # raised when cut, not after the sleep nor after waiting
    assert sent == 0  # the cut transaction rolled back, and it was not sent again
