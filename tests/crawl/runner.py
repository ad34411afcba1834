"""Run `portalcheck crawl` in a subprocess (Twisted's reactor cannot restart in one process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text

REPO = Path(__file__).resolve().parents[2]


def crawl(config: Path, db_url: str, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PORTALCHECK_DATABASE_URL": db_url, "PYTHONUNBUFFERED": "1"}
    return subprocess.run([sys.executable, "-m", "portalcheck.cli", "--config", str(config), "crawl", *args],
                          env=env, capture_output=True, text=True, timeout=timeout, cwd=REPO)


def query(db_url: str, sql: str, **params: object) -> list[tuple]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql), params)]
    finally:
        engine.dispose()


def portal_runs(db_url: str) -> list[dict]:
    """The portal spider's crawl runs, oldest first (other gatherers keep runs of their own)."""
    runs = []
    for run_id, status, counts in query(db_url, "SELECT id, status, counts FROM crawl_runs ORDER BY id"):
        counts = json.loads(counts) if isinstance(counts, str) else counts
        if counts.get("spider") == "portal":
            runs.append({"id": run_id, "status": status, "counts": counts})
    return runs


def visits(db_url: str) -> dict[str, tuple[str, str | None]]:
    """Column name → (status, reason) of the newest portal run."""
    rows = query(db_url, """
        SELECT c.name, v.status, v.reason FROM column_visits v JOIN columns c ON c.id = v.column_id
        WHERE v.run_id = :run""", run=portal_runs(db_url)[-1]["id"])
    return {name: (status, reason) for name, status, reason in rows}


def column_items(db_url: str) -> dict[str, set[str]]:
    """Each column's stored item URLs, by column URL: what two crawls of one portal are compared on."""
    out: dict[str, set[str]] = {}
    for column, item in query(db_url, "SELECT c.url, i.url FROM list_items i JOIN columns c ON c.id = i.column_id"):
        out.setdefault(column, set()).add(item)
    return out
