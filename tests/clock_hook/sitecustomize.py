"""Python imports this at start-up in the subprocesses of a test that froze the clock (tests/clock.py puts
this folder first on their PYTHONPATH): the crawl child then reads the same moment as the test."""

import os

_OFFSET = os.environ.get("PORTALCHECK_TEST_CLOCK_OFFSET")
if _OFFSET:
    import time

    import time_machine

    # The wall clock as the test sees it: the frozen moment plus the real time elapsed since it froze.
    time_machine.travel(time.time() + float(_OFFSET), tick=True).start()
