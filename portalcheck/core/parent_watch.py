"""A child process of a job (a crawl, the night's checks) that stops itself once the process that started it
is gone: if a worker or the scheduler is killed outright, its child does not run on unseen while a retry
starts another beside it."""

from __future__ import annotations

import os
import signal
import threading
import time

STOP_GRACE_SECONDS = 60.0  # after its SIGINT, how long an orphaned child may take to close cleanly


def watch_parent() -> None:
    """Send ourselves SIGINT (a clean stop: Scrapy closes, a transaction rolls back) once our parent is gone."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGINT)
        # A clean stop that does not come (a gatherer stuck in its browser) must not leave an orphan holding
        # the scheduler's locks: what was done is in the store, and the next run continues from there.
        time.sleep(STOP_GRACE_SECONDS)
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
