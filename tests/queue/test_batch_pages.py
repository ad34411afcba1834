"""A nightly job's batch is sized by pages, not only by hosts (issue #15): a crawl process's memory grows with
the pages it reads, so hosts join a batch while their estimated pages fit in `queue.batch_pages` (and at most
`queue.batch_hosts` of them); a unit never crawled counts `queue.unknown_unit_pages`; a host larger than
batch_pages is a batch of its own. The estimate is each unit's pages stored by finished crawls, read from
the store in one grouped query."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import event

from portalcheck.core.config import load_config
from portalcheck.service.queue import batches, enqueue_night, estimated_pages, groups_by_host
from storage.models import CrawlRun, Page, Unit
from storage.session import Store

from ..crawl.runner import query
from ..scheduler.helpers import cli

PORTAL = {"name": "示例县人民政府", "home": "http://www.example.gov.cn/", "site_code": "1234000001"}


def config_at(tmp_path: Path, units: list[dict[str, str]], db_url: str = "sqlite:///unused.db", **queue: object):
    path = tmp_path / "config.yaml"
    data = {"portal": PORTAL, "units": units, "database": {"url": db_url}, "queue": queue}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_config(path)


def one_unit_per_host(count: int) -> list[dict[str, str]]:
    return [{"name": f"单位{i}", "site": f"http://h{i}.example.gov.cn/"} for i in range(count)]


def test_batches_fill_by_pages_up_to_batch_pages_and_batch_hosts_and_an_oversized_host_is_alone(
        tmp_path: Path) -> None:
    config = config_at(tmp_path, one_unit_per_host(1), batch_pages=1000, batch_hosts=3)
    pages = {"a": 2500, "b": 600, "c": 500, "d": 400, "e": 300, "f": 100, "g": 100, "h": 100, "i": 100}
    got = batches(config, list(pages), pages)
    # Largest first, each into the first batch it fits: the 2,500-page host alone, then full batches.
    assert got == [["a"], ["b", "d"], ["c", "e", "f"], ["g", "h", "i"]]

    # The same rules on many random provinces: every host once, no batch over either limit unless it is
    # one host alone.
    rng = random.Random(15)
    for _ in range(200):
        limit_pages, limit_hosts = rng.choice([500, 4000]), rng.choice([1, 3, 16])
        config = config_at(tmp_path, one_unit_per_host(1), batch_pages=limit_pages, batch_hosts=limit_hosts)
        pages = {f"h{i}": rng.choice([1, 50, 200, 300, 3000, 6000]) for i in range(rng.randint(1, 60))}
        got = batches(config, list(pages), pages)
        assert sorted(k for batch in got for k in batch) == sorted(pages)
        sums = [sum(pages[k] for k in batch) for batch in got]
        for batch, total in zip(got, sums, strict=True):
            assert len(batch) <= limit_hosts
            assert total <= limit_pages or len(batch) == 1


def test_hosts_without_a_page_estimate_count_as_never_crawled_units(tmp_path: Path) -> None:
    config = config_at(tmp_path, one_unit_per_host(7), batch_pages=1000, batch_hosts=16, unknown_unit_pages=300)
    keys = list(groups_by_host(config))
    assert [len(batch) for batch in batches(config, keys)] == [3, 3, 1]  # 3 × 300 ≤ 1,000 < 4 × 300
    # batch_hosts stays an upper bound (the contract of the key): 16 hosts of 1 page are still 2 batches.
    config = config_at(tmp_path, one_unit_per_host(20), batch_pages=4000, batch_hosts=16)
    keys = list(groups_by_host(config))
    assert [len(batch) for batch in batches(config, keys, dict.fromkeys(keys, 1))] == [16, 4]
    # group_by_host: false keeps one unit per job, whatever the pages.
    config = config_at(tmp_path, one_unit_per_host(3), group_by_host=False)
    assert [len(b) for b in batches(config, list(groups_by_host(config)))] == [1, 1, 1]


@pytest.mark.timeout(300)
def test_a_night_is_enqueued_in_batches_of_estimated_pages_from_one_grouped_query(
        pg_url: str, tmp_path: Path) -> None:
    """Units of one host add up; a unit never crawled, or crawled only by a run that did not finish, counts
    `unknown_unit_pages`; every host's estimate is kept on its row; the store is read in one query."""
    units = [{"name": "大镇", "site": "http://big.example.gov.cn/"},           # 1,500 pages: alone
             {"name": "甲局", "site": "http://shared.example.gov.cn/jj/"},     # 400 +
             {"name": "乙局", "site": "http://shared.example.gov.cn:8080/yj/"},  # 300 unknown (same host)
             {"name": "丙乡", "site": "http://c.example.gov.cn/"},              # 200
             {"name": "丁乡", "site": "http://d.example.gov.cn/"},              # half a crawl: 300 unknown
             {"name": "戊乡", "site": "http://e.example.gov.cn/"}]              # 300 unknown
    config = config_at(tmp_path, units, pg_url, batch_pages=1000, batch_hosts=16, unknown_unit_pages=300,
                       stalled_seconds=5)
    assert cli(config.source, pg_url, "db", "upgrade").returncode == 0
    store = Store(pg_url)
    try:
        with store.session() as session:
            now = datetime.now(UTC)
            finished = CrawlRun(mode="full", status="finished", started_at=now, counts={})
            failed = CrawlRun(mode="full", status="failed", started_at=now, counts={})
            session.add_all([finished, failed])
            ids = {}
            for unit in units:
                row = Unit(name=unit["name"], kind="乡镇", site_url=unit["site"])
                session.add(row)
                session.flush()
                ids[unit["name"]] = row.id
            session.flush()
            stored = {"大镇": (finished, 1500), "甲局": (finished, 400), "丙乡": (finished, 200), "丁乡": (failed, 250)}
            session.add_all(Page(url=f"{units[0]['site']}{name}/{i}.html", kind="article", unit_id=ids[name],
                                 run_id=run.id, fetched_at=now)
                            for name, (run, count) in stored.items() for i in range(count))

        statements: list[str] = []
        event.listen(store.engine, "before_cursor_execute",
                     lambda conn, cursor, statement, *args: statements.append(statement))
        pages = estimated_pages(config, store, groups_by_host(config))
        assert sum("FROM pages" in s or "JOIN pages" in s for s in statements) == 1  # not one per unit
        assert pages == {"big.example.gov.cn": 1500, "shared.example.gov.cn": 700, "c.example.gov.cn": 200,
                         "d.example.gov.cn": 300, "e.example.gov.cn": 300}
    finally:
        store.dispose()

    enqueue_night(config)
    rows = query(pg_url, "SELECT host, (counts->>'estimated_pages')::int, job_id FROM queue_jobs ORDER BY id")
    assert {host: estimate for host, estimate, _ in rows} == pages
    jobs: dict[int, list[str]] = {}
    for host, _, job_id in rows:
        jobs.setdefault(job_id, []).append(host)
    assert sorted(sorted(hosts) for hosts in jobs.values()) == [
        ["big.example.gov.cn"],                             # 1,500 > 1,000: alone
        ["c.example.gov.cn", "e.example.gov.cn"],           # 300 + 200
        ["d.example.gov.cn", "shared.example.gov.cn"]]      # 700 + 300 = 1,000
    assert query(pg_url, "SELECT count(*) FROM procrastinate_jobs")[0][0] == 3
