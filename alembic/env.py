"""Alembic environment: our models are the target; SQLite needs batch mode to ALTER."""

from __future__ import annotations

import os

from sqlalchemy import pool

from alembic import context
from storage.models import Base, UTCDateTime
from storage.session import make_engine

config = context.config
target_metadata = Base.metadata


def _database_url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    if os.environ.get("PORTALCHECK_DATABASE_URL"):
        return os.environ["PORTALCHECK_DATABASE_URL"]
    from portalcheck.core.config import load_config

    return load_config().database_url()


def render_item(kind: str, obj: object, autogen_context: object) -> str | bool:
    """Migrations spell UTCDateTime as plain DateTime, so they never import model code."""
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def run_migrations_offline() -> None:
    context.configure(
        url=_database_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(_database_url(), poolclass=pool.NullPool)  # nothing kept open after
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            render_item=render_item,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
