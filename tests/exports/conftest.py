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
from portalcheck.demo import DemoPortal, DemoServer, serve_demo
from portalcheck.exports import Period, export

from ..conftest import fresh_database
from ..crawl.runner import crawl
from ..crawl.test_demo_crawl import write_config

SHANGHAI = ZoneInfo("Asia/Shanghai")
INJECTED = '=HYPERLINK("http://evil.example/","点此领取补贴")'
PHONE_TITLE = "困难群众补贴发放名单公示（经办人手机13812345678）"


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
def exported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Exported]:
    from checks import run_checks
    from storage.session import Store

    folder = tmp_path_factory.mktemp("exports")
    with serve_demo(port=0) as server, pytest.MonkeyPatch.context() as patch:
        today = server.portal.today
        server.portal.publish("bhz", "xzdt", INJECTED, today)
        server.portal.publish("bhz", "tzgg", PHONE_TITLE, today - dt.timedelta(days=1))
        config_path = write_config(server, folder)
        for db_url in fresh_database(folder):
            result = crawl(config_path, db_url, "--full")
            assert result.returncode == 0, result.stderr[-3000:]
            patch.setenv("PORTALCHECK_DATABASE_URL", db_url)
            config = load_config(config_path)
            store = Store(db_url)
            now = dt.datetime.now(SHANGHAI)
            try:
                run_checks(store, config, as_of=now)
            finally:
                store.dispose()
            period = Period.make(today - dt.timedelta(days=400), today, now)
            yield Exported(server, config, config_path, db_url, folder, period)
