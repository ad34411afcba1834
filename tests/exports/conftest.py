"""One crawl of the demo portal (with planted titles) and one check run, shared by the export tests.

The exports are asserted against the demo's own ground truth (`DemoPortal.units`, `truth()`), so
what an inspector would read in the spreadsheet is what the portal really holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from portalcheck.core.config import Config, load_config
from portalcheck.demo import DemoPortal, DemoServer
from portalcheck.exports import Period, export

from ..conftest import INJECTED_TITLE, DemoCrawl

SHANGHAI = ZoneInfo("Asia/Shanghai")
INJECTED = INJECTED_TITLE  # planted by the session's demo crawl


@dataclass
class Exported:
    """The crawled and checked demo portal, and a way to write any export of it."""

    server: DemoServer
    config: Config
    config_path: Path
    db_url: str
    folder: Path
    period: Period

    @property
    def portal(self) -> DemoPortal:
        return self.server.portal

    def export(self, kind: str, fmt: str, name: str | None = None, **kwargs: object) -> Path:
        path = self.folder / (name or f"{kind}.{fmt}")
        return export(self.config, kind, path, fmt=fmt, period=kwargs.pop("period", self.period), **kwargs)


@pytest.fixture(scope="package")
def exported(demo_crawl: DemoCrawl, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Exported]:
    """The session's demo crawl (tests/conftest.py: planted titles, checked once), exported here."""
    folder = tmp_path_factory.mktemp("exports")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PORTALCHECK_DATABASE_URL", demo_crawl.db_url)
        config = load_config(demo_crawl.config)
        today = demo_crawl.portal.today
        as_of = demo_crawl.checked_at.astimezone(SHANGHAI)
        period = Period.make(today - dt.timedelta(days=400), today, as_of)
        yield Exported(demo_crawl.server, config, demo_crawl.config, demo_crawl.db_url, folder, period)
