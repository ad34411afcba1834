"""Units as jobs on procrastinate (issue #15): real `portalcheck worker` processes, a PostgreSQL database of
the test's own, the demo portal on loopback.

- a night on two workers: the host lock keeps the two units of one host apart (politeness across
  workers), a recheck enqueued meanwhile goes first (priority), and the site-wide checks + exports run
  once, after the last unit job;
- kill -9 of a worker in the middle of a crawl: another worker retries the job once the engine sees it
  stalled, the crawl run of the job's token resumes, and no column is lost.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from portalcheck.core.config import load_config
from portalcheck.demo import DemoServer
from portalcheck.service.queue import enqueue_night, enqueue_recheck

from ..crawl.runner import query
from ..scheduler.helpers import REPO, cli, env_for, wait_until
from .helpers import Worker, queue_config

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

UNITS = ("县发改局", "县统计局")


def migrate(config: Path, db_url: str) -> None:
    done = cli(config, db_url, "db", "upgrade")
    assert done.returncode == 0, done.stderr


def queue_jobs(db_url: str) -> list[tuple]:
    """(id, kind, units, status, attempts, started_at, finished_at, error) oldest first."""
    return query(db_url, "SELECT id, kind, units, status, attempts, started_at, finished_at, error "
                         "FROM queue_jobs ORDER BY id")


def night_finished(db_url: str) -> bool:
    return bool(query(db_url, "SELECT 1 FROM queue_nights WHERE finished_at IS NOT NULL"))


def test_night_on_two_workers_checks_site_once_after_last_unit_and_keeps_one_host_to_one_worker(
        server: DemoServer, pg_url: str, tmp_path: Path) -> None:
    config_path = queue_config(server, tmp_path, pg_url, units=UNITS, queue={"group_by_host": False})
    migrate(config_path, pg_url)
    config = load_config(config_path)
    night = enqueue_night(config)
    recheck_job = enqueue_recheck(config, "县统计局")
    assert recheck_job is not None
    assert enqueue_recheck(config, "县统计局") is None  # the queueing lock folds a second request in

    workers = [Worker(config_path, pg_url, f"w{i}", "--concurrency", "2") for i in (1, 2)]
    try:
        for worker in workers:
            worker.wait_running()
        wait_until(lambda: night_finished(pg_url), 600,
                   lambda: "night did not finish:\n" + "\n".join(w.log[-3000:] for w in workers))
    finally:
        for worker in workers:
            worker.stop()

    jobs = queue_jobs(pg_url)
    assert [(kind, status) for _, kind, _, status, *_ in jobs] == [("unit", "done"), ("unit", "done"),
                                                                   ("recheck", "done")]
    # One host: its jobs ran one after another although four job slots were free (politeness across
    # workers), the recheck first (priority over the night's waiting jobs).
    spans = sorted((started, finished, kind) for _, kind, _, _, _, started, finished, _ in jobs)
    assert spans[0][2] == "recheck"
    for (_, end, _), (start, _, _) in zip(spans, spans[1:], strict=False):
        assert start >= end, spans
    # The barrier: the site-wide run happened once, after the night's last unit job.
    finishes = query(pg_url, "SELECT started_at, outcome FROM job_runs WHERE job = 'queue_finish'")
    assert len(finishes) == 1 and finishes[0][1] == "ok"
    last_unit = max(finished for _, kind, _, _, _, _, finished, _ in jobs if kind == "unit")
    assert finishes[0][0] >= last_unit
    # The figures the exports read (verdicts, 附件2–4 over every unit) were stored by the recheck and once by
    # the site-wide run, never by a night's unit job: a province's job pays for its own units only.
    assert [units for (units,) in query(pg_url, "SELECT units FROM check_runs ORDER BY id")] == [["县统计局"], None]
    assert (tmp_path / "exports" / "findings.json").exists()
    # Each job found its crawl by its run token (the job id), never by a process id.
    tokens = {token for (token,) in query(pg_url, "SELECT counts->>'token' FROM crawl_runs")}
    job_ids = [job_id for (job_id,) in query(pg_url, "SELECT job_id FROM queue_jobs ORDER BY id")]
    assert tokens == {f"queue-job-{job_id}" for job_id in job_ids}

    status = cli(config_path, pg_url, "status")
    assert status.returncode == 0, status.stderr
    assert f"夜间任务 {night}" in status.stdout
    assert "2/2" in status.stdout and "完成 2" in status.stdout
    assert "全站检查与导出已完成" in status.stdout
    assert "县发改局" in status.stdout and "县统计局" in status.stdout


def test_worker_killed_mid_crawl_another_worker_resumes_the_run_and_loses_no_column(
        server: DemoServer, pg_url: str, tmp_path: Path) -> None:
    unit = "县发改局"
    # Slow and gentle, so the kill lands in the middle of the crawl.
    config_path = queue_config(server, tmp_path, pg_url, units=(unit,),
                               crawl={"concurrency_per_host": 1, "delay_seconds": 0.25})
    migrate(config_path, pg_url)
    enqueue_night(load_config(config_path))

    first = Worker(config_path, pg_url, "first")
    first.wait_running()

    def pages_read() -> int:
        return query(pg_url, "SELECT count(*) FROM pages")[0][0]

    try:
        wait_until(lambda: pages_read() >= 8, 300, lambda: f"crawl did not start:\n{first.log[-3000:]}")
        first.kill9()
        read_before_kill = pages_read()
        second = Worker(config_path, pg_url, "second")
        second.wait_running()
        try:
            wait_until(lambda: night_finished(pg_url), 600, lambda: f"no retry:\n{second.log[-4000:]}")
        finally:
            second.stop()
    finally:
        if first.process.poll() is None:
            first.kill9()

    [(_, _, _, status, attempts, _, _, _)] = queue_jobs(pg_url)
    assert status == "done" and attempts == 2
    assert "stalled" in second.log
    # The retry resumed the killed try's crawl run (same token): one portal run, finished, marked resumed.
    runs = query(pg_url, "SELECT id, status, counts->>'resumed' FROM crawl_runs "
                         "WHERE counts->>'spider' = 'portal' ORDER BY id")
    assert len(runs) == 1 and runs[0][1] == "finished" and runs[0][2] == "true", runs
    assert pages_read() > read_before_kill

    # No column lost: the same columns as an uninterrupted crawl of the unit, each read fully.
    got = set(query(pg_url, "SELECT c.url, v.status FROM columns c JOIN column_visits v ON v.column_id = c.id "
                            "WHERE v.run_id = :run", run=runs[0][0]))
    reference_db = f"sqlite:///{tmp_path / 'reference.db'}"
    done = subprocess.run([sys.executable, "-m", "portalcheck.cli", "--config", str(config_path), "crawl",
                           "--unit", unit], env=env_for(reference_db), capture_output=True, text=True,
                          timeout=600, cwd=REPO)
    assert done.returncode == 0, done.stderr[-2000:]
    reference = set(query(reference_db, "SELECT c.url, v.status FROM columns c JOIN column_visits v "
                                        "ON v.column_id = c.id"))
    assert got == reference
    # No duplicate rows: each column and list entry once (a resumed run adds to, never repeats, its rows).
    assert not query(pg_url, "SELECT unit_id, url FROM columns GROUP BY unit_id, url HAVING count(*) > 1")
    assert query(pg_url, "SELECT count(*) FROM list_items")[0][0] == query(
        reference_db, "SELECT count(*) FROM list_items")[0][0]
