"""Operator alerts to the office: the nightly run failed, the portal is unreachable, a collector is blocked.
An alert never holds up the job that raised it, and a slow office receiver does not change the run's result."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from portalcheck.core.config import Config, NotificationsConfig, load_config
from portalcheck.service.crawls import Runtime
from portalcheck.service.nightly import nightly
from portalcheck.service.notify import alert_blocked_collectors, wait_for_background
from portalcheck.service.probes import probe
from storage.models import Account, Unit
from storage.session import Store
from tests.config_files import write_config_file

from ..crawl.runner import query
from .receivers import Robots, Slow, _free_port


@pytest.fixture
def robots() -> Iterator[Robots]:
    server = Robots()
    yield server
    server.stop()


def write_config(folder: Path, db_url: str, home: str) -> Path:
    data = {"portal": {"name": "青山县人民政府门户网站", "home": home, "site_code": "3609990001"},
            "units": [{"name": "县发改局", "site": home + "bm/fgj/"}], "database": {"url": db_url}}
    return write_config_file(folder, data)


def with_office(config: Config, *urls: str, **more: object) -> Config:
    settings = NotificationsConfig(office=list(urls), timeout_seconds=1, retries=1, backoff_seconds=0.05, **more)
    return config.model_copy(update={"notifications": settings})


def test_a_failed_nightly_run_alerts_the_office_without_waiting_for_it(
        tmp_path: Path, db_url: str, store: Store, robots: Robots) -> None:
    path = write_config(tmp_path, db_url, f"http://127.0.0.1:{_free_port()}/")
    slow = Slow(seconds=6)
    try:
        config = with_office(load_config(path), slow.url, robots.wecom_url)
        # The config file is gone when the night starts (moved by an operator): the crawl cannot start.
        config = config.model_copy(update={"source": tmp_path / "moved-away.yaml"})
        outcome = nightly(Runtime(config, store))
        still_sending = not wait_for_background(timeout=0)
        [(run_outcome, error)] = query(db_url, "SELECT outcome, error FROM job_runs WHERE job = 'nightly'")
        assert wait_for_background(timeout=60)
    finally:
        slow.stop()
    assert outcome == "failed" and run_outcome == "failed" and "crawl subprocess failed" in error
    assert still_sending  # the run was over and recorded while the slow receiver was still being tried
    [text] = robots.texts("wecom")
    assert "【运维告警】夜间增量抓取与检查失败" in text and "任务 nightly" in text
    rows = query(db_url, "SELECT kind, status, attempts FROM notification_log ORDER BY id")
    assert rows == [("alert", "failed", 2), ("alert", "sent", 1)]


def test_an_unreachable_portal_alerts_the_office_once_a_day(tmp_path: Path, db_url: str, store: Store,
                                                            robots: Robots) -> None:
    path = write_config(tmp_path, db_url, f"http://127.0.0.1:{_free_port()}/")  # nobody listens there
    runtime = Runtime(with_office(load_config(path), robots.wecom_url), store)
    assert probe(runtime) == "ok"
    assert wait_for_background(timeout=60)
    assert probe(runtime) == "ok"
    assert wait_for_background(timeout=60)
    [text] = robots.texts()
    assert "【运维告警】门户网站无法访问" in text and "连接被拒绝" in text
    assert query(db_url, "SELECT kind, status FROM notification_log") == [("alert:portal", "sent")]


def test_a_blocked_collector_alerts_the_office_with_what_to_do(tmp_path: Path, db_url: str, store: Store,
                                                               robots: Robots) -> None:
    config = with_office(load_config(write_config(tmp_path, db_url, "http://127.0.0.1:9/")), robots.wecom_url)
    night_began = datetime.now(UTC)
    with store.session() as session:
        unit = Unit(name="县发改局", kind="部门", site_url="http://127.0.0.1:9/bm/fgj/")
        session.add(unit)
        session.flush()
        session.add_all([
            Account(unit_id=unit.id, platform="weibo", name="青山发改", health="rate_limited",
                    checked_at=night_began + timedelta(minutes=5)),
            Account(unit_id=unit.id, platform="wechat", name="青山统计", health="ok", checked_at=night_began),
            Account(unit_id=unit.id, platform="weibo", name="昨天的", health="login_expired",
                    checked_at=night_began - timedelta(days=1))])
    sent = alert_blocked_collectors(config, store, night_began, background=False)
    assert [s.status for s in sent] == ["sent"]
    [text] = robots.texts()
    assert "【运维告警】采集受阻" in text and "县发改局·青山发改（weibo）：被平台限制访问" in text
    assert "青山统计" not in text and "昨天的" not in text
