"""A crawl run by the scheduler: `python -m portalcheck.crawl_child <portalcheck argv>`.

It is `portalcheck <argv>` plus a watch on its parent: if the scheduler is killed outright, the orphaned
crawl notices and stops itself with SIGINT, at a clean point, instead of running on unseen while a
restarted scheduler starts another.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

from portalcheck.cli import main

STOP_GRACE_SECONDS = 60.0  # after its SIGINT, how long an orphaned crawl may take to close cleanly


def watch_parent() -> None:
    """Send ourselves SIGINT (Scrapy's clean stop) once the process that started us is gone."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGINT)
        # A clean stop that does not come (a gatherer stuck in its browser) must not leave an orphan holding
        # the scheduler's locks: what was read is in the store, and the next crawl continues from there.
        time.sleep(STOP_GRACE_SECONDS)
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


if __name__ == "__main__":
    watch_parent()
    sys.exit(main(sys.argv[1:]))
