"""PostgreSQL restarted (`pg_ctl restart -m fast`) in the middle of a night on the queue: the jobs whose
connections were cut fail and are retried, and when the night has finished the store holds every column
of an undisturbed crawl, nothing twice. The cluster is the test's own (initdb on a free port)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from portalcheck.core.config import load_config
from portalcheck.demo import DemoServer
from portalcheck.service.queue import enqueue_night

from ..crawl.runner import query
from ..pg_cluster import needs_postgres, own_cluster
from ..scheduler.helpers import REPO, cli, env_for, wait_until
from .helpers import Worker, queue_config

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

UNITS = ("县发改局", "县统计局")


def pages_read(db_url: str) -> int:
    try:
        return query(db_url, "SELECT count(*) FROM pages")[0][0]
    except Exception:  # noqa: BLE001 - the server is restarting
        return 0


def night_finished(db_url: str) -> bool:
    try:
        return bool(query(db_url, "SELECT 1 FROM queue_nights WHERE finished_at IS NOT NULL"))
    except Exception:  # noqa: BLE001 - the server is restarting
        return False


# Longer than the crawl's own write retries (storage.failures.RETRY_DELAYS, 7.5 s) and than the queue pool's wait
# for a connection (30 s: procrastinate's heartbeat used to fail there and its worker to stop taking jobs).
OUTAGE_SECONDS = 40


@needs_postgres
@pytest.mark.parametrize("outage", ["restart", "down-longer"])
def test_postgres_restart_mid_night_jobs_are_retried_and_nothing_half_written_is_kept(
        server: DemoServer, tmp_path: Path, outage: str) -> None:
    """`restart` (pg_ctl restart -m fast): the crawl's writes ride it out or the try fails and is retried;
    `down-longer`: the crawl stops clearly, the try fails, and the job is retried once the server is back.
    Either way the worker waits the outage out and carries on: it keeps beating, so none of its jobs is judged
    stalled and started again beside itself."""
    with own_cluster() as cluster:
        url = cluster.url
        config_path = queue_config(server, tmp_path, url, units=UNITS, queue={"group_by_host": False},
                                   crawl={"concurrency_per_host": 1, "delay_seconds": 0.1})
        assert cli(config_path, url, "db", "upgrade").returncode == 0
        enqueue_night(load_config(config_path))
        workers = [Worker(config_path, url, "w0", "--concurrency", "2")]
        workers[0].wait_running()
        try:
            wait_until(lambda: pages_read(url) >= 10, 300, lambda: workers[-1].log[-3000:])
            if outage == "restart":
                cluster.restart()
            else:
                cluster.stop()
                time.sleep(OUTAGE_SECONDS)
                cluster.start()
            restarted_at = time.monotonic()
            deadline = restarted_at + 900
            while not night_finished(url):
                assert time.monotonic() < deadline, "\n".join(w.log[-4000:] for w in workers)
                if workers[-1].process.poll() is not None:  # systemd's Restart=always, as in deploy/
                    time.sleep(2.0)  # RestartSec
                    workers.append(Worker(config_path, url, f"w{len(workers)}", "--concurrency", "2"))
                time.sleep(1.0)
        finally:
            for worker in workers:
                worker.stop()

        logs = "\n".join(w.log for w in workers)
        assert len(workers) == 1, logs[-4000:]  # the worker never stopped
        assert "is stalled" not in logs, logs[-4000:]
        jobs = query(url, "SELECT units, status, attempts FROM queue_jobs ORDER BY id")
        assert [status for _, status, _ in jobs] == ["done", "done"], (jobs, logs[-4000:])
        if outage == "down-longer":  # a try met the outage, failed, and was retried
            assert max(attempts for *_, attempts in jobs) >= 2, logs[-4000:]
        assert query(url, "SELECT count(*) FROM job_runs WHERE job = 'queue_finish' AND outcome = 'ok'") == [(1,)]
        # Nothing twice: pages, columns and list entries once each.
        assert not query(url, "SELECT run_id, url FROM pages GROUP BY run_id, url HAVING count(*) > 1")
        assert not query(url, "SELECT unit_id, url FROM columns GROUP BY unit_id, url HAVING count(*) > 1")
        got_items = query(url, "SELECT count(*) FROM list_items")[0][0]
        got = set(query(url, "SELECT c.url, v.status FROM columns c JOIN column_visits v ON v.column_id = c.id "
                             "JOIN crawl_runs r ON r.id = v.run_id WHERE r.status = 'finished'"))

    # Every column of an undisturbed crawl of the same units, read the same way.
    reference_db = f"sqlite:///{tmp_path / 'reference.db'}"
    argv = [sys.executable, "-m", "portalcheck.cli", "--config", str(config_path), "crawl"]
    for unit in UNITS:
        argv += ["--unit", unit]
    done = subprocess.run(argv, env=env_for(reference_db), capture_output=True, text=True, timeout=600, cwd=REPO)
    assert done.returncode == 0, done.stderr[-2000:]
    reference = set(query(reference_db, "SELECT c.url, v.status FROM columns c JOIN column_visits v "
                                        "ON v.column_id = c.id"))
    assert got == reference
    assert got_items == query(reference_db, "SELECT count(*) FROM list_items")[0][0]
