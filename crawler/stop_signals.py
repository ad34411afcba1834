"""A stop asked for at any moment of a crawl is honoured, not only once Scrapy listens for it.

Scrapy installs its SIGINT/SIGTERM handlers when the reactor has started. A signal that came earlier (the
scheduler stopping a crawl subprocess still setting up its gatherers) raised KeyboardInterrupt inside a
crawler's start-up Deferred, where Twisted swallows it: that gatherer vanished without a word and the others
crawled on to the end, reported complete, while the scheduler waited for a stop that never came.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from scrapy import signals
from scrapy.utils.defer import deferred_from_coro

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class EarlyStops:
    """Stop signals kept while the crawlers are set up; each crawler asked to stop is stopped as its engine
    starts, the way Scrapy's own first signal stops it (its spider closes as "shutdown": the run is interrupted
    and the next one continues it)."""

    def __init__(self) -> None:
        self.kept: list[int] = []

    def keep(self, signum: int, _frame: Any) -> None:
        self.kept.append(signum)

    def watch(self, crawler: Any) -> None:
        """Call for every crawler before the reactor runs."""

        def on_engine_started() -> None:
            if self.kept:
                from twisted.internet import reactor

                log.info("%s came while the gatherers were starting: stopping %s",
                         signal.Signals(self.kept[0]).name, crawler.spider.name)
                # After start-up has returned: the engine is running then, and its stop is Scrapy's graceful one.
                reactor.callLater(0, lambda: deferred_from_coro(crawler.stop_async()))

        crawler.signals.connect(on_engine_started, signal=signals.engine_started, weak=False)


@contextmanager
def early_stops_kept() -> Iterator[EarlyStops]:
    """From here until Scrapy's handlers replace them (when the reactor has started), stop signals are kept,
    not raised; on leaving, the handlers that were in place before come back (a signal after the crawl, during
    the accessibility audit, interrupts it again instead of reaching Scrapy's handler with no reactor left)."""
    stops = EarlyStops()
    previous = {sig: signal.signal(sig, stops.keep) for sig in STOP_SIGNALS}
    try:
        yield stops
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
