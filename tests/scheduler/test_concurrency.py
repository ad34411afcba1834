"""Never overlap, survive stops: two schedulers on one database, and SIGTERM in the middle of a crawl."""

from __future__ import annotations

import json
import signal
from datetime import datetime
from pathlib import Path

import pytest

from portalcheck.demo import serve_demo
from scheduler import STOP_GRACE_SECONDS

from ..crawl.runner import query
from .helpers import Service, as_datetime, job_runs, plant_missed_run, wait_until, write_config

# Generous limits: these run real crawls, and a loaded CI machine may be several times slower.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def first_start(config: Path, db_url: str) -> None:
    """A scheduler that ran once and was killed: its jobs are in the store."""
    service = Service(config, db_url, "first")
    service.wait_running()
    wait_until(lambda: query(db_url, "SELECT count(*) FROM apscheduler_jobs")[0][0] == 4, 10)
    service.kill()


def crawl_spans(db_url: str) -> list[tuple[set[str] | None, datetime, datetime]]:
    """(units, start, end) of each crawl subprocess (its gatherers write one crawl_runs row each)."""
    rows = query(db_url, "SELECT unit_filter, started_at, finished_at, status, counts FROM crawl_runs ORDER BY id")
    assert all(status != "running" for *_, status, _ in rows), rows
    spans: dict[int, tuple[set[str] | None, datetime, datetime]] = {}
    for unit_filter, start, end, _, counts in rows:
        pid = (json.loads(counts) if isinstance(counts, str) else counts)["pid"]
        units = set(unit_filter.split(",")) if unit_filter else None
        start, end = as_datetime(start), as_datetime(end)
        if pid in spans:
            start, end = min(start, spans[pid][1]), max(end, spans[pid][2])
        spans[pid] = (units, start, end)
    return list(spans.values())


def crawl_log_tail(config: Path) -> str:
    """What the crawl subprocess did while it was being stopped, for a failure's message."""
    return "\n".join(line for line in (config.parent / "logs" / "crawl.log").read_text(encoding="utf-8")
                      .splitlines()[-200:] if " DEBUG: " not in line)[-4000:]


def portal_run_statuses(db_url: str) -> list[str]:
    rows = query(db_url, "SELECT status, counts FROM crawl_runs ORDER BY id")
    return [status for status, counts in rows
            if (json.loads(counts) if isinstance(counts, str) else counts).get("spider") == "portal"]


def test_two_schedulers_on_one_database_never_crawl_a_unit_twice_at_once(tmp_path: Path, db_url: str) -> None:
    """The second scheduler is started only once the first holds the night, with the night due again and a
    recheck of a unit it is crawling queued: both must meet the held locks, not merely run one after the other."""
    import scheduler
    from portalcheck.core.config import load_config
    from storage.session import Store

    with serve_demo(port=0) as server:
        config = write_config(server, tmp_path, db_url, crawl={"delay_seconds": 0.05, "concurrency_per_host": 1})
        first_start(config, db_url)
        plant_missed_run(config, "nightly")
        services = [Service(config, db_url, "one")]
        try:
            wait_until(lambda: query(db_url, "SELECT count(*) FROM job_locks WHERE name = 'unit:县发改局'")[0][0],
                       120, lambda: services[0].log[-3000:])  # the first is crawling the night
            plant_missed_run(config, "nightly")  # due again while it is held
            store = Store(db_url)
            scheduler.queue_recheck(store, load_config(config), "县发改局")
            store.dispose()
            services.append(Service(config, db_url, "two"))
            wait_until(lambda: "ok" in [r[2] for r in job_runs(db_url, "nightly")]
                       and "skipped" in [r[2] for r in job_runs(db_url, "nightly")]
                       and query(db_url, "SELECT status FROM recheck_requests")[0][0] == "done", 300,
                       lambda: "\n".join(s.log[-3000:] for s in services))
        finally:
            codes = [s.stop() for s in services]
    assert codes == [0, 0]
    nightly = job_runs(db_url, "nightly")
    assert [r[2] for r in nightly].count("ok") == 1 and {r[2] for r in nightly} == {"ok", "skipped"}, nightly
    rechecks = job_runs(db_url, "recheck")
    assert [r[2] for r in rechecks].count("ok") == 1 and {r[2] for r in rechecks} <= {"ok", "skipped"}, rechecks
    spans = crawl_spans(db_url)
    assert len(spans) == 2, spans
    night_crawl_end = next(end for units, _, end in spans if units is None)
    asked = as_datetime(query(db_url, "SELECT requested_at FROM recheck_requests")[0][0])
    assert asked < night_crawl_end, "the recheck was asked for while the night's crawl held the unit"
    for i, (units_a, start_a, end_a) in enumerate(spans):
        for units_b, start_b, end_b in spans[i + 1:]:
            if units_a is None or units_b is None or units_a & units_b:
                assert end_a <= start_b or end_b <= start_a, "the same unit was crawled by two jobs at once"


def test_sigterm_mid_crawl_stops_cleanly_and_the_night_resumes_at_restart(tmp_path: Path, db_url: str) -> None:
    with serve_demo(port=0) as server:
        config = write_config(server, tmp_path, db_url, crawl={"delay_seconds": 0.05, "concurrency_per_host": 1})
        first_start(config, db_url)
        plant_missed_run(config, "nightly")
        service = Service(config, db_url, "interrupted")
        try:
            wait_until(lambda: query(db_url, "SELECT count(*) FROM pages")[0][0] > 0, 90, lambda: service.log)
        finally:
            # Past the scheduler's own grace and force (a slow machine must not fail this), then asserted clean.
            code = service.stop(signal.SIGTERM, timeout=STOP_GRACE_SECONDS + 60)
        stopping = service.log[service.log.find("received SIGTERM"):]
        assert code == 0, stopping[-3000:]
        assert "sending SIGINT to crawl subprocess" in stopping
        assert "did not stop within" not in stopping, crawl_log_tail(config)
        assert [r[2] for r in job_runs(db_url, "nightly")] == ["interrupted"]
        assert portal_run_statuses(db_url) == ["interrupted"]
        assert query(db_url, "SELECT count(*) FROM crawl_runs WHERE status = 'running'") == [(0,)]
        assert query(db_url, "SELECT count(*) FROM job_locks") == [(0,)]
        pages_before = query(db_url, "SELECT count(*) FROM pages")[0][0]

        write_config(server, tmp_path, db_url)  # full speed again; the schedule itself is unchanged
        again = Service(config, db_url, "again")
        try:
            wait_until(lambda: len(job_runs(db_url, "nightly")) == 2 and job_runs(db_url, "nightly")[1][2] != "running",
                       300, lambda: again.log[-3000:])
        finally:
            assert again.stop() == 0
    assert "nightly was interrupted last time; running it again now" in again.log
    assert [r[2] for r in job_runs(db_url, "nightly")] == ["interrupted", "ok"]
    # the restarted night continued the interrupted crawl run instead of starting over
    assert portal_run_statuses(db_url) == ["finished"]
    assert query(db_url, "SELECT count(*) FROM pages")[0][0] >= pages_before


def test_scheduler_killed_mid_crawl_runs_the_night_again_at_once_on_restart(tmp_path: Path, db_url: str) -> None:
    """SIGKILL leaves the crawl subprocess orphaned, stopping itself while it still holds the night's locks; a
    scheduler restarted at once must wait for it and run the night again, not skip it until tomorrow."""
    with serve_demo(port=0) as server:
        config = write_config(server, tmp_path, db_url, crawl={"delay_seconds": 0.05, "concurrency_per_host": 1})
        first_start(config, db_url)
        plant_missed_run(config, "nightly")
        service = Service(config, db_url, "killed")
        wait_until(lambda: query(db_url, "SELECT count(*) FROM pages")[0][0] > 0, 90, lambda: service.log)
        service.kill()
        again = Service(config, db_url, "again")  # at once: the orphaned crawl is still stopping
        try:
            wait_until(lambda: len(job_runs(db_url, "nightly")) >= 2
                       and job_runs(db_url, "nightly")[-1][2] not in ("running",), 300, lambda: again.log[-3000:])
        finally:
            assert again.stop() == 0
    assert [r[2] for r in job_runs(db_url, "nightly")] == ["killed", "ok"], again.log[-3000:]
    assert "nightly was killed last time; running it again now" in again.log
    assert portal_run_statuses(db_url)[-1] == "finished"
    assert query(db_url, "SELECT count(*) FROM job_locks") == [(0,)]
