"""Fixtures of the queue tests: a PostgreSQL database of the test's own and the demo portal, served."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from portalcheck.demo import DemoServer, serve_demo

from .helpers import postgres_database


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from postgres_database()


@pytest.fixture
def server() -> Iterator[DemoServer]:
    with serve_demo() as served:
        yield served
