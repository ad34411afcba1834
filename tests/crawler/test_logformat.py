"""The per-page DEBUG lines are built only when the log level shows them; other messages are Scrapy's."""

from __future__ import annotations

import logging

from scrapy import Spider
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from crawler import settings as crawler_settings
from crawler.logformat import LevelAwareLogFormatter


def formatter(level: str) -> tuple[LevelAwareLogFormatter, Spider]:
    crawler = get_crawler(Spider, {"LOG_LEVEL": level, "LOG_FORMATTER": crawler_settings.LOG_FORMATTER})
    return LevelAwareLogFormatter.from_crawler(crawler), Spider.from_crawler(crawler, "t")


def test_crawled_and_scraped_records_are_not_built_at_info_but_are_at_debug() -> None:
    request = Request("http://127.0.0.1/a.html")
    response = HtmlResponse(request.url, body=b"<html></html>", request=request)
    (quiet, spider), (verbose, _) = formatter("INFO"), formatter("DEBUG")
    assert quiet.crawled(request, response, spider) is None
    assert quiet.scraped({"url": request.url}, response, spider) is None
    assert verbose.crawled(request, response, spider)["level"] == logging.DEBUG
    assert verbose.scraped({"url": request.url}, response, spider)["level"] == logging.DEBUG
    # Warnings and errors stay Scrapy's at any level.
    assert quiet.dropped({"url": request.url}, ValueError("x"), response, spider)["level"] == logging.WARNING
