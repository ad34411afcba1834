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

HOOK = Path(__file__).resolve().parent / "clock_hook"
OFFSET_VARIABLE = "PORTALCHECK_TEST_CLOCK_OFFSET"


@contextmanager
def frozen_at(moment: datetime) -> Iterator[datetime]:
    """This process and every process it starts read `moment` (aware) as now, ticking from there."""
    if moment.tzinfo is None:
        raise ValueError("a frozen moment needs its time zone")
    offset = moment.timestamp() - time.time()
    saved = {name: os.environ.get(name) for name in (OFFSET_VARIABLE, "PYTHONPATH")}
    os.environ[OFFSET_VARIABLE] = repr(offset)
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(HOOK), saved["PYTHONPATH"]) if p)
    try:
        with time_machine.travel(moment, tick=True):
            yield moment
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
