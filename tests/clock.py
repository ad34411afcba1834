"""A frozen clock for crawl-level tests, shared with the processes they start.

time-machine moves this process's clock; the crawls run in subprocesses (Twisted's reactor cannot restart),
so the same moment reaches them through a start-up hook (tests/clock_hook/sitecustomize.py) and an
offset in their environment. The clock ticks from the moment on (`tick=True`): the crawler's delays,
timeouts and politeness waits run at real speed; only the date the code reads is fixed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import time_machine

from portalcheck.core.child_env import environ_set

HOOK = Path(__file__).resolve().parent / "clock_hook"
OFFSET_VARIABLE = "PORTALCHECK_TEST_CLOCK_OFFSET"


@contextmanager
def frozen_at(moment: datetime) -> Iterator[datetime]:
    """This process and every process it starts read `moment` (aware) as now, ticking from there."""
    if moment.tzinfo is None:
        raise ValueError("a frozen moment needs its time zone")
    offset = moment.timestamp() - time.time()
    path = os.pathsep.join(p for p in (str(HOOK), os.environ.get("PYTHONPATH")) if p)
    with environ_set(**{OFFSET_VARIABLE: repr(offset), "PYTHONPATH": path}), time_machine.travel(moment, tick=True):
        yield moment
