"""Shared fixtures: a fresh database per test, SQLite by default or PostgreSQL when
PORTALCHECK_TEST_DATABASE_URL is set (CI sets it, so the suite proves both)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from storage.session import Store

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


def _fresh_postgres(base_url: str) -> Iterator[str]:
    name = f"pc_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def fresh_database(folder: Path) -> Iterator[str]:
    """An empty database: a SQLite file in `folder`, or a new PostgreSQL database dropped afterwards."""
    base = os.environ.get("PORTALCHECK_TEST_DATABASE_URL")
    if base:
        yield from _fresh_postgres(base)
    else:
        yield f"sqlite:///{folder / 'portalcheck.db'}"


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    """URL of an empty database that exists only for this test."""
    yield from fresh_database(tmp_path)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    opened = Store(db_url)
    yield opened
    opened.dispose()
