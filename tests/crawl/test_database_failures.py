"""The database going away mid-crawl: SQLite's disk full (max_page_count stands in for it), PostgreSQL
restarted. The crawl stops with a clear error (exit 1,
the Chinese line for the inspector, the cause in the English log), trusts nothing it could not store,
and the next run completes every column: the same items as a crawl that was never disturbed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from portalcheck.demo import DemoServer, serve_demo

from ..pg_cluster import needs_postgres, own_cluster
from .runner import REPO, column_items, crawl, portal_runs, query

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

SETTINGS = """
crawl:
  concurrency_per_host: 2
  delay_seconds: 0.02
  autothrottle: false
  check_external_links: false
"""


def write_config(server: DemoServer, folder: Path) -> Path:
    text = server.portal.config_yaml(server.base_url).split("\ncrawl:")[0]
    path = folder / "config.yaml"
    path.write_text(text + SETTINGS, encoding="utf-8")
    return path


def gathered(db_url: str) -> dict[str, set[str]]:
    """What a crawl leaves for the checks: each column's items, and the pages fetched."""
    columns = column_items(db_url)
    columns["<pages>"] = {url for (url,) in query(db_url, "SELECT url FROM pages")}
    return columns


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DemoServer, dict[str, set[str]], int]]:
    """The demo portal, what an undisturbed full crawl of it stores, and that crawl's SQLite size in pages."""
    folder = tmp_path_factory.mktemp("reference")
    with serve_demo(port=0) as server:
        config = write_config(server, folder)
        db_url = f"sqlite:///{folder / 'reference.db'}"
        result = crawl(config, db_url, "--full")
        assert result.returncode == 0, result.stderr[-3000:]
        [(size,)] = query(db_url, "PRAGMA page_count")
        yield server, gathered(db_url), size


def start_crawl(config: Path, db_url: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "portalcheck.cli", "--config", str(config), "crawl", "--full"],
                            env={**os.environ, "PORTALCHECK_DATABASE_URL": db_url, **(env or {})}, cwd=REPO,
                            text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def pages_stored(db_url: str) -> int:
    try:
        return query(db_url, "SELECT count(*) FROM pages")[0][0]
    except Exception:  # the schema is not there yet, or the server is down
        return 0


def assert_stopped_clearly(result: tuple[int, str], config: Path, db_url: str, cause: str) -> None:
    code, stderr = result
    assert code == 1, stderr[-3000:]
    assert "本次运行已停止" in stderr and cause in stderr, stderr[-3000:]
    log = crawl_log(config)
    assert "database unavailable, crawl stopped" in log and cause in log
    runs = portal_runs(db_url)
    assert [run["status"] for run in runs] in (["interrupted"], ["running"]), runs
    # nothing of the cut run may pass for a complete reading of a column
    assert query(db_url, "SELECT count(*) FROM column_visits WHERE run_id = :run", run=runs[0]["id"]) == [(0,)]


def assert_next_run_completes(config: Path, db_url: str, reference: dict[str, set[str]]) -> None:
    result = crawl(config, db_url, "--full")
    assert result.returncode == 0, result.stderr[-3000:]
    runs = portal_runs(db_url)
    assert [run["status"] for run in runs] == ["finished"] and runs[0]["counts"].get("resumed"), runs
    assert gathered(db_url) == reference


def test_a_full_disk_stops_the_crawl_clearly_and_the_next_run_completes_the_columns(portal, tmp_path: Path) -> None:
    server, reference, reference_size = portal
    config = write_config(server, tmp_path)
    db_url = f"sqlite:///{tmp_path / 'portalcheck.db'}"
    from storage.session import Store

    Store(db_url).dispose()  # the schema, then room for about half of what the crawl writes
    [(empty,)] = query(db_url, "PRAGMA page_count")
    limit = empty + (reference_size - empty) // 2
    process = start_crawl(config, db_url, {"PORTALCHECK_SQLITE_PRAGMAS": f"max_page_count={limit}"})
    _, stderr = process.communicate(timeout=600)
    assert_stopped_clearly((process.returncode, stderr), config, db_url, "database or disk is full")
    assert 0 < pages_stored(db_url) < len(reference["<pages>"])

    assert_next_run_completes(config, db_url, reference)  # the limit lifted (a disk with room again)


# --- PostgreSQL restarted -------------------------------------------------------------------------------------


def crawl_log(config: Path) -> str:
    path = config.parent / "logs" / "crawl.log"
    return path.read_text(encoding="utf-8") if path.exists() else ""


@needs_postgres
@pytest.mark.parametrize("back_in_time", [True, False], ids=["back-within-the-retries", "down-longer"])
def test_postgres_restarted_mid_crawl_loses_and_duplicates_nothing(portal, tmp_path: Path,
                                                                   back_in_time: bool) -> None:
    """Back within the retries, the batch is written again and the crawl finishes; down longer, the crawl stops
    clearly and the next run completes. Either way the columns end as an undisturbed crawl's, nothing twice."""
    server, reference, _ = portal
    config = write_config(server, tmp_path)
    with own_cluster() as cluster:
        process = start_crawl(config, cluster.url)
        deadline = time.monotonic() + 300
        while pages_stored(cluster.url) < 20:
            assert process.poll() is None and time.monotonic() < deadline, process.communicate()
            time.sleep(0.1)
        cluster.stop()
        while "database connection lost" not in crawl_log(config):  # a batch met the stopped server
            assert process.poll() is None and time.monotonic() < deadline, process.communicate()
            time.sleep(0.05)
        if back_in_time:
            cluster.start()
        _, stderr = process.communicate(timeout=600)
        if back_in_time:
            assert process.returncode == 0, stderr[-3000:]
            assert [run["status"] for run in portal_runs(cluster.url)] == ["finished"]
            assert gathered(cluster.url) == reference
        else:
            cluster.start()
            assert_stopped_clearly((process.returncode, stderr), config, cluster.url, "connection")
            assert_next_run_completes(config, cluster.url, reference)
        duplicates = query(cluster.url, "SELECT url, count(*) FROM pages GROUP BY url HAVING count(*) > 1")
        assert duplicates == []


def test_the_sqlite_pragma_knob_refuses_anything_but_name_value_pairs() -> None:
    from storage.session import extra_sqlite_pragmas

    assert extra_sqlite_pragmas("max_page_count=900; busy_timeout=1000") == [
        "PRAGMA max_page_count=900", "PRAGMA busy_timeout=1000"]
    with pytest.raises(ValueError, match="name=value"):
        extra_sqlite_pragmas("max_page_count=1; DROP TABLE pages")

