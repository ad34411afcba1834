"""What storing a crawl's rows costs the crawl process: `storage.upsert.upsert` of links, list items and link
targets (with RETURNING) in the batch sizes the store pipeline uses, on SQLite and PostgreSQL in the same run.

    .venv/bin/python -m bench.store_rows                  # 30 batches of each kind
    .venv/bin/python -m bench.store_rows --batches 60 --pg postgresql+psycopg://postgres@127.0.0.1:5432/test

The figure that matters is the client's CPU per 10,000 rows (the crawl process's time; the server's is its
own process): a queue job's storing was 28% of its crawl's CPU on PostgreSQL (BENCHMARKS.md). SQLite, the
embedded default, is the peer: the ratio shows what PostgreSQL's storing costs the crawl beside it. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, make_url, text

from storage.models import Column, Link, LinkTarget, ListItem, Page, Unit
from storage.session import Store
from storage.upsert import upsert


def timed(store: Store, batches: int, make: Any) -> dict[str, float]:
    """Client CPU and wall seconds per 10,000 rows of `batches` transactions, each upserting make(k)'s rows."""
    rows_done, cpu, wall = 0, 0.0, 0.0
    for k in range(batches):
        model, rows, keys, options = make(k)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        with store.session() as session:
            upsert(session, model, rows, keys=keys, **options)
        cpu += time.process_time() - cpu0
        wall += time.perf_counter() - wall0
        rows_done += len(rows)
    return {"rows": rows_done, "cpu_s_per_10k": round(cpu * 10_000 / rows_done, 3),
            "wall_s_per_10k": round(wall * 10_000 / rows_done, 3)}


def measure(url: str, batches: int) -> dict[str, Any]:
    store = Store(url)
    now = datetime.now(UTC)
    try:
        with store.session() as session:
            [unit] = upsert(session, Unit, [{"name": "白鹤镇", "kind": "乡镇", "site_url": "http://x/"}], keys=["name"],
                            returning="id")
            [column] = upsert(session, Column, [{"unit_id": unit, "name": "工作动态", "url": "http://x/gzdt/",
                                                 "category": "news", "level": 1, "origin": "discovered"}],
                              keys=["unit_id", "url"], returning="id")
            pages = upsert(session, Page, [{"url": f"http://x/p{i}.html", "kind": "article"} for i in range(300)],
                           keys=["url"], returning="id")
            targets = upsert(session, LinkTarget, [{"url": f"http://x/t{i}.html", "is_external": i % 5 == 0}
                                                   for i in range(2000)], keys=["url"], update=(), returning="id")

        def links(k: int) -> tuple[Any, list[dict[str, Any]], list[str], dict[str, Any]]:
            rows = [{"page_id": pages[(k * 10 + i // 200) % 300], "target_id": targets[i], "tag": "a",
                     "text": f"第{i}条链接"} for i in range(2000)]
            return Link, rows, ["page_id", "target_id", "tag"], {}

        def list_items(k: int) -> tuple[Any, list[dict[str, Any]], list[str], dict[str, Any]]:
            rows = [{"column_id": column, "url": f"http://x/gzdt/{k}_{i}.html", "title": f"白鹤镇动态{k}-{i}",
                     "published_on": date(2026, 1, 1) + timedelta(days=i % 300), "raw_date": "2026-01-01",
                     "position": i, "list_page": k, "first_seen": now, "last_seen": now} for i in range(1000)]
            return ListItem, rows, ["column_id", "url"], {
                "update": ["title", "published_on", "raw_date", "position", "list_page", "last_seen"]}

        def new_targets(k: int) -> tuple[Any, list[dict[str, Any]], list[str], dict[str, Any]]:
            rows = [{"url": f"http://x/{k}/n{i}.html", "is_external": False} for i in range(2000)]
            return LinkTarget, rows, ["url"], {"update": (), "returning": "id"}

        return {"links": timed(store, batches, links), "list_items": timed(store, batches, list_items),
                "link_targets_returning": timed(store, batches, new_targets)}
    finally:
        store.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=30)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
                        help="a PostgreSQL database to create a scratch database beside")
    args = parser.parse_args()
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        out["sqlite"] = measure(f"sqlite:///{Path(folder) / 'rows.db'}", args.batches)
    name = f"bench_rows_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        out["postgresql"] = measure(make_url(args.pg).set(database=name).render_as_string(hide_password=False),
                                    args.batches)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
        admin.dispose()
    out["postgresql_cpu_vs_sqlite"] = {kind: round(out["postgresql"][kind]["cpu_s_per_10k"]
                                                   / out["sqlite"][kind]["cpu_s_per_10k"], 2)
                                       for kind in out["sqlite"]}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
