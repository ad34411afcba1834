"""`portalcheck init`'s small crawl: the portal's home page, the section pages it links for its units, boards and
accounts (within a page budget), and one request to each unit's site to see whether it still answers.

It stores nothing: the pages it read and the sites' answers are kept on the spider for the command to draft
config.yaml from. Navigation that only scripts draw is rendered by the same chromium path as columns.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Request, Response, TextResponse
from twisted.python.failure import Failure

from crawler.register import RegisterPage, read_register
from crawler.settings import BROWSER_HANDLER, browser_settings


class RegisterSpider(scrapy.Spider):
    name = "register"
    custom_settings = {"ITEM_PIPELINES": {}}  # stores nothing

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        super().update_settings(settings)
        if chromium := settings.get("PORTALCHECK_CHROMIUM"):
            settings.setdict(browser_settings(chromium), priority="spider")

    def __init__(self, home: str = "", probe_sites: tuple[str, ...] = (), max_pages: int = 30, **kwargs: Any):
        super().__init__(**kwargs)
        self.home = home
        self.probe_sites = list(dict.fromkeys(probe_sites))
        self.max_pages = int(max_pages)
        self.pages: list[RegisterPage] = []
        self.failed: dict[str, str] = {}  # page URL → why it could not be read
        self.answers: dict[str, str | None] = {}  # unit site → None when it answered, else why not
        self.requested: set[str] = set()
        self.probed: set[str] = set()
        self.rendered = 0

    @property
    def can_render(self) -> bool:
        return BROWSER_HANDLER in str(self.crawler.settings.getdict("DOWNLOAD_HANDLERS"))

    async def start(self) -> AsyncIterator[Any]:
        for request in self._page(self.home, home=True):
            yield request
        for site in self.probe_sites:
            for request in self._probe(site):
                yield request

    def _page(self, url: str, *, render: bool = False, home: bool = False) -> Iterator[Request]:
        if (url in self.requested and not render) or len(self.requested) >= self.max_pages:
            return
        self.requested.add(url)
        meta: dict[str, Any] = {"home": home}
        if render:
            from scrapy_playwright.page import PageMethod

            meta = {"playwright": True, "playwright_page_init_callback": "crawler.render.watch_page",
                    "playwright_page_methods": [PageMethod("wait_for_load_state", "networkidle")]}
        yield Request(url, callback=self.parse_page, errback=self.page_failed, meta=meta, dont_filter=True)

    def _probe(self, site: str) -> Iterator[Request]:
        if site in self.probed:
            return
        self.probed.add(site)
        yield Request(site, callback=self.site_answered, errback=self.site_failed, dont_filter=True,
                      meta={"site": site}, priority=-1)

    def parse_page(self, response: Response) -> Iterator[Request]:
        if not isinstance(response, TextResponse) or response.status >= 400:
            self.failed[response.url] = f"HTTP {response.status}" if response.status >= 400 else "不是网页"
            return
        known = [u.name for page in self.pages for u in page.units]
        page = read_register(response, home=self.home, known_units=known)
        if page.needs_js and not response.meta.get("playwright") and self.can_render:
            self.rendered += 1
            yield from self._page(response.url, render=True, home=response.meta.get("home", False))
            return
        if response.meta.get("home"):  # first, whatever URL the home page was redirected to
            self.pages.insert(0, page)
        else:
            self.pages.append(page)
        for url in page.follow:
            yield from self._page(url)
        for unit in page.units:
            yield from self._probe(unit.site)

    def page_failed(self, failure: Failure) -> None:
        self.failed[failure.request.url] = _why(failure)

    def site_answered(self, response: Response) -> None:
        site = response.meta["site"]
        self.answers[site] = None if response.status < 400 else f"HTTP {response.status}"

    def site_failed(self, failure: Failure) -> None:
        self.answers[failure.request.meta["site"]] = _why(failure)


def _why(failure: Failure) -> str:
    """A short reason in the inspector's words, the exception's own name kept for the technician."""
    name = type(failure.value).__name__
    if name == "IgnoreRequest":
        return "robots.txt 不允许抓取"
    if "Timeout" in name:
        return f"超时 ({name})"
    if "DNS" in name or "ConnectionRefused" in name or "Connect" in name:
        return f"无法连接 ({name})"
    return name
