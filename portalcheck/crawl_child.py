"""A crawl run by the scheduler: `python -m portalcheck.crawl_child --run-token T <portalcheck argv>`.

The run token names the crawl runs this process writes (crawl_runs.counts["token"]): the job that
started it finds them by it, and a job retried after a crash resumes the run of the same token.

It is `portalcheck <argv>` plus a watch on its parent: if the scheduler is killed outright, the orphaned
crawl notices and stops itself with SIGINT, at a clean point, instead of running on unseen while a
restarted scheduler starts another.
"""

from __future__ import annotations

import os
import sys

from portalcheck.cli import main
from portalcheck.core.parent_watch import watch_parent

RUN_TOKEN_ENV = "PORTALCHECK_RUN_TOKEN"  # read by crawler.settings


def take_run_token(argv: list[str]) -> list[str]:
    """`--run-token T` leads the argv: it goes to the environment of the crawl, the rest is the command."""
    if argv[:1] == ["--run-token"] and len(argv) > 1:
        os.environ[RUN_TOKEN_ENV] = argv[1]
        return argv[2:]
    return argv


if __name__ == "__main__":
    watch_parent()
    sys.exit(main(take_run_token(sys.argv[1:])))
