"""The scheduler as a deployment runs it: killed, restarted after missed nights, probing, checking,
exporting and picking up a queued recheck, then stopped with SIGTERM.

One service run (module fixture) carries the story; each test checks one promise of it.
"""

from __future__ import annotations

import json
import signal
import statistics
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from portalcheck.demo import DemoServer, serve_demo

from ..conftest import fresh_database
from ..crawl.runner import query
from .helpers import Service, as_datetime, cli, job_runs, plant_missed_run, wait_until, write_config

# Generous limits: these run real crawls, and a loaded CI machine may be several times slower.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


@dataclass
class Story:
    server: DemoServer
    db_url: str
    config: Path
    missed: datetime
    service_started: datetime
    stopped: datetime
    exit_code: int
    log: str
    queue_output: str


def stale_finding(db_url: str) -> list[tuple]:
    return query(db_url, """SELECT f.status, f.resolved_at FROM findings f JOIN columns c ON c.id = f.column_id
                            JOIN units u ON u.id = f.unit_id
                            WHERE f.rule = 'column.stale' AND u.name = '县发改局' AND c.name = '工作动态'""")


def run_story(server: DemoServer, folder: Path, db_url: str) -> Story:
    config = write_config(server, folder, db_url)
    first = Service(config, db_url, "first")
    first.wait_running()
    wait_until(lambda: query(db_url, "SELECT count(*) FROM apscheduler_jobs")[0][0] == 4, 10)
    first.kill()
    missed = plant_missed_run(config, "nightly", days=5)  # down for five nights

    service = Service(config, db_url, "restarted")
    started = datetime.now(UTC)
    service.wait_running()
    try:
        wait_until(lambda: any(r[2] != "running" for r in job_runs(db_url, "nightly")), 300,
                   lambda: f"no nightly run finished:\n{service.log[-4000:]}")
        assert stale_finding(db_url), "the nightly checks found 工作动态 stale"
        server.portal.publish("fgj", "gzdt", "县发改局召开整改工作推进会", date.today())
        queued = cli(config, db_url, "recheck", "--unit", "县发改局", "--queue")
        assert queued.returncode == 0, queued.stderr
        wait_until(lambda: query(db_url, "SELECT status FROM recheck_requests")[0][0] in ("done", "failed"),
                   300, lambda: f"recheck not processed:\n{service.log[-4000:]}")
    finally:
        exit_code = service.stop(signal.SIGTERM)
    return Story(server, db_url, config, missed, started, datetime.now(UTC), exit_code, service.log, queued.stderr)


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Story]:
    folder = tmp_path_factory.mktemp("service")
    with serve_demo(port=0) as server:
        for db_url in fresh_database(folder):
            yield run_story(server, folder, db_url)


def test_a_missed_night_runs_once_after_a_kill_and_restart(story: Story) -> None:
    runs = job_runs(story.db_url, "nightly")
    assert [r[2] for r in runs] == ["ok"], runs
    assert "nightly missed its run" in story.log
    [(next_run,)] = query(story.db_url, "SELECT next_run_time FROM apscheduler_jobs WHERE id = 'nightly'")
    upcoming = datetime.fromtimestamp(next_run, UTC).astimezone(ZoneInfo("Asia/Shanghai"))
    assert upcoming > datetime.now(UTC) and (upcoming.hour, upcoming.minute) == (1, 30)
    assert story.missed < as_datetime(runs[0][3]).replace(tzinfo=UTC)


def test_the_nightly_run_produces_findings_and_dated_exports(story: Story) -> None:
    [(_, _, outcome, _, _, error)] = job_runs(story.db_url, "nightly")
    assert outcome == "ok", error
    [(counts,)] = query(story.db_url, "SELECT counts FROM job_runs WHERE job = 'nightly'")
    counts = json.loads(counts) if isinstance(counts, str) else counts
    assert counts["crawl_status"] == "finished" and counts["pages"] > 0 and counts["checks"]["found"] > 0
    folder = story.config.parent / "exports"
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    for fmt in ("xlsx", "csv", "json"):
        assert (folder / f"findings-{today}.{fmt}").stat().st_size > 0
        assert (folder / f"findings.{fmt}").stat().st_size > 0
        assert (folder / f"warnings-{today}.{fmt}").stat().st_size > 0  # 预警清单 beside the findings
        assert (folder / f"warnings.{fmt}").stat().st_size > 0
    rows = json.loads((folder / "findings.json").read_text(encoding="utf-8"))
    assert any(r["rule"] == "column.stale" and r["unit"] == "县发改局" for r in rows)
    assert not list(folder.glob("*.partial"))


def test_probes_are_taken_at_the_configured_rate_even_during_the_crawl(story: Story) -> None:
    rows = query(story.db_url, """SELECT s.name, p.probed_at FROM probes p JOIN sites s ON s.id = p.site_id
                                  WHERE p.probed_at >= :since ORDER BY p.probed_at""",
                 since=story.service_started.replace(tzinfo=None))
    by_site: dict[str, list[datetime]] = {}
    for name, at in rows:
        by_site.setdefault(name, []).append(as_datetime(at))
    assert set(by_site) == {"青山县人民政府门户网站", "县发改局", "县统计局"}
    seconds = (story.stopped - story.service_started).total_seconds()
    for name, times in by_site.items():
        gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)]
        assert len(times) >= seconds * 0.5, (name, len(times), seconds)
        assert 0.8 <= statistics.median(gaps) <= 1.6, (name, gaps)
    [(_, _, _, crawl_start, crawl_end, _)] = job_runs(story.db_url, "nightly")
    during = [t for t in by_site["县统计局"] if as_datetime(crawl_start) <= t.replace(tzinfo=None) <= as_datetime(crawl_end)]
    assert len(during) >= 3, "probes never wait behind the nightly crawl"


def test_a_queued_recheck_is_picked_up_and_resolves_the_fixed_column(story: Story) -> None:
    assert "已提交复查请求" in story.queue_output
    [(status, result)] = query(story.db_url, "SELECT status, result FROM recheck_requests")
    result = json.loads(result) if isinstance(result, str) else result
    assert status == "done"
    assert [(f["rule"], f["column"]) for f in result["resolved"]] == [("column.stale", "工作动态")]
    assert len(result["after"]) == len(result["before"]) - 1
    [(finding_status, resolved_at)] = stale_finding(story.db_url)
    assert finding_status == "resolved" and resolved_at is not None
    assert [r[2] for r in job_runs(story.db_url, "recheck")][-1] == "ok"


def test_sigterm_stops_the_service_cleanly(story: Story) -> None:
    assert story.exit_code == 0, story.log[-3000:]
    assert "scheduler stopped" in story.log
    assert query(story.db_url, "SELECT count(*) FROM job_locks") == [(0,)]
    assert not [r for r in job_runs(story.db_url) if r[2] == "running"]
    assert query(story.db_url, "SELECT count(*) FROM crawl_runs WHERE status = 'running'") == [(0,)]
