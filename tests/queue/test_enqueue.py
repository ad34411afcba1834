"""With a queue configured the scheduler's triggers enqueue and crawl nothing themselves; a unit job that keeps
failing ends as failed after `queue.retries` more tries, shown by `portalcheck status`, and the night still
gets its site-wide checks (the barrier counts failed jobs as settled)."""

from __future__ import annotations

from pathlib import Path

import pytest

import scheduler
from portalcheck.core.config import load_config
from portalcheck.demo import DemoServer
from storage.models import RecheckRequest
from storage.session import Store

from ..crawl.runner import query
from ..scheduler.helpers import cli, wait_until
from .helpers import Worker, queue_config

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def test_scheduler_triggers_enqueue_the_night_and_rechecks_instead_of_crawling(
        server: DemoServer, pg_url: str, tmp_path: Path) -> None:
    config_path = queue_config(server, tmp_path, pg_url, units=("县发改局", "县统计局"))
    config = load_config(config_path)
    store = Store(config.database_url())
    try:
        with store.session() as session:
            session.add(RecheckRequest(unit_name="县统计局", status="pending"))
        runtime = scheduler.Runtime(config, store)
        scheduler.run_job_with(runtime, "nightly")
        scheduler.run_job_with(runtime, "recheck_queue")
    finally:
        store.dispose()
    # Both units are on the demo's one host: one job for the night, its host as the lock.
    jobs = query(pg_url, "SELECT task_name, status::text, lock, priority, queueing_lock FROM procrastinate_jobs "
                         "ORDER BY id")
    host = "127.0.0.1"  # the hostname, without the port: Scrapy's download slot and the politeness limits
    assert jobs == [("portalcheck:crawl_units", "todo", f"host:{host}", 0, None),
                    ("portalcheck:crawl_units", "todo", f"host:{host}", 10, "recheck:县统计局")]
    assert query(pg_url, "SELECT units FROM queue_jobs ORDER BY id") == [(["县发改局", "县统计局"],), (["县统计局"],)]
    assert query(pg_url, "SELECT count(*) FROM crawl_runs")[0][0] == 0  # nothing crawled by the scheduler
    # The request is 复查中 until its job ends (the job settles it), claimed by the queue, not this process.
    job_id = query(pg_url, "SELECT id FROM procrastinate_jobs WHERE queueing_lock IS NOT NULL")[0][0]
    assert query(pg_url, "SELECT status, claimed_by FROM recheck_requests") == [("running", f"queue:{job_id}")]
    assert query(pg_url, "SELECT job, outcome FROM job_runs") == [("nightly", "ok")]


def test_unit_job_that_keeps_failing_ends_failed_after_its_tries_and_the_night_still_finishes(
        server: DemoServer, pg_url: str, tmp_path: Path) -> None:
    # The crawl subprocess cannot open its log file: every try fails at once, with that error.
    config_path = queue_config(server, tmp_path, pg_url, units=("县发改局",), queue={"retries": 1},
                               crawl={"log_file": "/proc/portalcheck-no-such-dir/crawl.log"})
    assert cli(config_path, pg_url, "db", "upgrade").returncode == 0
    from portalcheck.service.queue import enqueue_night

    enqueue_night(load_config(config_path))
    worker = Worker(config_path, pg_url, "w")
    try:
        worker.wait_running()
        wait_until(lambda: query(pg_url, "SELECT 1 FROM queue_nights WHERE finished_at IS NOT NULL"), 300,
                   lambda: worker.log[-4000:])
    finally:
        worker.stop()
    [(status, attempts, error)] = query(pg_url, "SELECT status, attempts, error FROM queue_jobs")
    assert (status, attempts) == ("failed", 2)
    assert "crawl failed" in error
    assert query(pg_url, "SELECT status::text, attempts FROM procrastinate_jobs WHERE task_name LIKE '%crawl_units'") \
        == [("failed", 2)]
    shown = cli(config_path, pg_url, "status").stdout
    assert "失败 1" in shown and "第 2 次尝试" in shown and "crawl failed" in shown
