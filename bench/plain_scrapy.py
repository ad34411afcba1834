"""The Scrapy ceiling: a bare Scrapy spider that follows links and does nothing else, for bench/crawl.py.

    .venv/bin/python -m bench.plain_scrapy SEEDS_FILE [--concurrency N] [--per-host N]

portalcheck's crawler is Scrapy plus page understanding and storage; this spider is the same engine
with the same concurrency (the bench config's) and none of that: it follows every same-host `<a href>` to an HTML page
(each URL once, by a set, as a careful spider does), parses nothing else and stores nothing. Its rate in the same run says how much of the gap to wget2
is Scrapy's own (engine, downloader, Twisted/asyncio) and how much is ours.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response, TextResponse

from bench.crawl import HTML
from bench.generate_portal import CONCURRENT, PER_HOST


class LinksOnlySpider(scrapy.Spider):
    name = "links_only"

    def __init__(self, seeds: list[str], **kwargs: Any):
        super().__init__(**kwargs)
        self.seeds = seeds
        self.host = urlsplit(seeds[0]).netloc
        self.seen: set[str] = set(seeds)  # a set before the request: the dupefilter's URL canonicalisation is dear

    async def start(self) -> Any:
        for url in self.seeds:
            yield scrapy.Request(url, callback=self.parse, dont_filter=True)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[scrapy.Request]:
        if not isinstance(response, TextResponse):
            return
        for href in response.xpath("//a/@href").getall():
            url = response.urljoin(href.strip()).partition("#")[0]
            if url in self.seen:
                continue
            self.seen.add(url)
            parts = urlsplit(url)
            if parts.netloc == self.host and HTML.search(parts.path):
                yield scrapy.Request(url, callback=self.parse, dont_filter=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("seeds", type=Path, help="start URLs, one per line (the same wget2 gets)")
    parser.add_argument("--concurrency", type=int, default=CONCURRENT)
    parser.add_argument("--per-host", type=int, default=PER_HOST)
    args = parser.parse_args(argv)
    seeds = [line.strip() for line in args.seeds.read_text().splitlines() if line.strip()]
    process = CrawlerProcess({
        "CONCURRENT_REQUESTS": args.concurrency, "CONCURRENT_REQUESTS_PER_DOMAIN": args.per_host,
        "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "ROBOTSTXT_OBEY": False, "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False, "REMOTE_CONTROL_ENABLED": False, "LOG_LEVEL": "WARNING", "HTTPERROR_ALLOW_ALL": True,
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
    })
    process.crawl(LinksOnlySpider, seeds=seeds)
    process.start()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
