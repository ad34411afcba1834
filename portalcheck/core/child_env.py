"""The environment this process's children start with.

Playwright's Python side starts its node driver with a copy of `os.environ` and takes no environment of its own,
so a variable meant for one driver only (the evidence pictures' small node heap) has to be in `os.environ` while
that driver starts. Every other child is started with `child_env()`, which waits while such a variable is set:
a crawl started by another slot of the same worker never inherits it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_LOCK = threading.Lock()


def child_env(**extra: str) -> dict[str, str]:
    """A copy of this process's own environment, with `extra`."""
    with _LOCK:
        return {**os.environ, **extra}


@contextmanager
def set_while_starting(**values: str) -> Iterator[None]:
    """`values` in os.environ for the block that starts a child (and no longer); other starters wait for it."""
    with _LOCK, environ_set(**values):
        yield


@contextmanager
def environ_set(**values: str) -> Iterator[None]:
    """`values` in os.environ for the block, then each variable as it was (or gone again)."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
