"""Checks benchmark: every check over 1,000,000 list items, 100,000 pages and 1,000,000 links in < 60 s.

    .venv/bin/python -m bench.checks                                   # SQLite and PostgreSQL, full size
    .venv/bin/python -m bench.checks --db sqlite --items 100000 --pages 10000 --links 100000 --units 10  # quick
    .venv/bin/python -m bench.checks --db postgresql --reuse           # checks again on the last store

A synthetic store shaped like the crawler's output (bench/checks_store.py) is bulk-loaded into a
fresh database migrated by Alembic (SQLite file in the temp folder; PostgreSQL database
`bench_checks`), then `checks.runner.run_checks` — what `portalcheck check` runs — judges it twice in
a child process: first with every finding new, then one hour later, when every finding is matched
and updated in place (nothing new, nothing resolved); then one unit's checks, as a recheck runs them
(with the figures of every unit) and as a queue night's unit job does (its findings only); then a later
night over every unit in a fresh child (its peak RSS is that run's alone, as the night's checks process has
it). Reported per run: wall time, per-rule seconds (RuleOutcome.seconds), the child's CPU time and peak RSS, and on
PostgreSQL the CPU time of the server backends serving the database (read from /proc; their memory is
not counted).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
LIMIT_SECONDS = 60.0
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_checks"


def sqlite_url(sizes: Any) -> str:
    folder = Path(tempfile.gettempdir()) / "portalcheck-bench-checks"
    folder.mkdir(exist_ok=True)
    return f"sqlite:///{folder / f'checks-{sizes.items}-{sizes.pages}-{sizes.links}-{sizes.units}.db'}"


def reset(url: str) -> None:
    """An empty database at `url` (the SQLite file removed, the PostgreSQL database recreated)."""
    from sqlalchemy import create_engine, make_url, text

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{parsed.database}{suffix}").unlink(missing_ok=True)
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def generate(url: str, sizes: Any, seed: int) -> dict[str, Any]:
    """Migrate an empty database and fill it; the seconds and the row counts of every table."""
    from bench.bulk import BulkWriter
    from bench.checks_store import StoreBuilder
    from storage.session import Store

    reset(url)
    Store(url).dispose()  # Alembic creates the schema, indexes included, as for a real deployment
    started = time.perf_counter()
    writer = BulkWriter(url)
    StoreBuilder(sizes, seed).build(writer)
    counts = dict(writer.counts)
    writer.finish()
    return {"seconds": round(time.perf_counter() - started, 1), "rows": counts}


def measure(url: str) -> dict[str, Any]:
    """Two check runs in a child process (so that its peak RSS is the checks' own), then a later night's run in
    a fresh one: its peak is that run's alone, as the night's checks child has it (the second run above shares
    the first's process, so its RSS is the larger of both)."""
    result = _child("--child", url)
    result["later_night"] = _child("--child-later", url)
    return result


def _child(option: str, url: str) -> dict[str, Any]:
    child = subprocess.run([sys.executable, "-m", "bench.checks", option, url], cwd=REPO, capture_output=True,
                           text=True, check=False)
    if child.returncode != 0:
        raise SystemExit(f"check run failed:\n{child.stderr[-4000:]}")
    return json.loads(child.stdout.strip().splitlines()[-1])


def peak_rss_mb() -> int:
    """This process's peak RSS (VmHWM: ru_maxrss would count the parent's memory at fork, kept across exec)."""
    status = Path("/proc/self/status").read_text()
    return round(int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))) / 1024)


def server_cpu(store: Any) -> float | None:
    """CPU seconds of the PostgreSQL backends serving this database (from /proc; same machine), else None."""
    from sqlalchemy import text

    if store.engine.dialect.name != "postgresql":
        return None
    with store.engine.connect() as connection:
        pids = connection.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")).scalars()
        ticks = 0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _open(url: str, *, fresh: bool) -> tuple[Any, Any, list[Any]]:
    """The store at `url` (its findings deleted when `fresh`), the bench's config for its units, the units."""
    from sqlalchemy import delete, select

    from bench.checks_store import config_data
    from portalcheck.core.config import Config
    from storage.models import Finding, Unit
    from storage.session import Store

    store = Store(url)
    with store.session() as session:
        if fresh:
            session.execute(delete(Finding))  # a reused store starts with no findings again
        units = session.execute(select(Unit.name, Unit.kind, Unit.site_url).order_by(Unit.id)).all()
    return store, Config.model_validate(config_data([tuple(u) for u in units])), units


def timed_run(store: Any, config: Any, as_of: Any, **scope: Any) -> tuple[Any, dict[str, Any]]:
    """One check run and what it cost: wall and CPU seconds, this process's and the database's."""
    from checks.runner import run_checks

    cpu, server = resource.getrusage(resource.RUSAGE_SELF), server_cpu(store)
    started = time.perf_counter()
    report = run_checks(store, config, as_of, **scope)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    return report, {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime, 2),
        "server_cpu_seconds": round(server_cpu(store) - server, 2) if server is not None else None}


def later_night(url: str) -> dict[str, Any]:
    """One run over every unit at a later moment, after `child`'s (every finding matched and moved on)."""
    from bench.checks_store import AS_OF

    store, config, _units = _open(url, fresh=False)
    report, cost = timed_run(store, config, AS_OF + timedelta(hours=5))
    store.dispose()
    return {**cost, "peak_rss_mb": peak_rss_mb(), "totals": dict(report.totals())}


def child(url: str) -> dict[str, Any]:
    """Run every check twice on the store at `url`; timings, findings and memory as JSON."""
    from bench.checks_store import AS_OF

    store, config, units = _open(url, fresh=True)

    runs = []
    for as_of in (AS_OF, AS_OF + timedelta(hours=1)):
        report, cost = timed_run(store, config, as_of)
        runs.append({
            "as_of": as_of.isoformat(), **cost,
            "peak_rss_mb": peak_rss_mb(), "totals": dict(report.totals()),
            "not_checked": len(report.not_checked),
            "rules": [{"rule": o.rule, "seconds": round(o.seconds, 3), "found": o.found, "new": o.new, "open": o.open,
                       "resolved": o.resolved, "error": o.error} for o in report.outcomes],
        })
    unit = units[len(units) // 2][0]
    unit_job = []  # one unit's checks as a queue night's job runs them (figures=False) and as a recheck does
    for hours, figures in ((2, True), (3, False)):
        report, cost = timed_run(store, config, AS_OF + timedelta(hours=hours), units=[unit],
                                 figures=figures)
        unit_job.append({"unit": unit, "figures": figures, **cost, "found": dict(report.totals())["found"]})
    store.dispose()
    return {"runs": runs, "unit_job": unit_job}


def markdown(result: dict[str, Any]) -> str:
    """The figures of one database as a markdown block (for the terminal and BENCHMARKS.md)."""
    first, second = result["runs"]
    lines = [f"### {result['db']}: generation {result['generate']['seconds']} s, "
             f"checks {first['seconds']} s (first) / {second['seconds']} s (second)", "",
             "| rule | first run s | second run s | findings |", "|---|---:|---:|---:|"]
    order = sorted(range(len(first["rules"])), key=lambda i: -first["rules"][i]["seconds"])
    for i in order:
        a, b = first["rules"][i], second["rules"][i]
        error = f" (error: {a['error']})" if a["error"] else ""
        lines.append(f"| {a['rule']}{error} | {a['seconds']:.2f} | {b['seconds']:.2f} | {a['found']:,} |")
    server = (f"; PostgreSQL backends {first['server_cpu_seconds']} / {second['server_cpu_seconds']}"
              if first.get("server_cpu_seconds") is not None else "")
    lines += ["", f"totals first run: {first['totals']}; second run: {second['totals']}",
              f"CPU s (Python process): {first['cpu_seconds']} / {second['cpu_seconds']}{server}; "
              f"peak RSS {first['peak_rss_mb']} MB / {second['peak_rss_mb']} MB"]
    later = result.get("later_night")
    if later:
        lines.append(f"a later night in a fresh process: {later['seconds']} s, peak RSS {later['peak_rss_mb']} MB, "
                     f"{later['totals']['found']:,} findings ({later['totals']['open']:,} moved on)")
    for job in result.get("unit_job", []):
        what = "with the figures of every unit (a recheck)" if job["figures"] else "findings only (a night's job)"
        server = f", PostgreSQL backends {job['server_cpu_seconds']}" if job["server_cpu_seconds"] is not None else ""
        lines.append(f"one unit ({job['unit']}), {what}: {job['seconds']} s, CPU s {job['cpu_seconds']}{server}, "
                     f"{job['found']:,} findings")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from bench.checks_store import Sizes

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--pages", type=int, default=100_000)
    parser.add_argument("--links", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=100, help="units, the 门户 included (~30 columns each)")
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", PG_URL))
    parser.add_argument("--reuse", action="store_true", help="check the store left by the last run of these sizes")
    parser.add_argument("--generate-only", action="store_true", help="build the store, run no checks")
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-later", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child)))
        return 0
    if args.child_later:
        print(json.dumps(later_night(args.child_later)))
        return 0
    sizes = Sizes(args.items, args.pages, args.links, args.units)
    results = []
    for db in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
        url = sqlite_url(sizes) if db == "sqlite" else args.pg_url
        generated = {"seconds": None, "rows": {}} if args.reuse else generate(url, sizes, args.seed)
        if args.generate_only:
            print(f"{db}: {url} generated in {generated['seconds']} s: {generated['rows']}", flush=True)
            continue
        load_before = os.getloadavg()[0]
        result = {"db": db, "generate": generated, **measure(url), "load_average": [round(load_before, 1),
                                                                                    round(os.getloadavg()[0], 1)]}
        results.append(result)
        print(markdown(result), flush=True)
        print(f"rows: {generated['rows']}; load average {result['load_average']}\n", flush=True)
    if args.generate_only:
        return 0
    report = {"date": date.today().isoformat(), "python": platform.python_version(), "cpus": os.cpu_count(),
              "sizes": asdict(sizes), "results": results}
    if args.json:
        Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    met = all(max(r["runs"][0]["seconds"], r["runs"][1]["seconds"]) < LIMIT_SECONDS for r in results)
    print(f"target < {LIMIT_SECONDS:.0f} s per check run: {'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
