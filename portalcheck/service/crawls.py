"""Crawls run in subprocesses (`python -m portalcheck.crawl_child`): Twisted's reactor starts once per
process, and a subprocess can be stopped at a clean point with SIGINT (Scrapy closes, the pipeline flushes)."""

from __future__ import annotations

import contextlib
import logging
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from portalcheck.core.child_env import child_env
from portalcheck.core.config import ENV_DATABASE_URL, Config
from portalcheck.service.locks import LockSet
from storage.models import CrawlRun
from storage.session import Store

log = logging.getLogger("portalcheck.scheduler")


# The crawl child: `python -m portalcheck.crawl_child <portalcheck argv>` (stops itself if we die).
CHILD_MODULE = "portalcheck.crawl_child"


@dataclass
class CrawlOutcome:
    status: str  # finished | interrupted | failed
    returncode: int
    run_ids: list[int] = field(default_factory=list)
    counts: dict[str, Any] = field(default_factory=dict)
    output: str = ""

    def summary(self) -> dict[str, Any]:
        keys = ("requests", "pages", "items", "links_checked", "errors", "columns", "duration_s", "gatherers")
        return {"crawl_status": self.status, "crawl_runs": self.run_ids,
                **{k: self.counts[k] for k in keys if k in self.counts}}


class Runtime:
    """What every job needs: config, store, a stop flag and the crawl subprocesses to stop with it."""

    def __init__(self, config: Config, store: Store) -> None:
        self.config = config
        self.store = store
        self.stopping = threading.Event()
        self._children: set[subprocess.Popen[str]] = set()
        self._signalled: set[int] = set()
        self._lock = threading.Lock()

    def children(self) -> list[subprocess.Popen[str]]:
        with self._lock:
            return list(self._children)

    def signal_children(self, sig: int) -> None:
        for child in self.children():
            if child.poll() is None:
                log.info("sending %s to crawl subprocess %s", signal.Signals(sig).name, child.pid)
                self._signalled.add(child.pid)
                with contextlib.suppress(ProcessLookupError):
                    child.send_signal(sig)

    def crawl(self, *, units: Sequence[str] | None, full: bool, locks: LockSet | None = None,
              token: str | None = None) -> CrawlOutcome:
        """Run `portalcheck crawl` in a subprocess and read its outcome from the crawl_runs it wrote.

        `token`: the run token of a queue job (the same on every try of the job): the crawl resumes the
        run of that token and its runs are found by it; without one, by the subprocess's pid.
        """
        config = self.config
        if config.source is None:
            raise ValueError("the scheduler needs a config loaded from a file (its subprocesses read it)")
        argv = ["--config", str(config.source), "crawl"]
        for name in units or []:
            argv += ["--unit", name]
        if full:
            argv.append("--full")
        env = child_env(**{ENV_DATABASE_URL: config.database_url(), "PYTHONUNBUFFERED": "1"})
        if self.stopping.is_set():
            return CrawlOutcome("interrupted", -1)
        log.info("crawl subprocess starting: %s", " ".join(argv[2:]))
        # Own session: a Ctrl-C on the terminal reaches us only; we forward exactly one SIGINT (a second
        # one makes Scrapy stop uncleanly).
        lead = ["--run-token", token] if token else []
        child = subprocess.Popen([sys.executable, "-m", CHILD_MODULE, *lead, *argv], env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True, start_new_session=True,
                                 cwd=str(config.base_dir))
        with self._lock:
            self._children.add(child)
        try:
            if locks is not None:
                locks.add_pid(child.pid)
            if self.stopping.is_set():
                self._signalled.add(child.pid)
                child.send_signal(signal.SIGINT)
            try:
                output, _ = child.communicate()
            except KeyboardInterrupt:
                self._signalled.add(child.pid)
                child.send_signal(signal.SIGINT)
                child.communicate()
                raise
        finally:
            with self._lock:
                self._children.discard(child)
        outcome = self._outcome(child.pid, child.returncode, output or "", token)
        log.info("crawl subprocess %s ended: %s (exit %s)", child.pid, outcome.status, child.returncode)
        return outcome

    def _outcome(self, pid: int, returncode: int, output: str, token: str | None = None) -> CrawlOutcome:
        interrupted = pid in self._signalled
        with self.store.session() as session:
            # A job's runs are found by its token (a retry resumes the same rows), never by a process id.
            mine = CrawlRun.counts["token"].as_string() == token if token \
                else CrawlRun.counts["pid"].as_integer() == pid
            runs = session.scalars(select(CrawlRun).where(mine).order_by(CrawlRun.id)).all()
            for run in runs:
                # Scrapy sets finish_reason only after the pipelines closed, so a crawl we stopped may call
                # itself finished; it is not: a later run must not take it for a complete one.
                # One still "running" was cut short with its process (stopped before its spider ran, Scrapy's
                # reactor gone first): the process has exited, so it is not running; the next run continues it.
                cut_short = run.status == "running" or (
                    run.status == "finished" and not (run.counts or {}).get("finish_reason"))
                if interrupted and cut_short:
                    run.status = "interrupted"
                    run.counts = {**(run.counts or {}), "interrupted_by": "scheduler"}
        # The portal spider decides: a gatherer beside it (accounts, message boards) that fails is
        # recorded in the counts but does not hold back the checks of the websites.
        main = next((r for r in reversed(runs) if (r.counts or {}).get("spider") == "portal"), None)
        statuses = {main.status} if main else {run.status for run in runs}
        if runs and statuses == {"finished"}:
            status = "finished"
        elif "interrupted" in statuses or (interrupted and returncode != 0):
            status = "interrupted"
        else:
            status = "failed"
        counts = dict(main.counts) if main else dict(runs[0].counts) if runs else {}
        counts["gatherers"] = {(r.counts or {}).get("spider", str(r.id)): r.status for r in runs}
        return CrawlOutcome(status, returncode, [r.id for r in runs], counts, output[-4000:])
