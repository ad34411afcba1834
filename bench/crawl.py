"""Crawl benchmark: portalcheck against wget2 and LinkChecker on one synthetic portal, served by nginx.

    .venv/bin/python -m bench.crawl                 # 50,000 pages (several minutes)
    .venv/bin/python -m bench.crawl --pages 5000    # quick run
    .venv/bin/python -m bench.crawl --pages 5000 --profile   # + py-spy profile of the full crawl
    .venv/bin/python -m bench.crawl --shape sparse           # small pages with few links (fixed cost per page)

One run: generate the site if needed (bench/generate_portal.py), start a private nginx on a free
127.0.0.1 port, then measure
  (a) `portalcheck crawl --full` into a fresh SQLite database: wall time, pages, pages/s, peak RSS;
  (b) `--mutate 0.01` (1% new items), then `portalcheck crawl` (incremental): requests seen by
      nginx against the minimum (1 home + every column's first list page + every new article);
  (c) wget2, recursive, --max-threads 32 (the C ceiling: it parses nothing but links);
  (d) LinkChecker, recursive, 16 threads, its per-host rate limit lifted;
  (e) a bare Scrapy spider with portalcheck's concurrency that only follows links (bench/plain_scrapy.py):
      the Scrapy ceiling, which says how much of the distance to wget2 is the engine's own.
Pages are counted the same way for every tool, from nginx's access log: distinct HTML URLs (`/`,
`*.html`) answered 200 to a GET; pages/s divides them by the tool's wall time (process start to exit).
Later TRS list pages (index_N.html) are only reachable through the createPageHTML() script, which
wget2, LinkChecker and the bare spider do not run: they get those URLs as extra start URLs, so all
see the whole site.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import psutil

from bench import generate_portal as gen
from bench.server import Hit, Nginx

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PORTALCHECK = str(VENV_BIN / "portalcheck")
LINKCHECKER = str(VENV_BIN / "linkchecker")
PY_SPY = str(VENV_BIN / "py-spy")
WGET2 = shutil.which("wget2") or "/usr/bin/wget2"
HTML = re.compile(r"(/|\.html?)$")
ARTICLE = re.compile(r"/t\d{8}_\d+\.html$")
LATER_LIST = re.compile(r"/index_\d+\.html$")
TARGETS = {"vs_linkchecker": 3.0, "vs_wget2": 0.1, "incremental_ratio": 1.1, "peak_rss_mb_50k": 500}


@dataclass
class Measured:
    wall_s: float = 0.0
    peak_rss_mb: float = 0.0  # the process and all its children (sampled every 0.1 s)
    peak_main_rss_mb: float = 0.0  # the process alone
    cpu_s: float = 0.0  # user + system CPU of the process and its waited-for children
    load_avg: float = 0.0  # the machine's 1-minute load average when the process ended (2 cores)
    load_range: tuple[float, float] = (0.0, 0.0)  # lowest and highest 1-minute load average while it ran
    returncode: int | None = None
    timed_out: bool = False
    requests: int = 0
    pages: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    notes: str = ""

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.wall_s if self.wall_s else 0.0


def run_measured(cmd: list[str], *, env: dict[str, str] | None = None, timeout: float, cwd: Path | None = None,
                 stdin: str | None = None, log: Path | None = None) -> Measured:
    """Run a command (its own process group), polling the RSS of it and its children every 0.1 s."""
    out = log.open("wb") if log else subprocess.DEVNULL
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    process = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                               stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                               start_new_session=True)
    peak = peak_main = 0
    loads = [os.getloadavg()[0]]
    stop = threading.Event()

    def poll() -> None:
        nonlocal peak, peak_main
        try:
            root = psutil.Process(process.pid)
        except psutil.Error:
            return
        while not stop.is_set():
            try:
                total = root.memory_info().rss
                peak_main = max(peak_main, total)
                for child in root.children(recursive=True):
                    with contextlib.suppress(psutil.Error):
                        total += child.memory_info().rss
                peak = max(peak, total)
                loads.append(os.getloadavg()[0])
            except psutil.Error:
                return
            stop.wait(0.1)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    if stdin is not None and process.stdin:
        process.stdin.write(stdin.encode())
        process.stdin.close()
    timed_out = False
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(process.pid, 15)  # the process group this function started, and nothing else
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime
    stop.set()
    poller.join()
    if log:
        out.close()  # type: ignore[union-attr]
    return Measured(wall_s=wall, peak_rss_mb=peak / 2**20, peak_main_rss_mb=peak_main / 2**20,
                    returncode=process.returncode, timed_out=timed_out, cpu_s=round(cpu, 1),
                    load_avg=os.getloadavg()[0], load_range=(min(loads), max(loads)))


def count_hits(measured: Measured, hits: list[Hit]) -> Measured:
    measured.requests = len(hits)
    measured.pages = len({h.uri for h in hits if h.method == "GET" and h.status == 200 and HTML.search(h.uri)})
    measured.statuses = dict(Counter(f"{h.method} {h.status}" for h in hits).most_common())
    return measured


def classify(hit: Hit, site: dict[str, str]) -> str:
    path = hit.uri.split("?", 1)[0]
    if path in ("/", "/index.html"):
        return "home"
    if path in site:
        return f"{site[path]} {hit.status}"
    if ARTICLE.search(path):
        return f"article {hit.status}"
    if LATER_LIST.search(path):
        return f"later list page {hit.status}"
    return f"other {hit.method} {hit.status}"


def last_crawl_run(db: Path) -> dict:
    with sqlite3.connect(db) as con:
        row = con.execute("SELECT id, status, counts FROM crawl_runs WHERE json_extract(counts, '$.spider') = 'portal'"
                          " ORDER BY id DESC LIMIT 1").fetchone()
    return {"id": row[0], "status": row[1], **json.loads(row[2])} if row else {}


def read_modes(db: Path) -> dict[str, int]:
    """How many columns the crawl read statically, rendered in chromium, or failed to render."""
    with sqlite3.connect(db) as con:
        columns = {row[1] for row in con.execute("PRAGMA table_info(columns)")}
        if "read_mode" not in columns:  # a version before columns.read_mode
            return {}
        return {mode or "not read": n for mode, n in con.execute(
            "SELECT read_mode, count(*) FROM columns GROUP BY read_mode")}


def later_list_urls(www: Path, base: str) -> list[str]:
    return sorted(base + str(p.relative_to(www)) for p in www.rglob("index_*.html"))


def ensure_site(out: Path, pages: int, regenerate: bool, shape: str = "rich") -> dict:
    state = gen.load_state(out)
    if regenerate or state is None or state["pages"] != pages or state.get("mutations") \
            or state["today"] != date.today().isoformat() or state.get("shape", "rich") != shape:
        print(f"generating a {pages}-page {shape} portal into {out} …", flush=True)
        started = time.monotonic()
        state = gen.generate(out, pages, seed=20240601, today=date.today(), shape=shape)
        state["generate_s"] = round(time.monotonic() - started, 1)
        print(f"  {state['html_pages']} pages, {state['columns']} columns, {state['articles']} articles "
              f"in {state['generate_s']} s", flush=True)
    return state


def profile_report(raw: Path, top: int = 25) -> list[tuple[str, float, float]]:
    """(function, inclusive %, self %) from py-spy's collapsed stacks, heaviest inclusive first."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [re.sub(r" \((?:/[^)]*/)?(site-packages/|work/main/)?", " (", f) for f in stack.split(";")]
        for frame in set(frames):
            inclusive[frame] += n
        own[frames[-1]] += n
    return [(f, 100 * c / total, 100 * own[f] / total) for f, c in inclusive.most_common(top)] if total else []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=50_000)
    parser.add_argument("--shape", choices=gen.SHAPES, default="rich",
                        help="rich: the demo portal's pages (default); sparse: small pages with few links "
                        "(lists of 5, no header menus), where a fixed cost per page shows")
    parser.add_argument("--out", type=Path, help="site folder (default bench/.site, or bench/.site-N for other "
                        "sizes; bench/.site-sparse[-N] for the sparse shape)")
    parser.add_argument("--regenerate", action="store_true", help="write the site again even if it is current")
    parser.add_argument("--skip", default="", help="comma list of phases to skip: incremental,wget2,linkchecker,scrapy")
    parser.add_argument("--crawl-timeout", type=float, default=1800, help="seconds allowed to each portalcheck crawl")
    parser.add_argument("--tool-timeout", type=float, default=600,
                        help="seconds allowed to wget2 and LinkChecker; a stopped tool's rate is over that window")
    parser.add_argument("--wget2-threads", type=int, default=32)
    parser.add_argument("--linkchecker-threads", type=int, default=16)
    parser.add_argument("--profile", action="store_true",
                        help="run the full crawl under py-spy (slower) and print its hotspots; "
                        "writes bench/profile-N.raw (profile-sparse-N.raw)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    skip = set(filter(None, args.skip.split(",")))
    default = gen.DEFAULT_OUT.with_name(".site" if args.shape == "rich" else f".site-{args.shape}")
    out = args.out or (default if args.pages == 50_000 else default.with_name(f"{default.name}-{args.pages}"))
    state = ensure_site(out, args.pages, args.regenerate, args.shape)
    www = out / "www"
    run = Path(tempfile.mkdtemp(prefix="pc-bench-run-"))
    results: dict = {"pages_requested": args.pages, "shape": args.shape, "site": {k: state[k] for k in (
        "units", "columns", "articles", "list_pages", "html_pages")}, "machine": machine()}
    print(f"site: {results['site']}", flush=True)
    with Nginx(www) as server:
        base = server.base_url
        portal = gen.rebuild(state)
        config = run / "config.yaml"
        config.write_text(gen.config_yaml(portal, base, log_file=str(run / "crawl.log")), encoding="utf-8")
        db = run / "bench.db"
        env = {**os.environ, "PORTALCHECK_DATABASE_URL": f"sqlite:///{db}", "PYTHONUNBUFFERED": "1",
               "PYTHONPATH": str(REPO)}
        portalcheck = [PORTALCHECK]
        first_pages = {c.path: "column first page" for c in portal.columns}
        first_pages.update({u.site: "unit home" for u in portal.units})
        print(f"nginx {base} (root {www}); run folder {run}", flush=True)

        # (a) full crawl
        mark = server.log_mark()
        cmd = [*portalcheck, "--config", str(config), "crawl", "--full"]
        suffix = str(args.pages) if args.shape == "rich" else f"{args.shape}-{args.pages}"
        raw = REPO / "bench" / f"profile-{suffix}.raw"  # py-spy's collapsed stacks (flamegraph input)
        if args.profile:
            cmd = [PY_SPY, "record", "--rate", "50", "--format", "raw", "-o", str(raw), "--", *cmd]
        print("(a) portalcheck full crawl …", flush=True)
        full = run_measured(cmd, env=env, timeout=args.crawl_timeout, cwd=run, log=run / "full.out")
        count_hits(full, server.requests(mark))
        counts = last_crawl_run(db)
        full.notes = (f"crawl run {counts.get('id')}: {counts.get('status')}, {counts.get('requests')} requests, "
                      f"{counts.get('pages')} pages, {counts.get('items')} list items, "
                      f"{counts.get('links_checked')} links checked, {counts.get('duration_s')} s inside Scrapy, "
                      f"columns read {read_modes(db)}")
        results["full"] = {**asdict(full), "pages_per_s": round(full.pages_per_s, 1), "crawl_run": counts,
                           "read_modes": read_modes(db)}
        print(f"    {full.pages} pages in {full.wall_s:.1f} s = {full.pages_per_s:.1f} pages/s, "
              f"peak RSS {full.peak_rss_mb:.0f} MB (crawler process alone {full.peak_main_rss_mb:.0f} MB); "
              f"{full.notes}", flush=True)
        if args.json:
            args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str))
        if full.returncode not in (0,) and not args.profile:
            print((run / "full.out").read_text()[-3000:], file=sys.stderr)
        if args.profile:
            results["profile"] = [(f, round(i, 1), round(s, 1)) for f, i, s in profile_report(raw, 40)]
            print("    hotspots (inclusive %, self %):")
            for function, inc, own in results["profile"]:
                print(f"      {inc:5.1f} {own:5.1f}  {function}")

        # (b) 1% new items, then an incremental crawl
        if "incremental" not in skip:
            mutation = gen.apply_mutation(out, 0.01)
            new = set(mutation.pop("new_paths"))
            mark = server.log_mark()
            print(f"(b) mutated: {mutation}; portalcheck incremental crawl …", flush=True)
            inc = run_measured([*portalcheck, "--config", str(config), "crawl"], env=env, timeout=args.crawl_timeout,
                               cwd=run, log=run / "incremental.out")
            hits = server.requests(mark)
            count_hits(inc, hits)
            kinds = Counter("new article" if h.uri in new else classify(h, first_pages) for h in hits)
            ratio = inc.requests / mutation["minimum_requests"]
            results["incremental"] = {**asdict(inc), "minimum": mutation["minimum_requests"], "ratio": round(ratio, 3),
                                      "mutation": mutation, "by_kind": dict(kinds.most_common()),
                                      "crawl_run": last_crawl_run(db)}
            print(f"    {inc.requests} requests vs minimum {mutation['minimum_requests']} = {ratio:.2f}x "
                  f"in {inc.wall_s:.1f} s; by kind: {dict(kinds.most_common())}", flush=True)

        seeds = [base, *later_list_urls(www, base)]
        seeds_file = run / "seeds.txt"  # the reference tools' start URLs, one per line
        seeds_file.write_text("\n".join(seeds) + "\n")
        # (c) wget2
        if "wget2" not in skip:
            target = Path(tempfile.mkdtemp(prefix="pc-bench-wget2-"))
            mark = server.log_mark()
            print(f"(c) wget2 ({len(seeds)} start URLs) …", flush=True)
            wget = run_measured([WGET2, "--recursive", "--no-parent", "--level=inf", "--delete-after", "--robots=off",
                                 f"--max-threads={args.wget2_threads}", "--quiet", "-P", str(target),
                                 f"--input-file={seeds_file}"], timeout=args.tool_timeout, cwd=target,
                                log=run / "wget2.out")
            count_hits(wget, server.requests(mark))
            shutil.rmtree(target, ignore_errors=True)
            results["wget2"] = {**asdict(wget), "pages_per_s": round(wget.pages_per_s, 1)}
            print(f"    {wget.pages} pages in {wget.wall_s:.1f} s = {wget.pages_per_s:.0f} pages/s", flush=True)

        # (d) LinkChecker
        if "linkchecker" not in skip:
            rc = run / "linkcheckerrc"
            rc.write_text(f"[checking]\nthreads={args.linkchecker_threads}\nmaxrequestspersecond=100000\n")
            os.chmod(run, 0o755)  # LinkChecker run as root drops to `nobody`, who must read its config
            mark = server.log_mark()
            print(f"(d) LinkChecker ({args.linkchecker_threads} threads, at most {args.tool_timeout:.0f} s) …",
                  flush=True)
            lc = run_measured([LINKCHECKER, "-f", str(rc), "-t", str(args.linkchecker_threads), "--no-status",
                               "-o", "none", "--no-robots", "--stdin"], stdin=seeds_file.read_text(),
                              timeout=args.tool_timeout, cwd=run, log=run / "linkchecker.out")
            count_hits(lc, server.requests(mark))
            lc.notes = "stopped at the time limit: rate over that window" if lc.timed_out else ""
            results["linkchecker"] = {**asdict(lc), "pages_per_s": round(lc.pages_per_s, 1)}
            print(f"    {lc.pages} pages in {lc.wall_s:.1f} s = {lc.pages_per_s:.1f} pages/s {lc.notes}", flush=True)

        # (e) the same engine with nothing of ours
        if "scrapy" not in skip:
            mark = server.log_mark()
            print("(e) bare Scrapy spider, links only …", flush=True)
            bare = run_measured([sys.executable, "-m", "bench.plain_scrapy", str(seeds_file)],
                                env={**os.environ, "PYTHONPATH": str(REPO)},
                                timeout=args.tool_timeout, cwd=run, log=run / "plain_scrapy.out")
            count_hits(bare, server.requests(mark))
            results["scrapy"] = {**asdict(bare), "pages_per_s": round(bare.pages_per_s, 1)}
            print(f"    {bare.pages} pages in {bare.wall_s:.1f} s = {bare.pages_per_s:.1f} pages/s", flush=True)

    results["verdict"] = verdict(results)
    print_table(results)
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str))
    print(f"run folder kept: {run} (config, database, logs)")
    return 0


def machine() -> dict:
    return {"cpus": os.cpu_count(), "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "python": platform.python_version(), "platform": platform.platform(terse=True),
            "cpu": next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                         if line.startswith("model name")), platform.processor())}


def verdict(results: dict) -> dict:
    full = results.get("full", {})
    out: dict = {}
    rate = full.get("pages_per_s", 0)
    if "linkchecker" in results and results["linkchecker"]["pages_per_s"]:
        x = rate / results["linkchecker"]["pages_per_s"]
        out["vs_linkchecker"] = (round(x, 2), x >= TARGETS["vs_linkchecker"])
    if "wget2" in results and results["wget2"]["pages_per_s"]:
        x = rate / results["wget2"]["pages_per_s"]
        out["vs_wget2"] = (round(x, 3), x >= TARGETS["vs_wget2"])
    if "scrapy" in results and results["scrapy"]["pages_per_s"]:
        out["vs_scrapy"] = (round(rate / results["scrapy"]["pages_per_s"], 2), None)
        if results.get("wget2", {}).get("pages_per_s"):
            out["scrapy_vs_wget2"] = (round(results["scrapy"]["pages_per_s"] / results["wget2"]["pages_per_s"], 3),
                                      None)
    if "incremental" in results:
        x = results["incremental"]["ratio"]
        out["incremental_ratio"] = (x, x <= TARGETS["incremental_ratio"])
    if full:
        out["peak_rss_mb"] = (round(full["peak_rss_mb"]), full["peak_rss_mb"] < TARGETS["peak_rss_mb_50k"],
                              f"crawler process alone {full['peak_main_rss_mb']:.0f} MB")
    return out


def print_table(results: dict) -> None:
    print()
    print(f"{'tool':<26}{'pages':>8}{'requests':>10}{'wall s':>9}{'pages/s':>9}{'CPU s':>8}{'pages/CPU s':>12}"
          f"{'peak RSS MB':>13}{'load':>12}")
    for key, label in (("full", "portalcheck full crawl"), ("incremental", "portalcheck incremental"),
                       ("wget2", "wget2 (C ceiling)"), ("linkchecker", "LinkChecker"),
                       ("scrapy", "bare Scrapy, links only")):
        if key in results:
            r = results[key]
            rate = r["pages"] / r["wall_s"] if r["wall_s"] else 0
            per_cpu = r["pages"] / r["cpu_s"] if r["cpu_s"] else 0
            print(f"{label:<26}{r['pages']:>8}{r['requests']:>10}{r['wall_s']:>9.1f}{rate:>9.1f}{r['cpu_s']:>8.1f}"
                  f"{per_cpu:>12.1f}"
                  f"{r['peak_rss_mb']:>13.0f}{'{:.1f}-{:.1f}'.format(*r['load_range']):>12}"
                  f"{'  (stopped at time limit)' if r['timed_out'] else ''}")
    print()
    names = {"vs_linkchecker": "portalcheck / LinkChecker pages/s (target >= 3)",
             "vs_wget2": "portalcheck / wget2 pages/s (target >= 0.1)",
             "incremental_ratio": "incremental requests / minimum (target <= 1.1)",
             "peak_rss_mb": "peak RSS of the full crawl, MB (target < 500 at 50,000 pages)",
             "vs_scrapy": "portalcheck / bare Scrapy pages/s (no target: our share of the engine)",
             "scrapy_vs_wget2": "bare Scrapy / wget2 pages/s (no target: the engine's ceiling)"}
    for key, value in results["verdict"].items():
        met = "" if value[1] is None else "met" if value[1] else "NOT met"
        print(f"{names[key]:<66} {value[0]:>8}  {met}"
              f"{'  ' + value[2] if len(value) > 2 else ''}")


if __name__ == "__main__":
    raise SystemExit(main())
