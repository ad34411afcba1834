"""What the post-2019 rules (issue #18) add to a night on the 1,000-column bench portal.

    .venv/bin/python -m bench.night_rules --before /tmp/pre-rules          # 50,000 pages, 1,000 columns
    .venv/bin/python -m bench.night_rules --pages 5000 --before /tmp/pre-rules   # quick run
    .venv/bin/python -m bench.night_rules --store /tmp/x/now.db   # (b)–(d) only, on a store already crawled

`--before` is a checkout of the code before the five rules landed
(`git worktree add --detach /tmp/pre-rules 9b15119^1`, the commit before site.ipv6/site.https merged); without
it the crawl is measured once, with today's code only. One run, the same nginx-served synthetic portal
(bench/generate_portal.py), each step measured back to back so a loaded machine weighs on both sides alike:
  (a) the full crawl by the old checkout, then by this one (each into a fresh SQLite store): the crawl-side cost
      of reading the 集约化 metas and the shown date of every article and fetching the 年度报表;
  (b) on this checkout's store, the five checks (site.ipv6, site.https, page.metadata, page.accessibility,
      site.annual_report) and, for scale, all the other checks;
  (c) the nightly network round (site.ipv6/site.https facts) against the portal's one host;
  (d) the axe-core audits, bounded by `crawl.accessibility_pages_per_night` (30).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from bench import generate_portal as gen
from bench.crawl import REPO, ensure_site, machine, run_measured
from bench.server import Nginx

NEW_RULES = ["site.ipv6", "site.https", "page.metadata", "page.accessibility", "site.annual_report"]


def crawl(checkout: Path, config: Path, db: Path, timeout: float) -> dict:
    """`portalcheck crawl --full` with `checkout`'s code into a fresh SQLite store."""
    env = {**os.environ, "PORTALCHECK_DATABASE_URL": f"sqlite:///{db}", "PYTHONPATH": str(checkout),
           "PYTHONUNBUFFERED": "1"}
    measured = run_measured([sys.executable, "-m", "portalcheck.cli", "--config", str(config), "crawl", "--full"],
                            env=env, timeout=timeout, cwd=checkout, log=db.with_suffix(".out"))
    if measured.returncode != 0:
        raise SystemExit(f"crawl by {checkout} failed ({measured.returncode}); see {db.with_suffix('.out')}")
    return {"wall_s": round(measured.wall_s, 1), "cpu_s": measured.cpu_s,
            "peak_rss_mb": round(measured.peak_rss_mb), "load": [round(x, 1) for x in measured.load_range]}


def timed(step, *args, **kwargs) -> tuple[float, float, object]:  # type: ignore[no-untyped-def]
    """(wall s, CPU s of this process, result) of one in-process step."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = step(*args, **kwargs)
    return round(time.perf_counter() - wall, 2), round(time.process_time() - cpu, 2), result


def night_steps(config_path: Path, db: Path) -> dict:
    """(b)–(d) in this process, on this checkout's store."""
    os.environ["PORTALCHECK_DATABASE_URL"] = f"sqlite:///{db}"
    from checks import run_checks
    from checks.registry import select_checks
    from crawler.accessibility import run_accessibility
    from crawler.netprobe import run_network_round
    from portalcheck.core.config import load_config
    from storage.session import Store

    config = load_config(config_path)
    config = config.model_validate({**config.model_dump(mode="json"),
                                    "crawl": {**config.crawl.model_dump(mode="json"),
                                              "accessibility_pages_per_night": 30}})
    store = Store(config.database_url())
    try:
        round_wall, round_cpu, _ = timed(run_network_round, config, store)
        axe_wall, axe_cpu, axe = timed(run_accessibility, config)
        as_of = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
        new_wall, new_cpu, new = timed(run_checks, store, config, as_of, only=NEW_RULES)
        others = [c.rule for c in select_checks() if c.rule not in NEW_RULES]
        old_wall, old_cpu, _ = timed(run_checks, store, config, as_of, only=others)
    finally:
        store.dispose()
    return {
        "network_round": {"wall_s": round_wall, "cpu_s": round_cpu},
        "accessibility": {"wall_s": axe_wall, "cpu_s": axe_cpu, **axe},  # type: ignore[dict-item]
        "five_checks": {"wall_s": new_wall, "cpu_s": new_cpu,
                        "per_rule_s": {o.rule: round(o.seconds, 2) for o in new.outcomes},  # type: ignore[attr-defined]
                        "found": {o.rule: o.found for o in new.outcomes}},  # type: ignore[attr-defined]
        "other_checks": {"wall_s": old_wall, "cpu_s": old_cpu, "rules": len(others)},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=50_000)
    parser.add_argument("--before", type=Path, help="a checkout of the code before the five rules")
    parser.add_argument("--crawl-timeout", type=float, default=3600)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--store", type=Path, help="skip (a): measure (b)–(d) on this crawled SQLite store")
    args = parser.parse_args(argv)
    out = gen.DEFAULT_OUT if args.pages == 50_000 else gen.DEFAULT_OUT.with_name(f".site-{args.pages}")
    state = ensure_site(out, args.pages, regenerate=False)
    run = Path(tempfile.mkdtemp(prefix="pc-bench-rules-"))
    results: dict = {"site": {k: state[k] for k in ("units", "columns", "articles", "html_pages")},
                     "machine": machine(), "crawl": {}}
    print(f"site: {results['site']}; run folder {run}", flush=True)
    with Nginx(out / "www") as server:
        config = run / "config.yaml"
        config.write_text(gen.config_yaml(gen.rebuild(state), server.base_url, log_file=str(run / "crawl.log")),
                          encoding="utf-8")
        if args.store:
            print(f"(b)–(d) on {args.store} …", flush=True)
            results.update(night_steps(config, args.store.resolve()))
            args.before = None
        elif args.before:
            print("(a) full crawl, before the five rules …", flush=True)
            results["crawl"]["before"] = crawl(args.before.resolve(), config, run / "before.db", args.crawl_timeout)
            print(f"    {results['crawl']['before']}", flush=True)
        if not args.store:
            print("(a) full crawl, now …", flush=True)
            results["crawl"]["now"] = crawl(REPO, config, run / "now.db", args.crawl_timeout)
            print(f"    {results['crawl']['now']}", flush=True)
            print("(b)–(d) network round, axe audits, checks …", flush=True)
            results.update(night_steps(config, run / "now.db"))
    if args.before:
        before, now = results["crawl"]["before"], results["crawl"]["now"]
        results["crawl"]["ratio_now_before"] = {"wall": round(now["wall_s"] / before["wall_s"], 3),
                                                "cpu": round(now["cpu_s"] / before["cpu_s"], 3)}
    results["load_after"] = round(os.getloadavg()[0], 1)
    text = json.dumps(results, ensure_ascii=False, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
