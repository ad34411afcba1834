"""Scrapy settings: conservative defaults for fragile government servers.

The values a deployment tunes (per-host concurrency, delay, robots.txt, timeouts, size
limits) come from config.yaml through `settings_from_config`; `scrapy crawl portal` inside
crawler/ applies the same through PortalSpider.update_settings.
"""

from __future__ import annotations

import os
import shutil
from typing import Any

from crawler.urls import host_of

BOT_NAME = "portalcheck"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

ROBOTSTXT_OBEY = True
USER_AGENT = "Mozilla/5.0 (compatible; portalcheck/0.1)"
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
RANDOMIZE_DOWNLOAD_DELAY = True
DOWNLOAD_TIMEOUT = 15
# STACK-NOTES: Scrapy starts CONCURRENT_ITEMS asyncio tasks for every response, however few items it gives.
# Our pipeline stores synchronously (it buffers and writes in batches), so items gain nothing from running
# side by side: one task per response (BENCHMARKS.md, "Sparse pages": 11 tasks per response were ~1-2% of the CPU).
CONCURRENT_ITEMS = 1
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024  # also bounds decompressed gzip (bomb guard)
DOWNLOAD_WARNSIZE = 0
REDIRECT_MAX_TIMES = 5
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DEPTH_LIMIT = 0
COOKIES_ENABLED = False
HTTPERROR_ALLOW_ALL = True  # a 404 is a fact about the site, not a reason to drop the response
# Scrapy 2.19 opens a remote-control server and a telnet console by default.
REMOTE_CONTROL_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Components the settings above (and no FEEDS) switch off are still imported before they say so: the remote
# control imports aiohttp's web server (~8 MB), the telnet console twisted.conch, the feed exporter its
# storages, the cookies middleware tldextract (~2.4 MB). Not loaded at all: BENCHMARKS.md, "Memory of a crawl process".
EXTENSIONS = {
    "scrapy.extensions.remote_control.RemoteControl": None,
    "scrapy.extensions.telnet.TelnetConsole": None,
    "scrapy.extensions.feedexport.FeedExporter": None,
}
LOG_LEVEL = "INFO"
# Per-page DEBUG lines ("Crawled (200)", "Scraped from") are built only when LOG_LEVEL shows them.
LOG_FORMATTER = "crawler.logformat.LevelAwareLogFormatter"
# Scrapy reads each callback's source and parses it (inspect + ast) to warn about `return value` in a
# generator; its cache is keyed by bound methods, which die with each request, so it did so again and again.
WARN_ON_GENERATOR_RETURN_VALUE = False
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"

DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.RetryAfterMiddleware": 555,  # before RetryMiddleware (550) sees a 429
    "crawler.middlewares.HostHealthMiddleware": 560,
    "crawler.middlewares.EncodingMiddleware": 580,
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,  # COOKIES_ENABLED is False (see EXTENSIONS)
}
ITEM_PIPELINES = {"crawler.pipelines.StorePipeline": 300}
# The depth middleware only counts depths here (DEPTH_LIMIT 0, no depth priority; the crawl bounds columns by
# its own max_depth): one async-generator layer less around every callback's output.
SPIDER_MIDDLEWARES = {"scrapy.spidermiddlewares.depth.DepthMiddleware": None}

# scrapy-playwright's handler, its node driver started by the first page to render (crawler/render.py).
BROWSER_HANDLER = "crawler.render.LazyPlaywrightHandler"
PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 4
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 15_000  # a deployment's crawl.timeout_seconds replaces it
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def chromium_launch_options(chromium: str | None, *, headless: bool = True) -> dict[str, Any]:
    """Playwright's launch options for Debian's chromium (None: Playwright's own), the same flags wherever it
    starts; a visible window (headless=False, the Weibo login) drops --headless."""
    options: dict[str, Any] = {"args": [a for a in CHROMIUM_ARGS if a != "--headless" or headless],
                               "headless": headless}
    if chromium:
        options["executable_path"] = chromium
    return options


def settings_from_config(config: Any, units: list[str] | None = None) -> dict[str, Any]:
    """Scrapy settings for a deployment's `crawl:` section (portalcheck.core.config.CrawlConfig), for a crawl
    of `units` (None: all)."""
    return {**polite_settings(config.crawl),
            "CONCURRENT_REQUESTS": concurrent_requests(config, units),
            "PORTALCHECK_DATABASE_URL": config.database_url(),
            # Set by portalcheck.crawl_child for a job's crawl: the crawl runs are found (and resumed) by it.
            "PORTALCHECK_RUN_TOKEN": os.environ.get("PORTALCHECK_RUN_TOKEN")}


def concurrent_requests(config: Any, units: list[str] | None = None) -> int:
    """`crawl.concurrent_requests`, raised to every host's share (hosts × `concurrency_per_host`) for a crawl
    of several hosts. Scrapy counts a request waiting out its host's delay against CONCURRENT_REQUESTS, so a
    cap under the hosts' share leaves hosts idle while the cap is full of requests waiting on a few of them
    (a queue job of 16 gentle hosts at the default 16 read ~8 of them at a time); what protects each server
    is its own concurrency and delay, which this does not touch."""
    wanted = None if units is None else set(units)
    hosts = {host_of(unit.site) for unit in config.units if wanted is None or unit.name in wanted}
    return max(config.crawl.concurrent_requests, len(hosts) * config.crawl.concurrency_per_host)


def polite_settings(crawl: Any) -> dict[str, Any]:
    """The fetching half of a `crawl:` section (robots, concurrency, delay, limits): also what `portalcheck
    init` reads a portal by before any config.yaml exists."""
    return {
        "ROBOTSTXT_OBEY": crawl.obey_robots,
        "USER_AGENT": crawl.user_agent,
        "CONCURRENT_REQUESTS": crawl.concurrent_requests,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.concurrency_per_host,
        "DOWNLOAD_DELAY": crawl.delay_seconds,
        "AUTOTHROTTLE_ENABLED": crawl.autothrottle and crawl.delay_seconds > 0,
        "AUTOTHROTTLE_START_DELAY": max(crawl.delay_seconds, 0.1),
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(crawl.concurrency_per_host),
        "DOWNLOAD_TIMEOUT": crawl.timeout_seconds,
        # A page rendered in chromium gets the same time as one fetched (a slow server or a busy machine).
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": crawl.timeout_seconds * 1000,
        "RETRY_TIMES": crawl.retries,
        "DOWNLOAD_MAXSIZE": crawl.max_page_bytes,
        "PORTALCHECK_HOST_PAUSE_ERROR_RATIO": crawl.host_pause_error_ratio,
        "PORTALCHECK_CHROMIUM": crawl.chromium_path or shutil.which("chromium"),
    }


def abort_heavy_resources(request: Any) -> bool:
    """Rendering a list needs its scripts, not its pictures, fonts or videos."""
    return request.resource_type in ("image", "font", "media")


def browser_settings(chromium: str) -> dict[str, Any]:
    """scrapy-playwright on Debian's chromium (`playwright install` cannot download here)."""
    return {
        "DOWNLOAD_HANDLERS": {"http": BROWSER_HANDLER, "https": BROWSER_HANDLER},
        "PLAYWRIGHT_LAUNCH_OPTIONS": chromium_launch_options(chromium),
        "PLAYWRIGHT_ABORT_REQUEST": abort_heavy_resources,
    }
