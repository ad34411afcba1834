"""Workspace benchmark: server time per page (p95) and the server's peak memory over a store of synthetic
findings (bench.exports' filler: 100,000 findings, 40 units) with one stored check run.

    .venv/bin/python -m bench.web                     # 100,000 findings, SQLite
    .venv/bin/python -m bench.web --findings 10000    # quick
    .venv/bin/python -m bench.web --db-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_web  # an empty db

The pages are requested in process through the ASGI app (starlette's TestClient): the time is the
server's (routing, queries, rendering), not a network's. Target (issue #16): p95 < 300 ms, < 200 MB.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import statistics
import tempfile
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

from bench.exports import CONFIG, fill

REPEAT = 20
PAGES = ["/", "/units/1", "/findings/1", "/findings/99999", "/tables/findings", "/tables/findings?page=500", "/tables/findings?page=999",
         "/tables/findings?rule=link.dead&status=open", "/tables/findings?sort=first_seen_at&desc=1",
         "/tables/summary", "/tables/columns", "/tables/messages", "/tables/accounts"]


def stored_run(db_url: str, units: int) -> None:
    """One check run's verdicts for the synthetic units (the overview and the unit pages need one)."""
    from storage.models import CheckRun
    from storage.session import Store

    def verdict(name: str) -> dict:
        return {"name": name, "verdict": "合格", "vetoes": [], "counts": {}, "deductions": 0.0, "findings": {},
                "not_checked": 0}

    store = Store(db_url)
    with store.session() as session:
        session.add(CheckRun(as_of=datetime.now(UTC), units=None, rules=[], columns=[], accounts=[],
                             verdicts={"site": verdict("site"), "columns": {},
                                       "units": {f"单位{i:02d}": verdict(f"单位{i:02d}") for i in range(1, units + 1)}},
                             messages={"unanswered": [], "overdue": [], "poor": {}}))
    store.dispose()


def measure(config: Path, db_url: str) -> dict[str, dict[str, float]]:
    import os

    warnings.filterwarnings("ignore")
    os.environ["PORTALCHECK_DATABASE_URL"] = db_url
    from fastapi.testclient import TestClient

    from portalcheck.core.config import load_config
    from portalcheck.web import create_app, users
    from storage.session import Store

    store = Store(db_url)
    users.add_user(store, "bench", "inspector", "bench-password")
    client = TestClient(create_app(load_config(config), store))
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)[1]
    client.post("/login", data={"name": "bench", "password": "bench-password", "csrf_token": token})
    results = {}
    for page in PAGES:
        times = []
        for _ in range(REPEAT):
            started = time.perf_counter()
            answer = client.get(page)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        results[page] = {"status": answer.status_code, "median_ms": round(statistics.median(times), 1),
                         "p95_ms": round(times[int(len(times) * 0.95) - 1], 1)}
    store.dispose()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=100_000)
    parser.add_argument("--units", type=int, default=40)
    parser.add_argument("--db-url", help="an empty database (default: a SQLite file in a scratch folder)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="pc-bench-web-") as folder:
        root = Path(folder)
        db_url = args.db_url or f"sqlite:///{root / 'bench.db'}"
        (root / "config.yaml").write_text(CONFIG, encoding="utf-8")
        fill(db_url, args.findings, args.units)
        stored_run(db_url, args.units)
        results = measure(root / "config.yaml", db_url)
    report = {"findings": args.findings, "units": args.units, "db": db_url.split(":")[0], "pages": results,
              "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
