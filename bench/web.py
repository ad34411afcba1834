"""Workspace benchmark: server time per page (p95) and the server's peak memory over a store of synthetic
findings (bench.exports' filler: 100,000 findings, 40 units, 400 columns), 1,000,000 list items in those
columns, and one stored check run.

    nice .venv/bin/python -m bench.web                     # 100,000 findings, 1,000,000 list items, SQLite
    nice .venv/bin/python -m bench.web --findings 10000 --list-items 0    # quick
    createdb -h 127.0.0.1 -U postgres portalcheck_bench    # PostgreSQL: an empty database, dropped by nobody
    PORTALCHECK_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/portalcheck_bench \
        nice .venv/bin/python -m bench.web                  # (or --db-url …; the tables are emptied first)

The store is filled in a child process; the pages are requested in this one through the ASGI app
(starlette's TestClient): the time is the server's (routing, queries, rendering), not a network's, and the
peak memory is the server's alone. Each page is asked REPEAT times: `first_ms` is the first answer (the
findings list counts its segments then; 附件1's figures are counted when the app starts, in the background, and
a page asked before they are done waits for them), p95 over all. Target (issue #16): p95 < 300 ms, < 200 MB.

`cpu_p95_ms`: the CPU spent per answer by this process (every thread: the app, the test client, SQLite's
queries) and by the PostgreSQL backends serving the database (psutil; polled outside the timed answer). On a busy machine the wall time mostly waits for a core; the CPU time does not, so
it is the load-independent part of the server's time, and on a quiet machine with SQLite the wall time is that
plus I/O waits.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import re
import resource
import statistics
import sys
import tempfile
import time
import warnings
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench.exports import CONFIG, fill

REPEAT = 20
ENV_URL = "PORTALCHECK_BENCH_DATABASE_URL"
PAGES = ["/", "/units/1", "/findings/1", "/findings/99999", "/tables/findings", "/tables/findings?page=500",
         "/tables/findings?page=999", "next of page 499", "/tables/findings?rule=link.dead&status=open",
         "/tables/findings?sort=first_seen_at&desc=1", "next of /tables/findings?sort=first_seen_at&desc=1&page=50",
         "/tables/findings?unit=单位07&sort=deadline_date", "/tables/summary", "/tables/columns",
         "/tables/messages", "/tables/accounts", "/tables/publications", "/tables/publications?page=2000",
         "next of /tables/publications?page=2000", "/tables/publications?unit=单位07",
         "/tables/publications?column=栏目3&counted=计入"]
ITEMS_BATCH = 20_000


def list_items(db_url: str, count: int, units: int) -> None:
    """`count` list items spread over the filler's columns (ids unit*10+c), one a day back from today."""
    from sqlalchemy import insert

    from storage.models import ListItem
    from storage.session import Store

    store = Store(db_url)
    columns = [u * 10 + c for u in range(1, units + 1) for c in range(10)]
    now, today = datetime.now(UTC), date.today()
    with store.session() as session:
        batch = []
        for i in range(count):
            column, n = columns[i % len(columns)], i // len(columns)
            batch.append({"column_id": column, "url": f"https://www.example.gov.cn/c{column}/t{n}.html",
                          "title": f"关于做好第{n}批政务公开工作的通知", "published_on": today - timedelta(days=n % 900),
                          "raw_date": None, "position": n % 20, "list_page": 1 + n // 20, "first_seen": now,
                          "last_seen": now})
            if len(batch) == ITEMS_BATCH:
                session.execute(insert(ListItem), batch)
                batch = []
        if batch:
            session.execute(insert(ListItem), batch)
    store.dispose()


def empty(db_url: str) -> None:
    """A PostgreSQL database given to the bench starts without tables (the previous run's are dropped)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def prepare(db_url: str, findings: int, items: int, units: int) -> None:
    """The filled store (run in a child process: its memory is not the server's)."""
    if not db_url.startswith("sqlite"):
        empty(db_url)
    fill(db_url, findings, units)
    list_items(db_url, items, units)
    stored_run(db_url, units)
    if not db_url.startswith("sqlite"):
        from sqlalchemy import create_engine, text

        engine = create_engine(db_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("VACUUM ANALYZE"))  # what autovacuum does soon after a night's writes
        engine.dispose()


def stored_run(db_url: str, units: int) -> None:
    """One check run's verdicts for the synthetic units (the overview and the unit pages need one)."""
    from storage.models import CheckRun
    from storage.session import Store

    def verdict(name: str) -> dict:
        return {"name": name, "verdict": "合格", "vetoes": [], "counts": {}, "deductions": 0.0, "findings": {},
                "not_checked": 0}

    store = Store(db_url)
    with store.session() as session:
        session.add(CheckRun(as_of=datetime.now(UTC), units=None, rules=[], accounts=[],
                             verdicts={"site": verdict("site"), "columns": {},
                                       "units": {f"单位{i:02d}": verdict(f"单位{i:02d}") for i in range(1, units + 1)}},
                             messages={"unanswered": [], "overdue": [], "poor": {}}))
    store.dispose()


class DatabaseCpu:
    """CPU seconds the PostgreSQL backends serving this database have used (not this one's): the server's
    share of a page that a CPU clock in this process cannot see. Zero for SQLite (its queries run here)."""

    def __init__(self, db_url: str) -> None:
        from sqlalchemy import create_engine, make_url

        self.engine = None
        if db_url.startswith("postgresql"):
            self.engine = create_engine(db_url)
            self.connection = self.engine.connect()
            self.database = make_url(db_url).database

    def seconds(self) -> dict[int, float]:
        """Backend pid → its CPU seconds so far."""
        if self.engine is None:
            return {}
        import psutil
        from sqlalchemy import text

        pids = self.connection.execute(text(
            "SELECT pid FROM pg_stat_activity WHERE datname = :db AND pid <> pg_backend_pid()"),
            {"db": self.database}).scalars().all()
        self.connection.rollback()
        out = {}
        for pid in pids:
            try:
                times = psutil.Process(pid).cpu_times()
            except psutil.Error:  # gone, or not ours to read
                continue
            out[pid] = times.user + times.system
        return out

    @staticmethod
    def spent(before: dict[int, float], after: dict[int, float]) -> float:
        return sum(total - before.get(pid, 0.0) for pid, total in after.items())

    def close(self) -> None:
        if self.engine is not None:
            self.connection.close()
            self.engine.dispose()


def measure(config: Path, db_url: str, pages: list[str] = PAGES) -> dict[str, dict[str, float]]:
    warnings.filterwarnings("ignore")
    os.environ["PORTALCHECK_DATABASE_URL"] = db_url
    from fastapi.testclient import TestClient

    from portalcheck.core.config import load_config
    from portalcheck.web import create_app, users
    from storage.session import Store

    store = Store(db_url)
    database_cpu = DatabaseCpu(db_url)
    results: dict[str, dict[str, float]] = {}
    try:
        users.add_user(store, "bench", "inspector", "bench-password")
    except users.UserError:  # --filled: made by the run that filled the store
        users.set_password(store, "bench", "bench-password")
    client = TestClient(create_app(load_config(config), store))
    from portalcheck.exports.common import Period
    from portalcheck.exports.publications_pages import figures

    started = time.perf_counter()  # 附件1's figures, counted in the background since the app started: wait for them
    figures(store, Period.make())
    results["publications figures at start (s)"] = {"seconds": round(time.perf_counter() - started, 1)}
    print(json.dumps(results, ensure_ascii=False), file=sys.stderr, flush=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)[1]
    client.post("/login", data={"name": "bench", "password": "bench-password", "csrf_token": token})
    for page in pages:
        url = page
        if page.startswith("next of "):  # the 下一页 link (a keyset cursor) of that page
            origin = page.removeprefix("next of ")
            origin = origin if origin.startswith("/") else "/tables/findings?page=499"
            link = re.search(r'href="([^"]+)" id="next-page"', client.get(origin).text)
            if link is None:
                continue  # fewer findings than that
            url = origin.split("?")[0] + link[1].replace("&amp;", "&")
        times, cpu = [], []
        for _ in range(REPEAT):
            database_before = database_cpu.seconds()
            started, started_cpu = time.perf_counter(), time.process_time()
            answer = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            spent = time.process_time() - started_cpu
            cpu.append((spent + database_cpu.spent(database_before, database_cpu.seconds())) * 1000)
        first = times[0]
        times.sort()
        cpu.sort()
        results[page] = {"status": answer.status_code, "first_ms": round(first, 1),
                         "median_ms": round(statistics.median(times), 1),
                         "p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
                         "cpu_p95_ms": round(cpu[int(len(cpu) * 0.95) - 1], 1),
                         "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}
        print(json.dumps({page: results[page]}, ensure_ascii=False), file=sys.stderr, flush=True)  # as it goes
    store.dispose()
    database_cpu.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=100_000)
    parser.add_argument("--list-items", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=40)
    parser.add_argument("--db-url", default=os.environ.get(ENV_URL),
                        help=f"a PostgreSQL database whose tables the bench may drop (default ${ENV_URL}, else a "
                             "SQLite file in a scratch folder)")
    parser.add_argument("--filled", action="store_true",
                        help="the database at --db-url is already filled by an earlier run (with its figures)")
    parser.add_argument("--pages", nargs="+", default=PAGES, help="only these pages (default: all)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="pc-bench-web-") as folder:
        root = Path(folder)
        db_url = args.db_url or f"sqlite:///{root / 'bench.db'}"
        (root / "config.yaml").write_text(CONFIG, encoding="utf-8")
        started = time.perf_counter()
        if not args.filled:
            child = multiprocessing.get_context("spawn").Process(
                target=prepare, args=(db_url, args.findings, args.list_items, args.units))
            child.start()
            child.join()
            if child.exitcode != 0:
                raise SystemExit("filling the store failed")
        filled = time.perf_counter() - started
        results = measure(root / "config.yaml", db_url, args.pages)
    report = {"findings": args.findings, "list_items": args.list_items, "units": args.units,
              "db": db_url.split(":")[0], "fill_seconds": round(filled), "load_average": round(os.getloadavg()[0], 1),
              "pages": results,
              "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
