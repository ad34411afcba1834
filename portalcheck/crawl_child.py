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


def watch_parent() -> None:
    """Send ourselves SIGINT (Scrapy's clean stop) once the process that started us is gone."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os.kill(os.getpid(), signal.SIGINT)
                return

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


if __name__ == "__main__":
    watch_parent()
    sys.exit(main(sys.argv[1:]))
