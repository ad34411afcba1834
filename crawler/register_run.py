"""Run `portalcheck init`'s small crawl (crawler.spiders.register) in this process and hand back what it read."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler import settings as crawler_settings
from crawler.register import RegisterPage
from crawler.spiders.register import RegisterSpider


@dataclass
class PortalReading:
    """The pages read (the home page first, when it could be read), the pages that could not be, and each probed unit site's answer."""

    home: str
    pages: list[RegisterPage] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    answers: dict[str, str | None] = field(default_factory=dict)
    requests: int = 0
    rendered: int = 0


def read_portal(home: str, crawl: Any, *, probe_sites: list[str] | None = None, max_pages: int = 30,
                log_file: Path | None = None) -> PortalReading:
    """Read the portal's register pages (at most max_pages) under the deployment's `crawl:` politeness
    (robots.txt, delay, per-host concurrency, timeouts); probe_sites are requested once each besides."""
    settings = Settings()
    settings.setmodule(crawler_settings, priority="project")
    settings.setdict(crawler_settings.polite_settings(crawl), priority="cmdline")
    settings.setdict({"LOG_LEVEL": "INFO" if log_file else "ERROR", "ITEM_PIPELINES": {},
                      "LOG_INSTALL_ROOT_HANDLER": bool(log_file)}, priority="cmdline")
    if log_file:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        settings.setdict({"LOG_FILE": str(log_file), "LOG_FILE_APPEND": False}, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(RegisterSpider)
    process.crawl(crawler, home=home, probe_sites=tuple(probe_sites or ()), max_pages=max_pages)
    process.start()
    spider: RegisterSpider = crawler.spider
    return PortalReading(home, list(spider.pages), dict(spider.failed), dict(spider.answers),
                         int(crawler.stats.get_value("downloader/request_count", 0)), spider.rendered)
