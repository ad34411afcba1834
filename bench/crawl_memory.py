"""Memory of one crawl process (issue #15): RSS at its start and as its pages grow, and what it keeps per page.

    .venv/bin/python -m bench.crawl_memory --shape sparse --pages 10000
    .venv/bin/python -m bench.crawl_memory --shape sparse --pages 10000 --tracemalloc 2000,10000
    .venv/bin/python -m bench.crawl_memory --worker-idle postgresql+psycopg://postgres@127.0.0.1:5432/DB
    .venv/bin/python -m bench.crawl_memory --units 2 --stored-pages 200000 --database postgresql+psycopg://…/EMPTY_DB

The crawl is the one a queue job starts (`python -m portalcheck.crawl_child … crawl --full`) against the
bench portal (bench/generate_portal.py, served by nginx), into a fresh SQLite database. Its RSS is sampled
every 0.1 s with the requests nginx answered so far: the figures are the RSS when the first request arrives
(the process's fixed cost: imports, settings, store), at given request counts, and the peak.
`--tracemalloc N,M`: the child runs under tracemalloc and writes a snapshot when nginx has answered N and M
requests; the top growths between them (by line) say what the crawl keeps per page.
`--worker-idle URL`: RSS of an idle `portalcheck worker --concurrency 2` (its queue on that PostgreSQL database).
`--units N --stored-pages M`: a queue job's crawl on a province's later night: only N of the portal's units are
crawled, into a store that already holds another ~100-unit county of M pages (bench/checks_store.py, 10 list
items and 10 links a page): what the crawl loads of earlier runs must be its units', not the store's.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import psutil
import yaml

from bench import generate_portal as gen
from bench.crawl import ensure_site
from bench.server import Nginx
from storage.session import Store

REPO = Path(__file__).resolve().parent.parent
MB = 2**20

# Run inside the crawl child under tracemalloc: snapshots when nginx's access log reaches the given lengths.
PROBE = """
import os, sys, threading, time, tracemalloc
from portalcheck.crawl_child import take_run_token
from portalcheck.cli import main
log, marks, out = os.environ["PC_MEM_LOG"], [int(m) for m in os.environ["PC_MEM_MARKS"].split(",")], os.environ["PC_MEM_OUT"]
def watch():
    while marks:
        with open(log, "rb") as f:
            n = sum(1 for _ in f)
        if n >= marks[0]:
            mark = marks.pop(0)
            if tracemalloc.is_tracing():
                tracemalloc.take_snapshot().dump(f"{out}/snap-{mark}.bin")
            else:  # where the RSS is: Python's allocator (arenas) against glibc's heap (mallinfo2)
                import ctypes, io, contextlib
                class Info(ctypes.Structure):
                    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd",
                                "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]
                libc = ctypes.CDLL("libc.so.6")
                libc.mallinfo2.restype = Info
                info = libc.mallinfo2()
                with open(f"{out}/stats-{mark}.txt", "w") as f:
                    f.write(f"glibc heap {info.arena / 2**20:.1f} MB, in use {info.uordblks / 2**20:.1f} MB, "
                            f"free {info.fordblks / 2**20:.1f} MB, mmapped {info.hblkhd / 2**20:.1f} MB\\n")
                    f.write(open("/proc/self/smaps_rollup").read())
                    os.dup2(f.fileno(), 2)
                    sys._debugmallocstats()
                    if os.environ.get("PC_MEM_TRIM"):  # what glibc would give back: free chunks inside its heap
                        before = int(open("/proc/self/statm").read().split()[1]) * 4096 / 2**20
                        libc.malloc_trim(0)
                        after = int(open("/proc/self/statm").read().split()[1]) * 4096 / 2**20
                        f.write(f"malloc_trim(0): RSS {before:.1f} -> {after:.1f} MB\\n")
        time.sleep(0.5)
threading.Thread(target=watch, daemon=True).start()
sys.exit(main(take_run_token(sys.argv[1:])))
"""


def log_lines(path: Path) -> int:
    with path.open("rb") as f:
        return sum(1 for _ in f)


def measure_crawl(args: argparse.Namespace) -> None:
    default = gen.DEFAULT_OUT.with_name(".site" if args.shape == "rich" else f".site-{args.shape}")
    out = default if args.pages == 50_000 else default.with_name(f"{default.name}-{args.pages}")
    state = ensure_site(out, args.pages, False, args.shape)
    run = Path(tempfile.mkdtemp(prefix="pc-mem-run-"))
    marks = sorted(int(m) for m in args.at.split(","))
    with Nginx(out / "www") as server:
        config = run / "config.yaml"
        config.write_text(gen.config_yaml(gen.rebuild(state), server.base_url, log_file=str(run / "crawl.log")),
                          encoding="utf-8")
        database = args.database or f"sqlite:///{run / 'bench.db'}"
        Store(database).dispose()  # at the newest schema, as a queue worker's store is when its jobs start
        if args.stored_pages:
            fill_store(database, args.stored_pages)
        env = {**os.environ, "PORTALCHECK_DATABASE_URL": database, "PYTHONPATH": str(REPO)}
        units = yaml.safe_load(config.read_text(encoding="utf-8"))["units"][:args.units] if args.units else []
        argv = ["--run-token", "bench", "--config", str(config), "crawl", "--full",
                *(a for unit in units for a in ("--unit", unit["name"]))]
        if args.tracemalloc or args.stats:
            env.update(PC_MEM_LOG=str(server.access_log), PC_MEM_MARKS=args.tracemalloc or args.stats, PC_MEM_OUT=str(run))
            cmd = [sys.executable, *(["-X", "tracemalloc=1"] if args.tracemalloc else []), "-c", PROBE, *argv]
        else:
            cmd = [sys.executable, "-m", "portalcheck.crawl_child", *argv]
        started = time.monotonic()
        child = subprocess.Popen(cmd, env=env, cwd=run, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        process = psutil.Process(child.pid)
        samples: list[tuple[float, int, float]] = []  # (seconds, requests answered, RSS MB)
        stopping = False
        while child.poll() is None:
            try:
                rss = process.memory_info().rss / MB
            except psutil.NoSuchProcess:
                break
            samples.append((time.monotonic() - started, log_lines(server.access_log), rss))
            if args.stop_after and samples[-1][1] >= args.stop_after and not stopping:
                stopping = True
                child.send_signal(signal.SIGINT)  # Scrapy's clean stop
            time.sleep(0.1)
        child.wait()
    scope = f"{args.units} units" if args.units else "every unit"
    stored = f", store already holding {args.stored_pages} other pages" if args.stored_pages else ""
    print(f"site {out.name}: {state['html_pages']} pages, {scope}{stored}; run folder {run}; exit {child.returncode}")
    first = next((s for s in samples if s[1] > 0), None)
    if first:
        print(f"  at the first request ({first[0]:.1f} s): {first[2]:.1f} MB")
    for mark in marks:
        hit = next((s for s in samples if s[1] >= mark), None)
        if hit:
            print(f"  at {mark:>6} requests ({hit[0]:.1f} s): {hit[2]:.1f} MB")
    if samples:
        peak = max(samples, key=lambda s: s[2])
        print(f"  peak {peak[2]:.1f} MB at {peak[1]} requests; {samples[-1][1]} requests in {samples[-1][0]:.1f} s")
    if args.tracemalloc:
        report_growth(run, [int(m) for m in args.tracemalloc.split(",")])


def fill_store(url: str, pages: int) -> None:
    """Another county's store in the crawl's database (ids after the bench portal's: none yet), as a
    province's store holds every other unit's columns, pages, list items and links on its next night."""
    from bench.bulk import BulkWriter
    from bench.checks_store import Sizes, StoreBuilder

    started = time.monotonic()
    writer = BulkWriter(url)
    StoreBuilder(Sizes(items=10 * pages, pages=pages, links=10 * pages)).build(writer)
    writer.finish()
    print(f"stored another county's {pages} pages in {time.monotonic() - started:.0f} s")


def report_growth(run: Path, marks: list[int], top: int = 25) -> None:
    """What tracemalloc saw at each mark, and what grew between each two marks, by line."""
    paths = [run / f"snap-{m}.bin" for m in marks]
    if not all(p.exists() for p in paths):
        print(f"  tracemalloc: snapshots missing in {run}")
        return
    snaps = [tracemalloc.Snapshot.load(str(p)) for p in paths]
    for mark, snap in zip(marks, snaps, strict=True):
        print(f"  traced at {mark} requests: {sum(s.size for s in snap.statistics('filename')) / MB:.1f} MB")
    for i in range(len(marks) - 1):
        (a, before), (b, after) = (marks[i], snaps[i]), (marks[i + 1], snaps[i + 1])
        print(f"  growth {a} -> {b} requests, by line (KB, count):")
        for stat in after.compare_to(before, "lineno")[:top]:
            frame = stat.traceback[0]
            print(f"    {stat.size_diff / 1024:9.0f} KB {stat.count_diff:+8d}  {frame.filename}:{frame.lineno}")


def measure_worker(url: str) -> None:
    """An idle `portalcheck worker` on an empty queue (the store at the head): its RSS once steady for 10 s."""
    run = Path(tempfile.mkdtemp(prefix="pc-mem-worker-"))
    config = run / "config.yaml"
    data = {"portal": {"name": gen.PORTAL["name"], "home": "http://127.0.0.1:9/", "site_code": gen.PORTAL["site_code"]},
            "units": [{"name": "白鹤镇", "kind": "乡镇", "site": "http://127.0.0.1:9/bhz/"}], "database": {"url": url}, "queue": {"stalled_seconds": 60, "group_by_host": True,
                                                             "batch_hosts": 30}}
    config.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    Store(url).dispose()
    portalcheck = str(Path(sys.executable).with_name("portalcheck"))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen([portalcheck, "--config", str(config), "worker", "--concurrency", "2"], env=env,
                             cwd=run, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        peak, last, steady = 0.0, 0.0, time.monotonic()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and child.poll() is None and time.monotonic() - steady < 10:
            rss = psutil.Process(child.pid).memory_info().rss / MB
            peak = max(peak, rss)
            if abs(rss - last) > 0.5:  # still starting: idle means 10 s without change
                last, steady = rss, time.monotonic()
            time.sleep(0.1)
        if child.poll() is not None:
            raise SystemExit(f"worker exited: {child.stderr.read().decode()[-2000:] if child.stderr else ''}")
        rss = psutil.Process(child.pid).memory_info().rss / MB
        print(f"idle worker (10 s without change): {rss:.1f} MB (peak {peak:.1f} MB)")
    finally:
        child.send_signal(signal.SIGINT)
        try:
            child.wait(30)
        except subprocess.TimeoutExpired:
            child.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--shape", choices=gen.SHAPES, default="sparse")
    parser.add_argument("--at", default="1,100,500,1000,2000,5000,10000", help="request counts to report the RSS at")
    parser.add_argument("--tracemalloc", help="request counts to take two tracemalloc snapshots at, e.g. 2000,10000")
    parser.add_argument("--database", help="store URL (default: a fresh SQLite file); an empty PostgreSQL "
                        "database for a queue job's crawl")
    parser.add_argument("--stop-after", type=int, help="stop the crawl (SIGINT) after this many requests")
    parser.add_argument("--stats", help="request counts to write glibc's and Python's allocator figures at")
    parser.add_argument("--units", type=int, help="crawl only this many of the portal's units (a queue job's share)")
    parser.add_argument("--stored-pages", type=int, help="the store already holds another county of this many pages")
    parser.add_argument("--worker-idle", metavar="URL", help="measure an idle queue worker on this PostgreSQL URL")
    args = parser.parse_args(argv)
    if args.worker_idle:
        measure_worker(args.worker_idle)
    else:
        measure_crawl(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
