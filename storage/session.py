"""Engines and sessions: one place that knows SQLite from PostgreSQL.

Every command calls `open_store(url)`, which brings an empty or old database up to the
newest schema through Alembic before anything reads it; users never run migrations by hand
unless they want to (`portalcheck db upgrade`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from alembic import command


def migrations_dir() -> Path:
    """Alembic's script folder: storage/migrations/ inside an installed wheel (setup.cfg ships alembic/ there),
    alembic/ beside the packages in a checkout, editable installs included."""
    installed = Path(__file__).resolve().with_name("migrations")
    return installed if installed.is_dir() else Path(__file__).resolve().parent.parent / "alembic"


# Ops and test knob: extra PRAGMAs for every SQLite connection of this process, e.g.
# "max_page_count=2000" (a full disk in a test) or "busy_timeout=2000" (give up on a lock sooner).
ENV_SQLITE_PRAGMAS = "PORTALCHECK_SQLITE_PRAGMAS"
_PRAGMA = re.compile(r"^\s*([a-z_]+)\s*=\s*(-?\w+)\s*$")


def extra_sqlite_pragmas(text: str | None = None) -> list[str]:
    """The PRAGMA statements of PORTALCHECK_SQLITE_PRAGMAS ("name=value;name=value"); anything else is refused."""
    text = os.environ.get(ENV_SQLITE_PRAGMAS, "") if text is None else text
    statements = []
    for part in filter(str.strip, text.split(";")):
        match = _PRAGMA.match(part)
        if not match:
            raise ValueError(f"{ENV_SQLITE_PRAGMAS}: expected name=value, got {part!r}")
        statements.append(f"PRAGMA {match[1]}={match[2]}")
    return statements


def make_engine(url: str, **options: Any) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout (several writers)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **options)
        extra = extra_sqlite_pragmas()

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            for statement in extra:
                cursor.execute(statement)
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, **options)


def alembic_config(url: str) -> AlembicConfig:
    config = AlembicConfig()  # alembic.ini serves the `alembic` command in a checkout; we need no file
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


class Store:
    """A database opened at the newest schema, handing out sessions."""

    def __init__(self, url: str, *, migrate: bool = True):
        self.url = url
        self.engine = make_engine(url)
        if migrate and current_revision(self.engine) != head_revision(url):
            upgrade(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back if it raises."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        """A command's store is disposed however the command ends (`with Store(url) as store:`)."""
        self.dispose()


def open_store(url: str) -> Store:
    return Store(url)
