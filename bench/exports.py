"""Exports benchmark: 100,000 findings to xlsx (and csv, json) within 10 s and 300 MB.

    .venv/bin/python -m bench.exports                  # 100,000 findings, 40 units
    .venv/bin/python -m bench.exports --findings 10000 # quick run
    .venv/bin/python -m bench.exports --append BENCHMARKS.md
    .venv/bin/python -m bench.exports --formats xlsx --checkout /tmp/old   # before/after, same store, back to back

With --checkout, each format is exported twice in a row from the same store: by the code of that
checkout (e.g. `git worktree add --detach /tmp/old main`) and by this one, so a loaded machine
loads both alike and the ratio carries over.

A fresh SQLite database is filled with synthetic findings shaped like real ones (a Chinese detail
line, evidence with a newest item, a URL each, every status, some deadlines); then each format is
exported in its own process (`portalcheck export findings`), so wall time and peak RSS (from
wait4's rusage) are those of the command an inspector runs, reading the store included. Above
20,000 findings the xlsx carries the overall sheet and the overdue sheet (no per-unit sheets).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LIMIT_SECONDS, LIMIT_MB = 10.0, 300.0
RULES = [("column.stale", "info"), ("column.blank", "info"), ("link.dead", "deduct"), ("content.typo", "deduct"),
         ("footer.icp", "deduct"), ("content.personal_data", "veto"), ("column.broken", "deduct")]
STATUSES = ["new", "open", "resolved", "regressed"]


def fill(db_url: str, findings: int, units: int, seed: int = 7) -> None:
    """Units, columns and `findings` findings, inserted in bulk (Core inserts, one transaction)."""
    sys.path.insert(0, str(REPO))
    from sqlalchemy import insert

    from storage.models import Column, Finding, Unit
    from storage.session import Store

    rng = random.Random(seed)
    store = Store(db_url)
    now = datetime.now(UTC)
    with store.session() as session:
        session.execute(insert(Unit), [{"id": i, "name": f"单位{i:02d}", "kind": "部门" if i % 2 else "乡镇",
                                        "site_url": f"https://www.example.gov.cn/u{i}/"} for i in range(1, units + 1)])
        session.execute(insert(Column), [
            {"id": u * 10 + c, "unit_id": u, "name": f"栏目{c}", "url": f"https://www.example.gov.cn/u{u}/c{c}/",
             "category": "news", "level": 1, "origin": "discovered", "render": "html"}
            for u in range(1, units + 1) for c in range(10)])
        batch = []
        for i in range(findings):
            unit = rng.randint(1, units)
            rule, severity = RULES[i % len(RULES)]
            url = f"https://www.example.gov.cn/u{unit}/c{i % 10}/202605/t20260521_{i}.html"
            seen = now - timedelta(days=rng.randint(0, 200))
            batch.append({
                "key": f"{i:064d}", "rule": rule, "severity": severity, "points": 0.1 if severity == "deduct" else None,
                "unit_id": unit, "column_id": unit * 10 + i % 10, "url": url,
                "detail": f"「栏目{i % 10}」栏目最近更新于2026-04-01，已{rng.randint(15, 400)}天未更新（动态要闻类栏目应在14天内更新）",
                "evidence": {"newest": "2026-04-01", "age_days": 55, "window_days": 14, "items": 12,
                             "first_items": [{"title": f"关于开展第{i}次安全生产大检查的通知", "date": "2026-04-01",
                                              "url": url}]},
                "status": STATUSES[i % 4], "first_seen": seen, "last_seen": now,
                "resolved_at": now if i % 4 == 2 else None,
                "deadline": date.today() - timedelta(days=3) if i % 5 == 0 else None,
            })
            if len(batch) == 10_000:
                session.execute(insert(Finding), batch)
                batch = []
        if batch:
            session.execute(insert(Finding), batch)
    store.dispose()


def run_export(config: Path, db_url: str, fmt: str, out: Path, checkout: Path = REPO) -> dict[str, float]:
    """One `portalcheck export findings` in a child process: wall seconds and the child's peak RSS.

    The child runs in `checkout`, so `python -m` imports that checkout's code."""
    env = {**os.environ, "PORTALCHECK_DATABASE_URL": db_url}
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "portalcheck.cli", "--config", str(config), "export", "findings",
                              "--format", fmt, "--out", str(out), "--from", "2000-01-01"], env=env, cwd=checkout,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"export {fmt} failed: {child.stderr.read().decode()[-2000:] if child.stderr else ''}")
    return {"seconds": round(seconds, 1), "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 0), "size_mb": round(out.stat().st_size / 1e6, 1),
            "load_average": round(os.getloadavg()[0], 1)}


CONFIG = """portal:
  name: 基准测试门户
  home: https://www.example.gov.cn/
  site_code: "3609990001"
units:
  - {name: 单位01, site: "https://www.example.gov.cn/u1/"}
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=100_000)
    parser.add_argument("--units", type=int, default=40)
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--append", help="append a '## Exports' section to this markdown file")
    parser.add_argument("--formats", default="xlsx,csv,json", help="comma-separated (default: xlsx,csv,json)")
    parser.add_argument("--checkout", type=Path, help="also export with this checkout's code, just before ours")
    args = parser.parse_args(argv)
    formats = args.formats.split(",")
    with tempfile.TemporaryDirectory(prefix="pc-bench-exports-") as folder:
        root = Path(folder)
        db_url = f"sqlite:///{root / 'bench.db'}"
        (root / "config.yaml").write_text(CONFIG, encoding="utf-8")
        started = time.perf_counter()
        fill(db_url, args.findings, args.units)
        fill_seconds = time.perf_counter() - started
        results, before = {}, {}
        for fmt in formats:
            if args.checkout:
                before[fmt] = run_export(root / "config.yaml", db_url, fmt, root / f"before.{fmt}", args.checkout)
            results[fmt] = run_export(root / "config.yaml", db_url, fmt, root / f"findings.{fmt}")
    report = {"findings": args.findings, "units": args.units, "fill_seconds": round(fill_seconds, 1),
              "results": results, **({"before": before, "checkout": str(args.checkout)} if before else {}), "python": platform.python_version(), "cpus": os.cpu_count(),
              "limits": {"seconds": LIMIT_SECONDS, "peak_rss_mb": LIMIT_MB}, "date": date.today().isoformat()}
    print(json.dumps(report, ensure_ascii=False, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.append:
        with open(args.append, "a", encoding="utf-8") as handle:
            handle.write(markdown(report))
    xlsx = results.get("xlsx")
    return 0 if not xlsx or xlsx["seconds"] < LIMIT_SECONDS and xlsx["peak_rss_mb"] < LIMIT_MB else 1


def markdown(report: dict) -> str:
    def rows(results: dict, label: str) -> str:
        return "\n".join(f"| {fmt}{label} | {r['seconds']} s | {r['cpu_seconds']} s | {r['peak_rss_mb']:.0f} MB "
                         f"| {r['size_mb']} MB | {r['load_average']} |" for fmt, r in results.items())

    table = rows(report["results"], "")
    if report.get("before"):
        table = rows(report["before"], " (before)") + "\n" + table
    xlsx = report["results"].get("xlsx")
    verdict = ("met" if xlsx["seconds"] < LIMIT_SECONDS and xlsx["peak_rss_mb"] < LIMIT_MB else "NOT met") if xlsx else "-"
    return f"""
## Exports

`.venv/bin/python -m bench.exports` ({report['date']}, Python {report['python']}, {report['cpus']} CPUs):
{report['findings']:,} findings over {report['units']} units in a fresh SQLite store, each format exported by
`portalcheck export findings` in its own process (wall time and peak RSS of that process, reading the
store included). The xlsx is written by XlsxWriter in constant_memory mode (rows streamed from the
store and written in order): the overall sheet and the overdue sheet, each with a frozen header,
autofilter, hyperlinks, real dates and wrapped text. Above 20,000 findings the per-unit sheets are
left out (the 单位 filter gives the same view); below it they are written too.

| format | wall time | CPU time (user+sys) | peak RSS | file size | load average after |
|---|---|---|---|---|---|
{table}

Target for xlsx: under {LIMIT_SECONDS:.0f} s and under {LIMIT_MB:.0f} MB — {verdict} (judged on wall time; on a
shared, loaded machine the CPU time is the figure that carries over).
"""


if __name__ == "__main__":
    sys.exit(main())
