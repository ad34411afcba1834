"""Is a process still there? Runs and locks record their process id: a dead holder's work is taken over
(a killed crawl is continued, a stale lock freed, a killed export's temporary file swept)."""

from __future__ import annotations

import os


def pid_alive(pid: int | None) -> bool:
    """True while a process with this id exists on this machine (someone else's counts too)."""
    if not pid:
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
