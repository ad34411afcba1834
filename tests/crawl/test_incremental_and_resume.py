"""Incremental runs fetch little more than the minimum; a killed crawl resumes without duplicates."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from crawler.memory import CrawlMemory
from portalcheck.demo import serve_demo
from storage.session import Store

from ..conftest import fresh_database
from .runner import REPO, crawl, portal_runs, query, visits

SETTINGS = """
crawl:
  concurrency_per_host: {concurrency}
  delay_seconds: {delay}
  autothrottle: false
  check_external_links: false
  incremental_revisit_fraction: 0
"""


def write_config(server, folder: Path, *, concurrency: int = 8, delay: float = 0) -> Path:  # type: ignore[no-untyped-def]
    text = server.portal.config_yaml(server.base_url).split("\ncrawl:")[0]
    path = folder / "config.yaml"
    path.write_text(text + SETTINGS.format(concurrency=concurrency, delay=delay), encoding="utf-8")
    return path


def portal_spider_requests(server) -> list[str]:  # type: ignore[no-untyped-def]
    """What the portal spider asked for: not robots.txt, not what chromium loads while rendering the
    JavaScript column (its script, style and data), not the feeds and boards other gatherers read."""
    others = ("/robots.txt", "/css/", "/js/", "/api/", "/feeds/", "/hdjl/")
    return [p for _, p in server.request_log if not p.startswith(others)]


def test_incremental_run_after_one_new_article_stays_near_the_minimum(tmp_path: Path) -> None:
    with serve_demo(port=0) as server:
        config = write_config(server, tmp_path)
        for db_url in fresh_database(tmp_path):
            assert crawl(config, db_url, "--full").returncode == 0
            path = server.portal.publish("bhz", "xzdt", "白鹤镇召开冬季防火工作部署会", date.today())
            server.request_log.clear()
            result = crawl(config, db_url)
            assert result.returncode == 0, result.stderr[-3000:]
            fetched = portal_spider_requests(server)
            [(columns,)] = query(db_url, "SELECT count(*) FROM columns")
            minimum = columns + 1  # every column's first list page (the home page included) + the new article
            assert path in fetched
            assert len(fetched) <= 1.1 * minimum, "\n".join(sorted(fetched))
            assert query(db_url, "SELECT title FROM list_items WHERE url = :u", u=server.base_url + path) == [
                ("白鹤镇召开冬季防火工作部署会",)]
            blank_now = [c for c, (s, _) in visits(db_url).items() if s != "full"]
            assert len(blank_now) <= 2  # the deliberately broken columns only


def articles_stored(db_url: str) -> int:
    try:
        return query(db_url, "SELECT count(*) FROM pages WHERE kind = 'article'")[0][0]
    except Exception:  # the crawl has not created the schema yet
        return 0


@pytest.mark.parametrize(("stop", "left_as"), [(signal.SIGKILL, "running"), (signal.SIGINT, "interrupted")])
def test_stopped_crawl_resumes_without_duplicates_or_refetching(stop: int, left_as: str, tmp_path: Path) -> None:
    with serve_demo(port=0) as server:
        config = write_config(server, tmp_path, concurrency=2, delay=0.02)
        for db_url in fresh_database(tmp_path):
            env = {**os.environ, "PORTALCHECK_DATABASE_URL": db_url}
            process = subprocess.Popen(
                [sys.executable, "-m", "portalcheck.cli", "--config", str(config), "crawl", "--full"],
                env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and articles_stored(db_url) < 150:
                time.sleep(0.5)
            process.send_signal(stop)
            process.wait(timeout=60)
            before_kill = [p for m, p in server.request_log if m == "GET" and "/t20" in p]
            stored_before = {u for (u,) in query(db_url, "SELECT url FROM pages WHERE kind = 'article'")}
            assert [run["status"] for run in portal_runs(db_url)] == [left_as]
            server.request_log.clear()

            result = crawl(config, db_url, "--full")
            assert result.returncode == 0, result.stderr[-3000:]
            runs = portal_runs(db_url)
            assert [run["status"] for run in runs] == ["finished"] and runs[0]["counts"]["resumed"]
            refetched = [p for m, p in server.request_log if m == "GET" and server.base_url + p in stored_before]
            assert before_kill and len(refetched) == 0
            articles = sum(len(u.all_articles()) for u in server.portal.units)
            [(stored,)] = query(db_url, "SELECT count(*) FROM pages WHERE kind = 'article'")
            assert stored >= articles - 5  # every article once (a few are reachable only by JS/broken columns)
            duplicates = query(db_url, "SELECT url, count(*) FROM pages GROUP BY url HAVING count(*) > 1")
            assert duplicates == []


# `portalcheck crawl` whose second gatherer is asked to stop while it is being set up, before the reactor runs
# and Scrapy listens for signals: the moment a scheduler stopping its crawl subprocess early may hit.
STOPPED_WHILE_STARTING = """
import os, signal, sys
from crawler.spiders.accounts import AccountsSpider
set_up = AccountsSpider.from_crawler.__func__
def from_crawler(cls, crawler, *args, **kwargs):
    os.kill(os.getpid(), signal.SIGINT)
    return set_up(cls, crawler, *args, **kwargs)
AccountsSpider.from_crawler = classmethod(from_crawler)
from portalcheck.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_crawl_asked_to_stop_while_its_gatherers_start_stops_as_interrupted_and_is_resumed(
        tmp_path: Path) -> None:
    """Before, the signal raised inside that gatherer's start-up, where Twisted swallowed it: the gatherer
    vanished and the others crawled the whole portal, reported complete (exit 0), the stop never obeyed."""
    with serve_demo(port=0) as server:
        config = write_config(server, tmp_path, concurrency=2, delay=0.02)
        for db_url in fresh_database(tmp_path):
            env = {**os.environ, "PORTALCHECK_DATABASE_URL": db_url}
            stopped = subprocess.run([sys.executable, "-c", STOPPED_WHILE_STARTING, "--config", str(config),
                                      "crawl", "--full"], env=env, cwd=REPO, capture_output=True, text=True,
                                     timeout=120)
            assert stopped.returncode != 0, stopped.stderr[-3000:]
            runs = query(db_url, "SELECT status, counts FROM crawl_runs ORDER BY id")
            assert [status for status, _ in runs] == ["interrupted"] * 3, runs  # portal, accounts, boards
            assert not [p for m, p in server.request_log if m == "GET" and "/t20" in p]  # no article read

            result = crawl(config, db_url, "--full")
            assert result.returncode == 0, result.stderr[-3000:]
            runs = portal_runs(db_url)
            assert [run["status"] for run in runs] == ["finished"] and runs[0]["counts"]["resumed"]


@pytest.mark.parametrize("path", ["/search/"])
def test_robots_txt_disallowed_paths_are_never_fetched(path: str, tmp_path: Path) -> None:
    with serve_demo(port=0) as server:
        config = write_config(server, tmp_path)
        for db_url in fresh_database(tmp_path):
            assert crawl(config, db_url, "--full").returncode == 0
            assert not [p for m, p in server.request_log if p.startswith(path)]
            assert any(p == "/robots.txt" for _, p in server.request_log)


def test_a_crawl_of_one_unit_loads_that_units_memory_only_and_reads_little_more_than_its_minimum(
        tmp_path: Path) -> None:
    """A queue job crawls a few units of a province whose store holds every unit's pages: what it loads of
    earlier runs must be those units' (memory per job bounded by its units, not by the province), and with
    it the incremental run must still skip every known article of theirs."""
    with serve_demo(port=0) as server:
        config = write_config(server, tmp_path)
        unit = server.portal.unit("bhz").name
        for db_url in fresh_database(tmp_path):
            assert crawl(config, db_url, "--full").returncode == 0
            store = Store(db_url)
            with store.session() as session:
                everything = CrawlMemory.load(session, resume_run=None)
                one = CrawlMemory.load(session, resume_run=None, units=[unit])
            store.dispose()
            own_columns = {c.url for c in everything.columns[unit]}
            listed = {url for column in own_columns for url in everything.item_urls.get(column, ())}
            assert set(one.columns) == {unit} and one.columns[unit] == everything.columns[unit]
            assert one.item_urls == {c: urls for c, urls in everything.item_urls.items() if c in own_columns}
            assert listed & everything.article_urls <= one.article_urls < everything.article_urls
            assert set(one.validators) < set(everything.validators)
            assert one.checked_links and one.checked_links < everything.checked_links

            path = server.portal.publish("bhz", "xzdt", "白鹤镇召开冬季防火工作部署会", date.today())
            server.request_log.clear()
            result = crawl(config, db_url, "--unit", unit)
            assert result.returncode == 0, result.stderr[-3000:]
            fetched = portal_spider_requests(server)
            assert path in fetched
            assert len(fetched) <= 1.1 * (len(own_columns) + 1), "\n".join(sorted(fetched))
            assert query(db_url, "SELECT title FROM list_items WHERE url = :u", u=server.base_url + path) == [
                ("白鹤镇召开冬季防火工作部署会",)]
