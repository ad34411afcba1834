"""A host that starts refusing (here: 429 on every column) is paused for every worker: the worker whose
crawl saw it records the pause in the shared store, another worker's job of the same host waits for the
pause to end without sending it a request, and both units are crawled once the host answers again."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from portalcheck.core.config import load_config
from portalcheck.service.queue import enqueue_recheck

from ..crawl.runner import query
from ..scheduler.helpers import cli, wait_until
from ..servers import FixtureServer, send
from .helpers import Worker

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

PAUSE_SECONDS = 25
TODAY = time.strftime("%Y-%m-%d")


def page(title: str, body: str) -> str:
    return f'<html><head><meta charset="utf-8"><title>{title}</title></head><body>{body}</body></html>'


class RefusingHost:
    """Two units' pages on one loopback host; every column answers 429 while `refusing` is set. Each
    request's wall time is kept, to show what reached the host during its pause."""

    def __init__(self, address: str = "127.0.0.1") -> None:
        self.refusing = True
        self.times: list[tuple[float, str]] = []
        routes: dict[str, object] = {"/": self._answer(page("首页", ""))}
        for unit in ("u", "v"):
            nav = "".join(f'<li><a href="/{unit}/c{i}/">栏目{i}</a></li>' for i in range(30))
            routes[f"/{unit}/"] = self._answer(page(unit, f'<div class="nav"><ul>{nav}</ul></div>'))
            for i in range(30):
                items = f'<ul><li><a href="/{unit}/c{i}/a1.html">通知</a><span>{TODAY}</span></li></ul>'
                routes[f"/{unit}/c{i}/"] = self._answer(page(f"栏目{i}", items), column=True)
                routes[f"/{unit}/c{i}/a1.html"] = self._answer(page("通知", f"<p>{TODAY} 发布</p>"))
        self.server = FixtureServer(routes, address)

    def _answer(self, body: str, *, column: bool = False):
        def handle(handler) -> None:
            self.times.append((time.time(), handler.path))
            if column and self.refusing:
                send(handler, 429, "<html><title>429 Too Many Requests</title></html>", headers={"Retry-After": "0"})
            else:
                send(handler, 200, body)
        return handle


def write_config(folder: Path, base: str, db_url: str) -> Path:
    data = {"portal": {"name": "青山县人民政府", "home": f"{base}/", "site_code": "3609990001"},
            "units": [{"name": "白鹤镇", "kind": "乡镇", "site": f"{base}/u/"},
                      {"name": "黄龙乡", "kind": "乡镇", "site": f"{base}/v/"}],
            "crawl": {"concurrency_per_host": 2, "delay_seconds": 0, "autothrottle": False, "retries": 0,
                      "check_external_links": False},
            "database": {"url": db_url},
            "queue": {"stalled_seconds": 5, "retries": 2, "host_pause_seconds": PAUSE_SECONDS}}
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_refusing_host_is_paused_for_every_worker_and_its_units_are_crawled_after_the_pause(
        pg_url: str, tmp_path: Path) -> None:
    host = RefusingHost()
    try:
        config_path = write_config(tmp_path, host.server.base_url, pg_url)
        assert cli(config_path, pg_url, "db", "upgrade").returncode == 0
        config = load_config(config_path)

        first = Worker(config_path, pg_url, "first")
        first.wait_running()
        try:
            assert enqueue_recheck(config, "白鹤镇") is not None
            wait_until(lambda: query(pg_url, "SELECT 1 FROM host_pauses"), 240,
                       lambda: f"no pause recorded:\n{first.log[-4000:]}")
        finally:
            first.stop()
        [(paused_host, until, reason)] = query(pg_url, "SELECT host, until, reason FROM host_pauses")
        assert paused_host == "127.0.0.1" and "拒绝访问" in reason  # the hostname: every port of it rests

        # Another worker, another unit of the same host: it must not touch the host during the pause.
        second = Worker(config_path, pg_url, "second")
        second.wait_running()
        try:
            asked_at = time.time()
            assert enqueue_recheck(config, "黄龙乡") is not None
            wait_until(lambda: "units of paused host" in second.log, 60, lambda: second.log[-4000:])
            host.refusing = False  # the WAF lets us in again, after the pause
            wait_until(lambda: query(pg_url, "SELECT count(*) FROM queue_jobs WHERE status = 'done'")[0][0] == 2,
                       PAUSE_SECONDS + 240, lambda: second.log[-4000:])
        finally:
            second.stop()
    finally:
        host.server.stop()

    until = until if isinstance(until, datetime) else datetime.fromisoformat(str(until))
    until_ts = (until if until.tzinfo else until.replace(tzinfo=UTC)).timestamp()  # stored as naive UTC
    during_pause = [(t, path) for t, path in host.times if asked_at <= t < until_ts - 1]
    assert not during_pause, during_pause  # no worker asked the paused host anything
    rows = query(pg_url, "SELECT units, status, counts FROM queue_jobs ORDER BY id")
    assert [(units, status) for units, status, _ in rows] == [(["白鹤镇"], "done"), (["黄龙乡"], "done")]
    for _, _, counts in rows:
        counts = counts if isinstance(counts, dict) else json.loads(counts)
        assert counts["pauses"] == 1
    # After the pause both units' columns were read (the deferred jobs crawled them).
    seen = query(pg_url, "SELECT count(*) FROM column_visits v JOIN crawl_runs r ON r.id = v.run_id "
                         "WHERE v.status != 'not_seen'")[0][0]
    assert seen >= 60
