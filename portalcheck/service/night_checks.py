"""The night's judging (the network round, every check, 复核) in a process of its own.

The checks read every unit's facts; the memory they take would stay with the worker (Python rarely gives it
back) while chromium and Playwright's driver take the evidence pictures beside it, the night's peak (issue
#15: the last job under 500 MB). Run here, it is returned to the system when this process exits, before the
pictures start. The process is started by `judge` as `python -m portalcheck.service.night_checks`; it stops
itself if the process that started it dies (a killed worker's retry judges the night again).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from portalcheck.core.child_env import child_env
from portalcheck.core.config import ENV_DATABASE_URL, Config, load_config
from portalcheck.core.parent_watch import watch_parent
from portalcheck.service.runs import cause, setup_logging
from storage.models import ACTIVE_STATUSES, Finding
from storage.session import Store

log = logging.getLogger("portalcheck.scheduler")


class JudgingFailed(RuntimeError):
    """The child could not judge the night (the store unreachable, a crash): the night fails as before."""


def judge(config: Config, store: Store, scope: list[str] | None = None) -> tuple[bool, dict[str, Any]]:
    """(every check ran, the figures) of the night's judging, in a child process when the config was read
    from a file (always, but for configs built in code), else here. A child that fails raises JudgingFailed
    with its error, as the checks run here would have raised theirs."""
    if config.source is None:
        return judge_here(config, store, scope)
    with tempfile.TemporaryDirectory(prefix="portalcheck-night-") as folder:
        out = Path(folder) / "result.json"
        command = [sys.executable, "-m", __name__, str(config.source), str(out),
                   *[arg for unit in scope or [] for arg in ("--unit", unit)]]
        # The store's URL in the environment, not the command line (ps shows arguments, passwords included).
        # Own session, as a crawl's: a Ctrl-C on the terminal stops the service, which lets the night end.
        done = subprocess.run(command, env=child_env(**{ENV_DATABASE_URL: store.url}), start_new_session=True,
                              check=False)
        if not out.exists():
            raise JudgingFailed(f"night checks exited {done.returncode} without a result (see logs/night-checks.log)")
        result = json.loads(out.read_text(encoding="utf-8"))
    if result.get("error"):
        raise JudgingFailed(result["error"])
    return result["ok"], result["counts"]


def judge_here(config: Config, store: Store, scope: list[str] | None = None) -> tuple[bool, dict[str, Any]]:
    """The network round, every check, the 复核 of `scope`'s units (or all), the open findings."""
    from checks import run_checks
    from portalcheck.service.review import settle

    counts: dict[str, Any] = {"network": network_round(config, store)}  # site-wide: once a night
    as_of = datetime.now(config.zone)
    report = run_checks(store, config, as_of=as_of)
    counts["rectification"] = settle(store, as_of, scope)
    counts["checks"] = dict(report.totals())
    counts["check_errors"] = {o.rule: o.error for o in report.outcomes if o.error}
    counts["open_findings"] = count_active(store)
    return report.ok, counts


def count_active(store: Store) -> int:
    with store.session() as session:
        return session.scalar(select(func.count(Finding.id)).where(Finding.status.in_(ACTIVE_STATUSES))) or 0


def network_round(config: Config, store: Store) -> dict[str, Any]:
    """The night's network round (site.ipv6, site.https); a failed round is recorded, the night goes on."""
    from crawler.netprobe import run_network_round

    try:
        return run_network_round(config, store).counts()
    except Exception as exc:  # the checks then judge the rounds already stored
        log.exception("network round failed")
        return {"error": cause(exc)}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {__name__}")
    parser.add_argument("config")
    parser.add_argument("out", help="where the outcome is written (JSON): the figures, or the error")
    parser.add_argument("--unit", action="append", dest="units", help="复核 of these units only (default: all)")
    args = parser.parse_args(argv)
    try:  # the config is read again (as every queue job reads it): an error in it fails the night, named
        config = load_config(args.config)
        setup_logging(config, name="night-checks")
        store = Store(config.database_url())
        try:
            ok, counts = judge_here(config, store, args.units)
        finally:
            store.dispose()
        result: dict[str, Any] = {"ok": ok, "counts": counts}
        log.info("night checks done: %s findings open, check errors: %s", counts["open_findings"],
                 counts["check_errors"] or "none")
    except Exception as exc:
        log.exception("night checks failed")
        result = {"error": cause(exc)}
    part = Path(args.out).with_suffix(".part")
    part.write_text(json.dumps(result, ensure_ascii=False, default=str), encoding="utf-8")
    os.replace(part, args.out)
    return 1 if "error" in result else 0


if __name__ == "__main__":
    watch_parent()
    sys.exit(main(sys.argv[1:]))
