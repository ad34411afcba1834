"""A nightly job crawls a batch of hosts in ONE crawl subprocess (one Scrapy process, each host its own
download slot), holding a lease on each host and unit while it crawls, then checks all their units."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from portalcheck.core.config import load_config
from portalcheck.service.queue import enqueue_night

from ..crawl.runner import query
from ..scheduler.helpers import cli, wait_until
from .helpers import Worker
from .test_host_pause import RefusingHost

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def test_one_job_crawls_a_batch_of_hosts_in_one_crawl_holding_a_lease_on_each_host(
        pg_url: str, tmp_path: Path) -> None:
    hosts = [RefusingHost("127.0.0.2"), RefusingHost("127.0.0.3")]  # two hostnames: two hosts
    for host in hosts:
        host.refusing = False
    try:
        bases = [h.server.base_url for h in hosts]
        units = [{"name": f"单位{i}{part}", "kind": "乡镇", "site": f"{base}/{part}/"}
                 for i, base in enumerate(bases) for part in ("u", "v")]
        data = {"portal": {"name": "青山县人民政府", "home": f"{bases[0]}/", "site_code": "3609990001"},
                "units": units,
                "crawl": {"concurrency_per_host": 2, "delay_seconds": 0.05, "autothrottle": False,
                          "check_external_links": False},
                "database": {"url": pg_url},
                "queue": {"stalled_seconds": 5, "retries": 1, "batch_hosts": 2}}
        config_path = tmp_path / "config.yaml"
        config_path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        assert cli(config_path, pg_url, "db", "upgrade").returncode == 0
        enqueue_night(load_config(config_path))
        rows = query(pg_url, "SELECT host, units, job_id FROM queue_jobs ORDER BY id")
        assert len(rows) == 2 and rows[0][2] == rows[1][2]  # two hosts' rows, one job
        assert query(pg_url, "SELECT count(*), count(lock) FROM procrastinate_jobs") == [(1, 0)]

        worker = Worker(config_path, pg_url, "w", "--concurrency", "2")
        worker.wait_running()
        leases: set[str] = set()

        def finished() -> bool:
            leases.update(name for (name,) in query(pg_url, "SELECT name FROM job_locks"))
            return bool(query(pg_url, "SELECT 1 FROM queue_nights WHERE finished_at IS NOT NULL"))

        try:
            wait_until(finished, 400, lambda: worker.log[-4000:])
        finally:
            worker.stop()
    finally:
        for host in hosts:
            host.server.stop()

    assert {"host:127.0.0.2", "host:127.0.0.3"} <= leases  # each host leased while the batch crawled it
    assert {f"unit:{u['name']}" for u in units} <= leases
    assert [status for (status,) in query(pg_url, "SELECT status FROM queue_jobs")] == ["done", "done"]
    # Each host's row counts its own units' pages (the status lines), together the crawl's.
    row_pages = [int(p) for (p,) in query(pg_url, "SELECT counts->>'pages' FROM queue_jobs ORDER BY id")]
    assert all(row_pages) and sum(row_pages) <= query(pg_url, "SELECT count(*) FROM pages")[0][0]
    # One Scrapy process for both hosts: one portal crawl run, with the pages of both.
    runs = query(pg_url, "SELECT id FROM crawl_runs WHERE counts->>'spider' = 'portal'")
    assert len(runs) == 1
    pages = [url for (url,) in query(pg_url, "SELECT url FROM pages WHERE run_id = :r", r=runs[0][0])]
    assert all(any(url.startswith(base) for url in pages) for base in bases)
    # Every unit's columns read.
    visited = query(pg_url, "SELECT u.name, count(*) FROM column_visits v JOIN columns c ON c.id = v.column_id "
                            "JOIN units u ON u.id = c.unit_id WHERE v.status != 'not_seen' GROUP BY u.name")
    assert {name for name, count in visited if count >= 30} == {u["name"] for u in units}
