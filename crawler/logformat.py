"""Scrapy's per-page log lines, built only when the log level shows them.

Scrapy builds a DEBUG record for every response ("Crawled (200) …") and every item ("Scraped from …", which
formats the item) whatever LOG_LEVEL says: the root handler drops them only after they were made. At our
default level (INFO) that was ~2% of a crawl's CPU for lines nobody sees (BENCHMARKS.md, "Sparse pages").
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.logformatter import LogFormatter


class LevelAwareLogFormatter(LogFormatter):
    """Scrapy's formatter; `crawled` and `scraped` give no record when DEBUG is not logged."""

    def __init__(self, debug: bool = True):
        super().__init__()
        self.debug = debug

    @classmethod
    def from_crawler(cls, crawler: Any) -> LevelAwareLogFormatter:
        level = crawler.settings.get("LOG_LEVEL") or "DEBUG"
        number = level if isinstance(level, int) else logging.getLevelName(str(level).upper())
        return cls(debug=not isinstance(number, int) or number <= logging.DEBUG)

    def crawled(self, request: Any, response: Any, spider: Any) -> Any:
        return super().crawled(request, response, spider) if self.debug else None

    def scraped(self, item: Any, response: Any, spider: Any) -> Any:
        return super().scraped(item, response, spider) if self.debug else None
