"""A small demo night for the notification tests: two units of the demo portal crawled and checked once per
module, so the digest speaks of real findings (县发改局 has a stale column among others)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from portalcheck.core.config import Config, NotificationsConfig, load_config
from portalcheck.demo import serve_demo
from storage.session import Store

from ..conftest import fresh_database
from ..crawl.runner import crawl, query
from ..scheduler.helpers import UNITS, write_config


@dataclass
class Night:
    server: Any
    config_path: Path
    db_url: str
    store: Store

    def config(self, **notifications: Any) -> Config:
        base = load_config(self.config_path)
        settings = {"timeout_seconds": 3, "retries": 1, "backoff_seconds": 0.05,
                    "workspace_url": "http://ws.example.gov.cn", **notifications}
        return base.model_copy(update={"notifications": NotificationsConfig(**settings)})

    def active_counts(self) -> dict[str, int]:
        """Each unit's findings a first digest must count (new or regressed), straight from the store."""
        rows = query(self.db_url, "SELECT u.name, count(f.id) FROM units u JOIN findings f ON f.unit_id = u.id "
                                  "WHERE f.status IN ('new', 'regressed') GROUP BY u.name")
        return {name: count for name, count in rows}


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Night]:
    from checks import run_checks

    folder = tmp_path_factory.mktemp("notify_night")
    with serve_demo(port=0) as server:
        for db_url in fresh_database(folder):
            path = write_config(server, folder, db_url)
            result = crawl(path, db_url)
            assert result.returncode == 0, result.stderr[-3000:]
            store = Store(db_url)
            try:
                run_checks(store, load_config(path), as_of=datetime.now(UTC))
                yield Night(server, path, db_url, store)
            finally:
                store.dispose()


@pytest.fixture
def fresh_log(night: Night) -> Night:
    """Each test starts with an empty sent-log (the night's findings are shared)."""
    with night.store.engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM notification_log")
    return night


__all__ = ["UNITS", "Night"]
