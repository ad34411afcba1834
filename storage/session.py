"""Engines and sessions: one place that knows SQLite from PostgreSQL.

Every command calls `open_store(url)`, which brings an empty or old database up to the
newest schema through Alembic before anything reads it; users never run migrations by hand
unless they want to (`portalcheck db upgrade`).

Alembic itself (~16 MB: its modules and the migration scripts it loads to find the head) is imported only
when a database is not at the newest schema, or for `portalcheck db`: a store already at the head is
recognised from its alembic_version row and the head revision read off the scripts' text
(BENCHMARKS.md, "Memory of a crawl process").
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig


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
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()  # alembic.ini serves the `alembic` command in a checkout; we need no file
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(url: str) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


_REVISION = re.compile(r"^revision(?:\s*:\s*str)?\s*=\s*[\"']([^\"']+)[\"']\s*$", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision(?:\s*:[^=]+)?=\s*[\"']([^\"']+)[\"']\s*$", re.MULTILINE)


@lru_cache(maxsize=1)
def scripts_head() -> str | None:
    """The head revision as the migration scripts state it (`revision = "…"`, `down_revision = "…"`), read as
    text: the one revision no script revises. None when the scripts do not say it that plainly (branches,
    merges, a script without a plain revision line): the caller then asks Alembic."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for script in sorted((migrations_dir() / "versions").glob("*.py")):
        source = script.read_text(encoding="utf-8")
        found, down = _REVISION.findall(source), _DOWN_REVISION.findall(source)
        if len(found) != 1 or len(down) > 1:
            return None
        revisions.add(found[0])
        revised.update(down)
    heads = revisions - revised
    return heads.pop() if len(heads) == 1 and revised <= revisions else None


def at_scripts_head(engine: Engine) -> bool:
    """The database's only alembic_version row is the scripts' head (False whenever that is not certain)."""
    head = scripts_head()
    if head is None:
        return False
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except DBAPIError:  # no version table yet: an empty database
        return False
    return rows == [head]


def upgrade(url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)


class Store:
    """A database opened at the newest schema, handing out sessions."""

    def __init__(self, url: str, *, migrate: bool = True):
        self.url = url
        self.engine = make_engine(url)
        # At the head already (every process but the first after an upgrade): no Alembic import at all.
        if migrate and not at_scripts_head(self.engine) and current_revision(self.engine) != head_revision(url):
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
