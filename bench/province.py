"""Province benchmark (issue #15): many small portals on loopback hosts, crawled by 1, 2 and 4 queue workers.

    .venv/bin/python -m bench.province                          # 300 hosts, 100 ms latency, 1/2/4 workers
    .venv/bin/python -m bench.province --hosts 40 --workers 1,2 --window 60   # quick run
    .venv/bin/python -m bench.province --concurrency 2 --batch-pages 9000 --batch 50   # 2 slots (until 2026-12-05)

One run:
  - writes one synthetic portal of two units (bench/generate_portal.py, ≈ `--site-pages` pages each, 225 by
    default) and serves it from every host 127.0.0.2 … 127.0.0.(hosts+1) on one port, each host's unit its
    site, each response held back `--latency` seconds (a slow government server); the home is 127.0.0.1;
  - a config with one unit per host, the gentle real-portal defaults (2 per host, 0.5 s delay) and a
    `queue:` section (`batch_hosts` = --batch, `batch_pages` = --batch-pages, `unknown_unit_pages` =
    --unknown-pages: the store is fresh, so every unit is estimated at that), on a fresh PostgreSQL database;
  - for each worker count: enqueues a night, starts that many `portalcheck worker --concurrency C`
    processes, counts the pages stored over `--window` seconds after the first page, and samples the
    peak memory (RSS and PSS, by kind of process) of each worker with its crawl subprocesses, and the
    same peak over the samples without a crawl child (the night's last job: checks, pictures, exports);
  - the two limits in the same run: politeness = hosts × per-host rate (min(concurrency / latency,
    1 / delay)), and CPU = pages/s of one crawl of the same sites on fast hosts (no latency, no delay; or
    one large portal: `--fast-shape large`) × cores; and the
    CPU limit measured: the summed pages/s of one such crawl per core run at once (`--fast-crawls`), which
    share the cores with the server they crawl as the province's workers do; and both again with queue
    workers instead of stand-alone crawls (`worker_limit`: the issue's "one worker on the fast local portal
    × cores", storing over PostgreSQL as the province's workers do).
The result is printed as JSON and a markdown table for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import psutil
import yaml
from sqlalchemy import create_engine, make_url, text

from bench import generate_portal as gen
from bench.server import free_port
from portalcheck.core.config import QueueConfig

REPO = Path(__file__).resolve().parent.parent
PORTALCHECK = str(Path(sys.executable).parent / "portalcheck")
BASE_DB = os.environ.get("PORTALCHECK_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TARGETS = {"of_lower_limit": 0.8, "peak_rss_mb_per_worker": 500}


# --- the hosts -----------------------------------------------------------------------------------------


def serve_hosts(root: Path, hosts: list[str], port: int, latency: float) -> threading.Event:
    """Serve `root` on every host:port from one asyncio loop in a thread; set the returned event to stop."""
    from aiohttp import web

    stop = threading.Event()
    ready = threading.Event()

    async def handle(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(latency)
        path = (root / request.path.lstrip("/")).resolve()
        if path.is_dir():
            path = path / "index.html"
        if not path.is_relative_to(root) or not path.is_file():
            return web.Response(status=404, text="not found")
        kind = "text/html" if path.suffix == ".html" else "application/octet-stream"
        return web.Response(body=path.read_bytes(), content_type=kind, charset="utf-8" if kind == "text/html" else None)

    async def main() -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        for host in hosts:
            await web.TCPSite(runner, host, port, backlog=512).start()
        ready.set()
        while not stop.is_set():
            await asyncio.sleep(0.2)
        await runner.cleanup()

    threading.Thread(target=lambda: asyncio.run(main()), name="province-hosts", daemon=True).start()
    if not ready.wait(60):
        raise RuntimeError("the loopback hosts did not start")
    return stop


# --- config and database --------------------------------------------------------------------------------


def _write_config(folder: Path, data: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def province_config(folder: Path, portal: gen.Portal, hosts: list[str], port: int, db_url: str, *,
                    per_host: int, delay: float, batch: int, batch_pages: int, unknown_pages: int) -> Path:
    return _write_config(folder, {
        **province_data(portal, hosts, port, per_host=per_host, delay=delay), "database": {"url": db_url},
        "queue": {"stalled_seconds": 60, "group_by_host": True, "batch_hosts": batch, "batch_pages": batch_pages,
                  "unknown_unit_pages": unknown_pages}})


def province_data(portal: gen.Portal, hosts: list[str], port: int, *, per_host: int, delay: float) -> dict[str, Any]:
    """One unit per host, each host serving the same small portal (its units in turn); no database, no queue."""
    units = []
    for i, host in enumerate(hosts):
        unit = portal.units[i % len(portal.units)]
        units.append({"name": f"{unit.name}{i:04d}", "kind": unit.kind, "site": f"http://{host}:{port}{unit.site}"})
    return {
        "portal": {"name": gen.PORTAL["name"], "home": f"http://127.0.0.1:{port}/", "site_code": gen.PORTAL["site_code"]},
        "units": units,
        # concurrent_requests stays the default: a crawl of several hosts raises it to hosts × per host
        "crawl": {"concurrency_per_host": per_host, "delay_seconds": delay,
                  "autothrottle": False, "obey_robots": False, "check_external_links": False,
                  "log_file": "logs/crawl.log"},
    }


def fresh_database() -> tuple[str, Any]:
    admin = create_engine(BASE_DB, isolation_level="AUTOCOMMIT")
    name = f"pc_province_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(BASE_DB).set(database=name).render_as_string(hide_password=False), drop


def pages_stored(db_url: str) -> int:
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM pages")).scalar_one()
    finally:
        engine.dispose()


def _tree_sums(pid: int, measure: Callable[[psutil.Process], float],
               kind: Callable[[psutil.Process], str] = lambda _: "all") -> dict[str, float]:
    """`measure` summed per `kind` over a worker and its live subprocesses (one that ends meanwhile counts 0)."""
    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return {}
    totals: dict[str, float] = {}
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            key = kind(p)
            totals[key] = totals.get(key, 0.0) + measure(p)
    return totals


def _cpu_s(p: psutil.Process) -> float:
    times = p.cpu_times()
    return times.user + times.system + times.children_user + times.children_system


def tree_cpu_s(pid: int) -> float:
    """CPU seconds of a worker, its live crawl subprocesses and the ones it already reaped."""
    return sum(_tree_sums(pid, _cpu_s).values())


def _kind(proc: psutil.Process) -> str:
    """What a process of a worker's tree is: the worker, a crawl child, chromium, … (where a peak sits)."""
    args = proc.cmdline()
    for marker in ("crawl_child", "night_checks", "worker", "chromium", "chrome", "playwright"):
        if any(marker in arg for arg in args[:3]):
            return marker
    return proc.name()


def _rss_pss(p: psutil.Process) -> tuple[float, float]:
    """RSS and PSS (Linux: each shared page divided among the processes mapping it) of one process, in bytes.
    Summed over chromium's processes RSS counts their shared code and memory once per process; PSS does not."""
    full = p.memory_full_info()
    return float(full.rss), float(getattr(full, "pss", full.rss))


def tree_memory_mb_by_kind(pid: int) -> dict[str, dict[str, float]]:
    """A worker's memory with its subprocesses (what one worker costs the machine), in MB per kind of process:
    {"rss": {kind: MB}, "pss": {kind: MB}} from one walk of the tree."""
    pairs: dict[str, tuple[float, float]] = {}
    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return {"rss": {}, "pss": {}}
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            key, (rss, pss) = _kind(p), _rss_pss(p)
            old = pairs.get(key, (0.0, 0.0))
            pairs[key] = (old[0] + rss, old[1] + pss)
    return {"rss": {k: round(v[0] / 1e6, 1) for k, v in pairs.items()},
            "pss": {k: round(v[1] / 1e6, 1) for k, v in pairs.items()}}


# --- runs ----------------------------------------------------------------------------------------------


def start_night(config: Path, env: dict[str, str]) -> None:
    """The config's database at the newest schema and a night's jobs on its queue, as the scheduler's trigger
    enqueues them."""
    subprocess.run([PORTALCHECK, "--config", str(config), "db", "upgrade"], check=True, cwd=config.parent,
                   capture_output=True, env=env)
    subprocess.run([sys.executable, "-c", "import sys; from portalcheck.core.config import load_config; "
                    "from portalcheck.service.queue import enqueue_night; "
                    "enqueue_night(load_config(sys.argv[1]))", str(config)], env=env, check=True, cwd=REPO)


def stop_workers(procs: list[subprocess.Popen[bytes]]) -> None:
    """Kill workers and their crawl children outright: a measurement ends at its window, not at a clean point."""
    for proc in procs:
        for child in psutil.Process(proc.pid).children(recursive=True):
            child.send_signal(signal.SIGKILL)
        proc.kill()
        proc.wait(30)


def run_workers(config: Path, db_url: str, workers: int, concurrency: int, window: float) -> dict[str, Any]:
    """Enqueue a night, run `workers` workers, measure pages/s over `window` s after the first page."""
    env = {**os.environ, "PORTALCHECK_DATABASE_URL": db_url}
    start_night(config, env)
    before = pages_stored(db_url)
    engine = create_engine(db_url)
    with engine.connect() as connection:
        hosts_per_job = sorted(n for (n,) in connection.execute(text(
            "SELECT count(*) FROM queue_jobs GROUP BY job_id")))
    engine.dispose()
    procs = [subprocess.Popen([PORTALCHECK, "--config", str(config), "worker", "--concurrency", str(concurrency)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO)
             for _ in range(workers)]
    load = [os.getloadavg()[0]]
    peak = [0.0] * workers
    peak_breakdown: dict[str, float] = {}
    peak_pss = [0.0] * workers
    peak_pss_breakdown: dict[str, float] = {}
    # The same two peaks by phase: over the samples where no crawl child runs (the night's last job:
    # finish_night's checks, evidence pictures, exports) and over those where one does; each phase's peak
    # the other's, when higher, would otherwise hide.
    end: dict[str, Any] = {"rss": 0.0, "pss": 0.0, "rss_by_process": {}, "pss_by_process": {}}
    crawling: dict[str, Any] = {"rss": 0.0, "pss": 0.0, "rss_by_process": {}, "pss_by_process": {}}
    try:
        deadline = time.monotonic() + 300
        while pages_stored(db_url) == before and time.monotonic() < deadline:
            time.sleep(0.5)
        start, first = time.monotonic(), pages_stored(db_url)
        cpu_first = sum(tree_cpu_s(proc.pid) for proc in procs)
        while time.monotonic() - start < window:
            for n, proc in enumerate(procs):
                memory = tree_memory_mb_by_kind(proc.pid)
                breakdown, pss = memory["rss"], memory["pss"]
                if sum(breakdown.values()) > peak[n]:
                    peak[n] = sum(breakdown.values())
                    if peak[n] >= max(peak):
                        peak_breakdown = breakdown
                if sum(pss.values()) > peak_pss[n]:
                    peak_pss[n] = sum(pss.values())
                    if peak_pss[n] >= max(peak_pss):
                        peak_pss_breakdown = pss
                phase = crawling if "crawl_child" in breakdown else end
                for measure, by_kind in (("rss", breakdown), ("pss", pss)):
                    if sum(by_kind.values()) > phase[measure]:
                        phase[measure], phase[f"{measure}_by_process"] = sum(by_kind.values()), by_kind
            load.append(os.getloadavg()[0])
            time.sleep(1.0)
        pages = pages_stored(db_url) - first
        elapsed = time.monotonic() - start
        cpu = sum(tree_cpu_s(proc.pid) for proc in procs) - cpu_first
    finally:
        stop_workers(procs)
    return {"workers": workers, "concurrency": concurrency, "jobs": len(hosts_per_job),
            "hosts_per_job": [hosts_per_job[0], hosts_per_job[-1]] if hosts_per_job else [],
            "pages": pages, "seconds": round(elapsed, 1),
            "pages_per_s": round(pages / elapsed, 1), "peak_rss_mb_per_worker": round(max(peak), 1),
            "peak_rss_mb_by_process": peak_breakdown,
            "peak_pss_mb_per_worker": round(max(peak_pss), 1), "peak_pss_mb_by_process": peak_pss_breakdown,
            **{f"peak_mb_{name}": {k: round(v, 1) if isinstance(v, float) else v for k, v in phase.items()}
               for name, phase in (("without_crawl_children", end), ("while_crawling", crawling))},
            "workers_cpu_s": round(cpu, 1), "pages_per_cpu_s": round(pages / cpu, 1) if cpu else None,
            "load_avg_1m": [round(min(load), 2), round(max(load), 2)]}


@dataclass
class FastPortal:
    """The sites of the CPU limit, served with no latency; `config` is a crawl config without `database`."""

    config: dict[str, Any]
    stop: threading.Event


def fast_portal(folder: Path, shape: str, pages: int, province: gen.Portal) -> FastPortal:
    """The portal the CPU limit is measured on, on its own server process with no latency and no delay:
    - `province`: the province's own small sites (the same pages, so the same mix of homes, list pages and
      articles a page costs), ≈ `pages` of them on as many fast loopback hosts 127.1.x.y as that takes, 2
      requests at a time each;
    - `large`: one large synthetic portal of `pages` pages on 127.0.0.1 (the runs before 2026-12-05: larger
      columns, so fewer list pages and unit homes per page than the province's sites)."""
    port = free_port()
    if shape == "large":
        portal = gen.build_portal(pages, seed=16, today=date.today())
        gen.write_site(portal, folder / "fast" / "www", seed=16)
        stop = serve_hosts((folder / "fast" / "www").resolve(), ["127.0.0.1"], port, 0.0)
        return FastPortal(yaml.safe_load(gen.config_yaml(portal, f"http://127.0.0.1:{port}/")), stop)
    per_site = gen.figures(province)["html_pages"] / len(province.units)
    hosts = [f"127.1.{i // 250}.{i % 250 + 1}" for i in range(max(1, round(pages / per_site)))]
    stop = serve_hosts((folder / "www").resolve(), ["127.0.0.1", *hosts], port, 0.0)
    return FastPortal(province_data(province, hosts, port, per_host=2, delay=0.0), stop)


def cpu_limit(folder: Path, fast: FastPortal, crawls: int) -> dict[str, Any]:
    """The CPU limit two ways, with stand-alone full crawls (`portalcheck crawl --full`, SQLite):
    - as the issue defines it: one full crawl's pages/s × cores;
    - measured: `crawls` full crawls at once (one per core), each into its own store, served by one server
      process as the province is. On one machine the crawls share the cores with the server they crawl (and
      the province's workers with PostgreSQL too), which one crawl × cores does not count."""
    env = {k: v for k, v in os.environ.items() if k != "PORTALCHECK_DATABASE_URL"}

    def crawl_at_once(count: int) -> tuple[int, float, float]:
        """Pages stored, wall seconds and CPU seconds of `count` full crawls started together."""
        configs = [_write_config(folder / "fast-crawls" / f"crawl{count}-{n}",
                                 {**fast.config, "database": {"url": "sqlite:///bench.db"}}) for n in range(count)]
        started, cpu_before = time.monotonic(), psutil.Process().cpu_times()
        procs = [subprocess.Popen([PORTALCHECK, "--config", str(config), "crawl", "--full"], env=env,
                                  cwd=config.parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for config in configs]
        if any([proc.wait() for proc in procs]):
            raise RuntimeError("a fast crawl failed")
        elapsed = time.monotonic() - started
        cpu_after = psutil.Process().cpu_times()
        cpu = (cpu_after.children_user + cpu_after.children_system
               - cpu_before.children_user - cpu_before.children_system)
        return sum(pages_stored(f"sqlite:///{config.parent / 'bench.db'}") for config in configs), elapsed, cpu

    stored, elapsed, cpu = crawl_at_once(1)
    together, together_s, together_cpu = crawl_at_once(crawls) if crawls > 1 else (stored, elapsed, cpu)
    one = stored / elapsed
    return {"pages": stored, "seconds": round(elapsed, 1), "pages_per_s": round(one, 1),
            "cpu_s": round(cpu, 1), "pages_per_cpu_s": round(stored / cpu, 1) if cpu else None,
            "cpu_limit_pages_s": round(one * (os.cpu_count() or 1), 1),
            "crawls_at_once": crawls, "at_once_pages": together, "at_once_seconds": round(together_s, 1),
            "at_once_cpu_s": round(together_cpu, 1),
            "measured_cpu_limit_pages_s": round(together / together_s, 1)}


def worker_limit(folder: Path, fast: FastPortal, workers: int) -> dict[str, Any]:
    """The CPU limit as issue #15 words it: pages/s of one *worker* on the fast local portal × cores, and
    `workers` of them at once (one per core, each with its own PostgreSQL database, as the measured limit of
    `cpu_limit`). Unlike a stand-alone crawl into SQLite, this pays what a queue job pays: storing over
    PostgreSQL, the job's crawl process and leases. Each worker (`--concurrency 1`) runs one night of the fast
    portal (one job: `batch_pages` and `batch_hosts` take every host); pages/s and CPU seconds are counted from
    the first page stored to the last (the night's end, checks and exports, is not crawling)."""
    runs: list[dict[str, Any]] = []
    for count in sorted({1, workers}):
        databases = [fresh_database() for _ in range(count)]
        try:
            runs.append(_fast_workers(folder, fast, [url for url, _ in databases]))
        finally:
            for _, drop in databases:
                drop()
    one, together = runs[0], runs[-1]
    return {**one, "cpu_limit_pages_s": round(one["pages_per_s"] * (os.cpu_count() or 1), 1),
            "workers_at_once": workers, "at_once_pages": together["pages"],
            "at_once_seconds": together["seconds"], "at_once_cpu_s": together["cpu_s"],
            "measured_cpu_limit_pages_s": together["pages_per_s"]}


def _fast_workers(folder: Path, fast: FastPortal, db_urls: list[str]) -> dict[str, Any]:
    """One `portalcheck worker --concurrency 1` per database, started together on the fast portal."""
    procs: list[subprocess.Popen[bytes]] = []
    for n, db_url in enumerate(db_urls):
        config = _write_config(folder / "fast-workers" / f"worker{len(db_urls)}-{n}", {
            **fast.config, "database": {"url": db_url},
            "queue": {"stalled_seconds": 60, "group_by_host": True, "batch_hosts": 500, "batch_pages": 10**9}})
        env = {**os.environ, "PORTALCHECK_DATABASE_URL": db_url}
        start_night(config, env)
        procs.append(subprocess.Popen([PORTALCHECK, "--config", str(config), "worker", "--concurrency", "1"],
                                      env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                      cwd=config.parent))
    try:
        first: tuple[float, int, float] | None = None
        last: tuple[float, int, float] = (time.monotonic(), 0, 0.0)
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            stored = sum(pages_stored(url) for url in db_urls)
            now, cpu = time.monotonic(), sum(tree_cpu_s(proc.pid) for proc in procs)
            if stored and first is None:
                first = (now, stored, cpu)
            if stored > last[1]:
                last = (now, stored, cpu)
            if first is not None and not _crawling(procs) and now - last[0] > 2:
                break
            time.sleep(0.5)
    finally:
        stop_workers(procs)
    if first is None:
        raise RuntimeError("no worker stored a page of the fast portal")
    pages, seconds, cpu = last[1] - first[1], last[0] - first[0], last[2] - first[2]
    return {"pages": last[1], "seconds": round(seconds, 1), "pages_per_s": round(pages / seconds, 1),
            "cpu_s": round(cpu, 1), "pages_per_cpu_s": round(pages / cpu, 1) if cpu else None}


def _crawling(procs: list[subprocess.Popen[bytes]]) -> bool:
    """Whether a crawl child of these workers is alive (a zombie waiting to be reaped is not)."""
    for proc in procs:
        for child in psutil.Process(proc.pid).children(recursive=True):
            with contextlib.suppress(psutil.NoSuchProcess, psutil.ZombieProcess):
                if _kind(child) == "crawl_child":
                    return True
    return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=300)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--per-host", type=int, default=2)
    parser.add_argument("--delay", type=float, default=0.5)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--site-pages", type=int, default=225,
                        help="≈ pages of each host's site (the synthetic portal's two units, one a host)")
    parser.add_argument("--concurrency", type=int, default=1,
                        help="job slots (crawl processes) per worker (the deployment's: deploy/portalcheck-worker@.service)")
    queue_defaults = QueueConfig()
    parser.add_argument("--batch", type=int, default=queue_defaults.batch_hosts,
                        help="at most this many hosts per job (queue.batch_hosts)")
    parser.add_argument("--batch-pages", type=int, default=queue_defaults.batch_pages,
                        help="estimated pages per job (queue.batch_pages; a large value: batches by hosts only)")
    parser.add_argument("--unknown-pages", type=int, default=queue_defaults.unknown_unit_pages,
                        help="the estimate of a unit never crawled (queue.unknown_unit_pages): all of them here")
    parser.add_argument("--window", type=float, default=120.0, help="seconds measured per worker count")
    parser.add_argument("--fast-pages", type=int, default=5000, help="size of the portal of the CPU limit")
    parser.add_argument("--fast-crawls", type=int, default=os.cpu_count() or 1,
                        help="fast crawls run at once for the measured CPU limit (default: one per core)")
    parser.add_argument("--fast-shape", choices=("province", "large"), default="province",
                        help="the CPU limit's portal: the province's own sites on fast hosts, or one large portal")
    parser.add_argument("--no-worker-limit", dest="worker_limit", action="store_false",
                        help="skip the CPU limit measured with queue workers on the fast portal")
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="province-"))
    portal = gen.build_portal(2 * args.site_pages, seed=15, today=date.today(), unit_count=2)  # a host serves one
    gen.write_site(portal, folder / "www", seed=15)
    hosts = [f"127.0.{(i + 2) // 256}.{(i + 2) % 256}" for i in range(args.hosts)]
    port = free_port()
    stop = serve_hosts((folder / "www").resolve(), ["127.0.0.1", *hosts], port, args.latency)
    results: dict[str, Any] = {"hosts": args.hosts, "site_pages": args.site_pages, "latency_s": args.latency, "per_host": args.per_host,
                               "delay_s": args.delay, "batch_hosts": args.batch, "batch_pages": args.batch_pages,
                               "unknown_unit_pages": args.unknown_pages, "cores": os.cpu_count(),
                               "load_avg_at_start": [round(x, 2) for x in os.getloadavg()], "runs": []}
    per_host_rate = min(args.per_host / args.latency, 1 / args.delay) if args.delay else args.per_host / args.latency
    results["politeness_limit_pages_s"] = round(args.hosts * per_host_rate, 1)
    fast = fast_portal(folder, args.fast_shape, args.fast_pages, portal)
    results["fast_shape"] = args.fast_shape
    try:
        results["one_fast_crawl"] = cpu_limit(folder, fast, args.fast_crawls)
        print(json.dumps(results["one_fast_crawl"]), flush=True)
        if args.worker_limit:
            results["one_fast_worker"] = worker_limit(folder, fast, args.fast_crawls)
            print(json.dumps(results["one_fast_worker"]), flush=True)
    finally:
        fast.stop.set()
    results["cpu_limit_pages_s"] = results["one_fast_crawl"]["cpu_limit_pages_s"]
    results["measured_cpu_limit_pages_s"] = results["one_fast_crawl"]["measured_cpu_limit_pages_s"]
    try:
        for count in [int(w) for w in args.workers.split(",")]:
            db_url, drop = fresh_database()
            try:
                config = province_config(folder, portal, hosts, port, db_url, per_host=args.per_host,
                                         delay=args.delay, batch=args.batch, batch_pages=args.batch_pages,
                                         unknown_pages=args.unknown_pages)
                run = run_workers(config, db_url, count, args.concurrency, args.window)
                results["runs"].append(run)
                print(json.dumps(run), flush=True)
            finally:
                drop()
    finally:
        stop.set()
        shutil.rmtree(folder, ignore_errors=True)
    lower = min(results["politeness_limit_pages_s"], results["cpu_limit_pages_s"])
    measured = min(results["politeness_limit_pages_s"], results["measured_cpu_limit_pages_s"])
    results["lower_limit_pages_s"], results["measured_lower_limit_pages_s"] = lower, measured
    for run in results["runs"]:
        run["of_lower_limit"] = round(run["pages_per_s"] / lower, 2)
        run["of_measured_lower_limit"] = round(run["pages_per_s"] / measured, 2)
    if worker := results.get("one_fast_worker"):
        by_worker = min(results["politeness_limit_pages_s"], worker["cpu_limit_pages_s"])
        measured_by_worker = min(results["politeness_limit_pages_s"], worker["measured_cpu_limit_pages_s"])
        results["worker_lower_limit_pages_s"] = by_worker
        results["measured_worker_lower_limit_pages_s"] = measured_by_worker
        for run in results["runs"]:
            run["of_worker_lower_limit"] = round(run["pages_per_s"] / by_worker, 2)
            run["of_measured_worker_lower_limit"] = round(run["pages_per_s"] / measured_by_worker, 2)
    print(json.dumps(results, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
