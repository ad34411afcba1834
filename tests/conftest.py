"""Shared fixtures: a fresh database per test, SQLite by default or PostgreSQL when
PORTALCHECK_TEST_DATABASE_URL is set (CI sets it, so the suite proves both)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, make_url, text

from storage.session import Store

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


def fresh_postgres(base_url: str, *, skip_unreachable: str | None = None) -> Iterator[str]:
    """A new PostgreSQL database beside `base_url`'s, dropped afterwards. `skip_unreachable`: why the test
    needs PostgreSQL, to skip it (instead of failing) when the server cannot be reached."""
    name = f"pc_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        if skip_unreachable is None:
            raise
        pytest.skip(f"{skip_unreachable} and {base_url} is unreachable: {type(exc).__name__}")
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
        yield from fresh_postgres(base)
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


@dataclass
class DemoCrawl:
    """The bundled demo portal, served, crawled in full (pages, boards, accounts) and checked once per test
    session: the tests that only read the result share it (crawl, exports, boards, accounts)."""

    server: Any  # portalcheck.demo.DemoServer
    config: Path
    db_url: str
    crawl: Any  # the crawl's CompletedProcess (its Chinese summary is on stderr)
    checked_at: datetime

    @property
    def portal(self) -> Any:
        return self.server.portal

    def url(self, path: str) -> str:
        return self.server.base_url + path


# Planted before the crawl for the export tests: crawled text that must reach spreadsheets harmless.
INJECTED_TITLE = '=HYPERLINK("http://evil.example/","点此领取补贴")'
PHONE_TITLE = "困难群众补贴发放名单公示（经办人手机13812345678）"


@pytest.fixture(scope="session")
def demo_crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoCrawl]:
    from checks import run_checks
    from portalcheck.core.config import load_config
    from portalcheck.demo import serve_demo
    from tests.crawl.runner import crawl
    from tests.crawl.test_demo_crawl import write_config

    folder = tmp_path_factory.mktemp("demo_crawl")
    with serve_demo(port=0) as server:
        today = server.portal.today
        server.portal.publish("bhz", "xzdt", INJECTED_TITLE, today)
        server.portal.publish("bhz", "tzgg", PHONE_TITLE, today - timedelta(days=1))
        config = write_config(server, folder)
        for db_url in fresh_database(folder):
            result = crawl(config, db_url, "--full")
            assert result.returncode == 0, result.stderr[-3000:]
            store = Store(db_url)
            checked_at = datetime.now(timezone.utc)
            try:
                run_checks(store, load_config(config), as_of=checked_at)
            finally:
                store.dispose()
            yield DemoCrawl(server, config, db_url, result, checked_at)
