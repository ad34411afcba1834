"""The portal spider: home page, every unit's columns (all list pages), articles and links.

It decides what to request and turns responses into items; page-layout knowledge lives in
crawler.layouts / articles / marks / discovery, storage in the pipeline. It says honestly
what it could not see: every column ends the run as full, partial or not_seen, with a reason.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import zlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urldefrag, urlsplit

from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import FormRequest, Request, Response, TextResponse
from twisted.python.failure import Failure

from crawler.articles import parse_article
from crawler.categories import categorize
from crawler.discovery import (
    RootOwners,
    discover_columns,
    link_name,
    parent_folder,
    sitemap_columns,
    sitemap_link,
    under_root,
)
from crawler.errors import BLOCKED_STATUSES, classify_failure
from crawler.frontier import ListFrontier, PendingPage, left_over_counts
from crawler.home import home_entries
from crawler.items import AnnualReportItem, ColumnItem, LinkStatusItem, ListEntry, ListPageItem, PageItem
from crawler.layouts import parse_list
from crawler.layouts.base import PageRequest
from crawler.marks import parse_marks
from crawler.memory import CrawlMemory
from crawler.page_rules import article_meta, is_report_title, parse_report, report_links, report_year
from crawler.scan import LINK_TAGS, PageScan, scan
from crawler.settings import BROWSER_HANDLER, browser_settings
from crawler.soft404 import looks_like_soft_404
from crawler.spiders.base import GathererSpider
from crawler.urls import join_without_fragment

HOME_COLUMN_NAME = "首页"
HOME_CATEGORY = "home"
NON_HTML = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".zip", ".rar", ".wps", ".ofd",
            ".jpg", ".jpeg", ".png", ".gif", ".mp4", ".mp3", ".txt", ".7z", ".et", ".dps")
LINK_CHECK_MAXSIZE = 2 * 1024 * 1024
PAGER_WORDS = {"首页", "上一页", "下一页", "尾页", "末页", "上页", "下页", "前页", "后页", "最后一页", ">", "<", ">>", "<<"}
PAGER_FILE = re.compile(r"/(index|list|page|default)_\d+\.\w+$")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def in_slice(url: str, fraction: float, salt: str) -> bool:
    """A stable, rotating sample of known URLs re-verified by each incremental run."""
    if fraction <= 0:
        return False
    bucket = zlib.crc32(f"{salt}|{url}".encode()) % 10_000
    return bucket < fraction * 10_000


@dataclass
class ColumnProgress:
    """What one run saw of one column, reported to the store as a column visit."""

    unit: str
    url: str
    pages_ok: int = 0
    pages_failed: int = 0
    items: int = 0
    first_status: int | None = None
    reason: str | None = None
    truncated: bool = False
    seen_first_page: bool = False
    read_mode: str | None = None  # static | rendered | rendered_failed: how its first page was read this run
    frontier: ListFrontier = field(default_factory=ListFrontier)  # its pages left to read, across runs
    state_written: bool = False  # a page was read: the store holds the frontier's state

    def outcome(self) -> tuple[str, str | None]:
        if not self.seen_first_page:
            return "not_seen", self.reason or "not_requested"
        if self.pages_failed or self.truncated:
            return "partial", self.reason or ("max_pages" if self.truncated else "page_failed")
        if not self.frontier.done:  # pages requested and never answered (a crawl stopped by SIGTERM)
            return "partial", self.reason or "unfinished"
        return "full", None


class PortalSpider(GathererSpider):
    name = "portal"

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        super().update_settings(settings)  # reads config.yaml for a plain `scrapy crawl portal`
        chromium = settings.get("PORTALCHECK_CHROMIUM")
        if chromium:  # only this spider renders pages: other gatherers start no browser driver
            settings.setdict(browser_settings(chromium), priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> PortalSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.check_deferred_links, signal=signals.spider_idle)
        handlers = str(crawler.settings.getdict("DOWNLOAD_HANDLERS"))
        if BROWSER_HANDLER not in handlers:
            spider.chromium = None  # no browser handler: JavaScript columns are recorded as needs_js
        return spider

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.today = datetime.now(self.config.zone).date()
        self.memory = CrawlMemory()  # replaced by the pipeline with what the store knows
        self.progress: dict[str, ColumnProgress] = {}
        self.column_meta: dict[str, dict[str, Any]] = {}
        self.requested: set[str] = set()
        self.link_seen: set[str] = set()
        self.deferred_checks: dict[str, Request] = {}
        # 网站地图 pages: fetched once per crawl however many units link to them (a portal's is shared).
        self.sitemaps: dict[str, TextResponse | None] = {}  # None: requested, not answered yet
        self.sitemap_waiting: dict[str, list[str]] = {}  # sitemap URL → units to read it for
        self.owners = RootOwners([(u.name, u.site) for u in self.config.units])
        self.unit_homes_read: set[str] = set()  # units whose site page answered 200 this run
        crawl = self.config.crawl
        self.max_pages = crawl.max_pages_per_column
        self.max_depth = crawl.max_depth
        self.revisit = crawl.incremental_revisit_fraction
        self.salt = self.today.isoformat()
        self.chromium = crawl.chromium_path or shutil.which("chromium") or shutil.which("chromium-browser")
        self.home_url = self.config.portal.home

    # --- scope --------------------------------------------------------------------------

    def units_in_scope(self) -> list[Any]:
        if not self.unit_names:
            return list(self.config.units)
        return [self.config.unit(name) for name in self.unit_names]

    # --- start ---------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        if not self.unit_names:
            yield ColumnItem(unit=self.config.portal.name, name=HOME_COLUMN_NAME, url=self.home_url,
                             category=HOME_CATEGORY, origin="configured")
            yield self.page_request(self.home_url, self.parse_home, kind="home", unit=self.config.portal.name,
                                    column=self.home_url, conditional=not self.full)
        for unit in self.units_in_scope():
            for item in self.start_unit(unit):
                yield item

    def start_unit(self, unit: Any) -> Iterator[Any]:
        known = self.memory.columns.get(unit.name, [])
        rediscover = self.full or not known or in_slice(unit.site, self.revisit, self.salt)
        for column in unit.columns:
            yield from self.schedule_column(
                unit.name, column.name, column.url, column.category or categorize(column.name),
                origin="configured", render=column.render,
            )
        if rediscover or self.memory.after_interruption:
            # After a killed run its columns are known, but perhaps not all that the unit's pages list.
            yield self.page_request(unit.site, self.parse_unit_home, kind="unit_home", unit=unit.name)
        if rediscover:
            return
        configured = {c.url for c in unit.columns}
        for column in known:
            if column.url not in configured and column.category != HOME_CATEGORY:
                yield from self.schedule_column(unit.name, column.name, column.url, column.category,
                                                origin="discovered", level=column.level,
                                                parent_url=column.parent_url, render=column.render)

    # --- requests ------------------------------------------------------------------------

    def page_request(self, target: str | PageRequest, callback: Any, *, kind: str, unit: str | None,
                     column: str | None = None, page: int = 1, render: str = "html",
                     conditional: bool = False, **extra: Any) -> Request:
        """A page fetch: a URL, or a layout's PageRequest (a Hanweb jpage group is a POST of a form)."""
        target = target if isinstance(target, PageRequest) else PageRequest(target)
        url = target.url
        self.requested.add(target.key)
        meta: dict[str, Any] = {"pc": {"kind": kind, "unit": unit, "column": column, "page": page,
                                       "key": target.key, **extra}}
        headers: dict[str, str] = {}
        if conditional and url in self.memory.validators:
            etag, modified = self.memory.validators[url]
            if etag:
                headers["If-None-Match"] = etag
            if modified:
                headers["If-Modified-Since"] = modified
            meta["handle_httpstatus_list"] = [304]
        if render == "js":
            from scrapy_playwright.page import PageMethod

            meta["playwright"] = True
            meta["playwright_page_methods"] = [PageMethod("wait_for_load_state", "networkidle")]
            meta["playwright_page_init_callback"] = "crawler.render.watch_page"
        # Pages are deduplicated by `self.requested`; the dupefilter would silently drop a column
        # that redirects to an already-fetched page (the home page), losing the evidence.
        if target.method == "POST":
            # Stored under its key: a site's columns all post to the same dataproxy URL. Sent as jpage's
            # $.ajax posts: the form urlencoded in the body, marked as an XMLHttpRequest.
            meta["pc"]["page_url"] = target.key
            headers["Content-Type"] = "application/x-www-form-urlencoded; charset=UTF-8"
            headers["X-Requested-With"] = "XMLHttpRequest"
            return FormRequest(url, method="POST", formdata=target.form, callback=callback,
                               errback=self.page_failed, meta=meta, headers=headers, dont_filter=True)
        return Request(url, callback=callback, errback=self.page_failed, meta=meta, headers=headers,
                       dont_filter=True)

    def renders_directly(self, url: str) -> bool:
        """A column that scripts drew when last read is rendered at once. A full run and the rotating revisit
        slice read it as served first: a site that went back to static lists is read statically again."""
        if self.memory.read_modes.get(url) not in ("rendered", "rendered_failed"):
            return False
        return not (self.full or in_slice(url, self.revisit, self.salt))

    def schedule_column(self, unit: str, name: str, url: str, category: str, *, origin: str,
                        level: int = 1, parent_url: str | None = None, render: str = "html") -> Iterator[Any]:
        url = urldefrag(url)[0]
        if url in self.column_meta:
            return
        configured = render  # stored as the column's render: what config says, not what this run learned
        if origin == "discovered" and self.owners.owner(url) not in (unit, None):
            return  # found from a wider unit's pages, but inside another unit's own site: that unit's column
        if render == "html" and self.renders_directly(url):
            render = "js"  # drawn by scripts when last read: rendered at once, no static re-detection
        if render == "js" and not self.chromium:
            render = "html"  # rendered later if possible; recorded as needs_js otherwise
        self.column_meta[url] = {"unit": unit, "name": name, "category": category, "level": level,
                                 "render": render, "parent_url": parent_url}
        progress = self.progress[url] = ColumnProgress(unit=unit, url=url)
        stored = self.memory.unfinished.get(url)
        if stored is not None:  # a full run reads it again from page 1; any other continues where it stopped
            progress.frontier = ListFrontier(left_over=True, unit=stored.unit) if self.full else stored.copy()
        yield ColumnItem(unit=unit, name=name, url=url, category=category, origin=origin, level=level,
                         parent_url=parent_url, render=configured)
        # After a killed run a 304 would hide the sub-columns its first page lists: read it again.
        conditional = not self.full and not self.memory.after_interruption and render == "html"
        yield self.page_request(url, self.parse_column, kind="list", unit=unit, column=url, render=render,
                                conditional=conditional)
        if not self.full:
            yield from self.list_page_requests(list(progress.frontier.pending.values()), unit, url, progress)

    # --- callbacks -----------------------------------------------------------------------

    def parse_home(self, response: Response) -> Iterator[Any]:
        pc = response.meta["pc"]
        progress = self.progress.setdefault(self.home_url, ColumnProgress(unit=pc["unit"], url=self.home_url))
        if response.status == 304:  # unchanged since the last run: its items are in the store
            progress.seen_first_page, progress.pages_ok = True, 1
            progress.items = len(self.memory.item_urls.get(self.home_url, ()))
            return
        page = self.page_item(response)
        yield page
        if not isinstance(response, TextResponse) or response.status != 200:
            progress.reason = page.error or f"http_{response.status}"
            return
        progress.seen_first_page, progress.pages_ok = True, 1
        entries = home_entries(response, today=self.today)
        progress.items = len(entries)
        yield ListPageItem(unit=pc["unit"], column_url=self.home_url, page_number=1,
                           entries=[self.entry(e) for e in entries])
        for url, _ in report_links(page.links)[:3]:  # 政府网站工作年度报表 linked from the home page
            if self.is_internal(url):
                yield Request(url, callback=self.parse_annual_report, errback=self.annual_report_failed,
                              dont_filter=True, meta={"pc": {"kind": "annual_report", "unit": pc["unit"]}})
        yield from self.link_requests(page)

    def parse_unit_home(self, response: Response) -> Iterator[Any]:
        pc = response.meta["pc"]
        page = self.page_item(response)
        yield page
        if not isinstance(response, TextResponse) or response.status != 200:
            return
        self.unit_homes_read.add(pc["unit"])
        unit = self.config.unit(pc["unit"])
        configured = {c.url for c in unit.columns}
        discovered = discover_columns(response, site_root=unit.site)
        if not discovered and not unit.columns and self.chromium and not pc.get("rendered") \
                and response.xpath("//script"):
            # No menu in the HTML, but scripts: a menu they build (a 信息公开目录 tree drawn from inline data,
            # such as zTree's zNodes). Read the page once more as chromium renders it.
            yield self.page_request(response.url, self.parse_unit_home, kind="unit_home", unit=unit.name,
                                    render="js", rendered=True)
            return
        categories = self.categories(discovered)
        for column in discovered:
            if column.url in configured:
                continue
            level = column.depth if column.depth else 1
            yield from self.schedule_column(unit.name, column.name, column.url, categories[column.url],
                                            origin="discovered", level=level, parent_url=column.parent_url)
        if (sitemap := sitemap_link(page.links)) and self.is_internal(sitemap):
            yield from self.unit_sitemap(unit, sitemap)
        yield from self.link_requests(page)

    # --- 网站地图 --------------------------------------------------------------------------

    def unit_sitemap(self, unit: Any, url: str) -> Iterator[Any]:
        """Read the sitemap for this unit: at once if it is here, else when it arrives (requested once)."""
        if (answer := self.sitemaps.get(url)) is not None:
            yield from self.sitemap_unit_columns(unit, answer)
            return
        self.sitemap_waiting.setdefault(url, []).append(unit.name)
        if url not in self.sitemaps and url not in self.requested:
            self.sitemaps[url] = None
            # The page (and its dead links) belongs to the unit whose site holds it, else to the portal:
            # not to whichever unit happened to link to it first.
            owner = self.owners.owner(url) or self.config.portal.name
            yield self.page_request(url, self.parse_sitemap, kind="sitemap", unit=owner, sitemap=url)

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        page = self.page_item(response)
        yield page
        url = response.meta["pc"]["sitemap"]
        waiting = self.sitemap_waiting.pop(url, [])
        if not isinstance(response, TextResponse) or response.status != 200:
            return
        self.sitemaps[url] = response
        for name in waiting:
            yield from self.sitemap_unit_columns(self.config.unit(name), response)
        if not self.unit_names or response.meta["pc"]["unit"] in self.unit_names:
            # A portal-wide sitemap links every unit's columns: a re-check of one unit does not verify them all.
            yield from self.link_requests(page)

    def sitemap_unit_columns(self, unit: Any, response: TextResponse) -> Iterator[Any]:
        """Columns the sitemap lists under the unit's root that no menu showed (schedule_column gives a column
        under another unit's narrower root to nobody: a portal-wide sitemap lists every unit's columns)."""
        found = sitemap_columns(response, site_root=unit.site)
        categories = self.categories(found)
        for column in found:
            if column.depth > self.max_depth:
                continue
            yield from self.schedule_column(unit.name, column.name, column.url, categories[column.url],
                                            origin="discovered", level=column.depth, parent_url=column.parent_url)

    def parse_column(self, response: Response) -> Iterator[Any]:
        pc = response.meta["pc"]
        column_url, number = pc["column"], pc["page"]
        meta = self.column_meta[column_url]
        progress = self.progress[column_url]
        if number == 1:
            progress.first_status = response.status
        if response.status == 304:  # unchanged list: it still holds what the store has for it
            progress.seen_first_page, progress.pages_ok = True, progress.pages_ok + 1
            progress.items += len(self.memory.item_urls.get(column_url, ()))
            return
        page = self.page_item(response)
        if (page.flags or {}).get("redirected_home"):
            # The home page is not this column's content: its items and links stay the home's.
            page.marks, page.links = None, []
            yield page
            self.column_page_failed(progress, number, "redirected_home")
            return
        if not isinstance(response, TextResponse) or response.status != 200:
            yield page
            self.column_page_failed(progress, number, page.error or f"http_{response.status}",
                                    blocked=response.status in BLOCKED_STATUSES)
            return
        listing = parse_list(response, today=self.today)
        rendered = bool(response.meta.get("playwright"))
        problems = response.meta.get("render_problems") or []
        page.flags = {**(page.flags or {}), "family": listing.family, "empty_notice": listing.empty_notice,
                      "under_construction": listing.under_construction, "needs_js": listing.needs_js,
                      "page_count": listing.page_count, "rendered": rendered}
        if problems:
            page.flags["render_problems"] = problems
        yield page
        if listing.needs_js and not listing.items and not rendered:
            # A POST's answer is data: rendering would re-fetch its URL by GET, without the form.
            if self.chromium and "page_url" not in pc:
                meta["render"] = "js"
                yield self.page_request(response.url, self.parse_column, kind="list", unit=pc["unit"],
                                        column=column_url, page=number, render="js")
                return
            self.column_page_failed(progress, number, "needs_js", read_mode="rendered_failed")
            return
        if rendered and problems and not listing.items and not listing.empty_notice:
            # Drawn empty while its scripts failed: what a person would see is unknown, so not checked.
            self.column_page_failed(progress, number, "render_failed: " + problems[0], read_mode="rendered_failed")
            return
        if number == 1:
            progress.seen_first_page = True
            progress.read_mode = "rendered" if rendered else "static"
            if self.full:
                progress.frontier.restart()
        progress.frontier.read(pc["key"])
        progress.pages_ok += 1
        progress.items += len(listing.items)
        known = self.memory.item_urls.get(column_url, set())
        entries = [self.entry(item) for item in listing.items]
        if listing.needs_js and not listing.next_pages:
            progress.truncated, progress.reason = True, "js_pagination"  # later pages only via scripts
        # Past the known items only where this pass must read on to the end: a full run, or the continuation
        # of a pass an earlier run left unfinished (its known items may end in a gap).
        through = self.full or bool(pc.get("through"))
        further: list[Request] = []
        if listing.items and (through or all(item.url not in known for item in listing.items)):
            pages = [PendingPage(target, number + offset, through)
                     for offset, target in enumerate(listing.next_pages, start=1)]
            further = list(self.list_page_requests(pages, pc["unit"], column_url, progress))
        # The entries and how far the column is read go to the store together (a kill loses both or neither).
        yield ListPageItem(unit=pc["unit"], column_url=column_url, page_number=number, entries=entries,
                           state=progress.frontier.state("column", column_url, pc["unit"]))
        progress.state_written = True
        for item in listing.items:
            yield from self.maybe_article(item.url, pc["unit"], column_url)
        if number == 1 and meta["level"] < self.max_depth and not page.flags.get("soft_404"):
            listed = {item.url for item in listing.items} | set(listing.next_urls)
            yield from self.sub_columns(response, meta, column_url, listed, page.links)
        yield from further
        yield from self.link_requests(page)

    def categories(self, found: list[Any]) -> dict[str, str]:
        """Category of each discovered column, parents first: a generic name takes its parent's category
        (found here or scheduled before)."""
        out: dict[str, str] = {}
        for column in sorted(found, key=lambda c: c.depth):
            parent = out.get(column.parent_url or "") or self.column_meta.get(column.parent_url or "", {}).get("category")
            out[column.url] = categorize(column.name, parent)
        return out

    def sub_columns(self, response: TextResponse, meta: dict[str, Any], column_url: str,
                    listed: set[str], links: list[tuple[str, str, str]]) -> Iterator[Any]:
        """Sub-columns are the column page's own navigation: not its entries, not its pager. Its side menu
        (TRS 更多栏目) also lists its siblings, the parent folder's other columns: a column that only they show
        (the parent's own page is missing or off the unit's site) is found there, nested as its siblings are."""
        base = urlsplit(column_url)
        folder = parent_folder(column_url)
        scope = column_url
        if folder != column_url and under_root(folder, self.config.unit(meta["unit"]).site) and any(
                url.startswith(folder) and not url.startswith(column_url) and url not in self.column_meta
                and url not in listed and parent_folder(url) == folder for url, tag, _ in links if tag == "a"):
            scope = folder  # read the wider menu only when it shows a sibling no one has scheduled yet
        folder_category: str | None = None
        for child in discover_columns(response, site_root=scope):
            target = urlsplit(child.url)
            if child.url in self.column_meta or child.url in listed or child.name.strip().isdigit():
                continue
            if (target.path == base.path or PAGER_FILE.search(target.path)) or child.name.strip() in PAGER_WORDS:
                continue
            if under_root(child.url, column_url):
                yield from self.schedule_column(meta["unit"], child.name, child.url,
                                                categorize(child.name, meta["category"]), origin="discovered",
                                                level=meta["level"] + 1, parent_url=column_url)
            elif parent_folder(child.url) == scope:
                if folder_category is None:  # the parent as a column, or as the page names it (its breadcrumb)
                    known = self.column_meta.get(scope, {}).get("category")
                    folder_category = known or categorize(link_name(response, scope) or "")
                yield from self.schedule_column(meta["unit"], child.name, child.url,
                                                categorize(child.name, folder_category), origin="discovered",
                                                level=meta["level"], parent_url=meta["parent_url"])

    def list_page_requests(self, pages: list[PendingPage], unit: str, column_url: str,
                           progress: ColumnProgress) -> Iterator[Request]:
        """Further list pages (in page order) within the column's budget, each pending until it is read."""
        for page in pages:
            if page.target.key in self.requested:
                continue
            if page.number > self.max_pages:
                progress.truncated = True
                break
            progress.frontier.add(page)
            target = page.target
            # A POST answers with data (jpage's XML datastore): nothing in it to render.
            render = "html" if target.method == "POST" else self.column_meta[column_url]["render"]
            yield self.page_request(target, self.parse_column, kind="list", unit=unit, column=column_url,
                                    page=page.number, render=render, through=page.through)

    def maybe_article(self, url: str, unit: str, column_url: str) -> Iterator[Request]:
        if url in self.requested or not self.is_internal(url) or url.lower().endswith(NON_HTML):
            return
        if url in self.memory.done_urls:
            return
        fresh = url not in self.memory.article_urls
        if self.full or fresh or in_slice(url, self.revisit, self.salt):
            yield self.page_request(url, self.parse_article, kind="article", unit=unit, column=column_url)

    def parse_article(self, response: Response) -> Iterator[Any]:
        page = self.page_item(response)
        if isinstance(response, TextResponse) and response.status == 200:
            article = parse_article(response, today=self.today)
            page.title = article.title or page.title
            page.published_at = article.published_at.replace(tzinfo=self.config.zone) if (
                article.published_at and article.published_at.tzinfo is None) else article.published_at
            page.source = article.source
            page.body_text = article.body_text
            page.flags = {**(page.flags or {}), "date_source": article.date_source,
                          "images": [asdict(i) for i in article.images], "attachments": article.attachments}
            if is_report_title(page.title):  # a 年度报表 published as an article
                yield self.annual_report_item(response, linked_from_home=False)
        yield page
        if isinstance(response, TextResponse):
            yield from self.link_requests(page)

    def parse_annual_report(self, response: Response) -> Iterator[Any]:
        yield self.annual_report_item(response, linked_from_home=True)

    def annual_report_item(self, response: Response, *, linked_from_home: bool) -> AnnualReportItem:
        if not isinstance(response, TextResponse) or response.status != 200:
            return AnnualReportItem(url=response.url, fetched_at=_now(), linked_from_home=linked_from_home,
                                    error=f"http_{response.status}")
        title = " ".join(response.xpath("normalize-space(//title)").getall()).strip() or None
        heading = response.xpath("normalize-space((//h1|//h2)[1])").get() or ""
        figures = parse_report(response.selector)
        return AnnualReportItem(url=response.url, fetched_at=_now(), linked_from_home=linked_from_home,
                                year=report_year(heading or title, " ".join(figures["rows"])),
                                title=heading or title, figures=figures)

    def annual_report_failed(self, failure: Failure) -> Iterator[Any]:
        yield AnnualReportItem(url=failure.request.url, fetched_at=_now(), linked_from_home=True,
                               error=classify_failure(failure))

    # --- pages and links -----------------------------------------------------------------

    def page_item(self, response: Response) -> PageItem:
        pc = response.meta["pc"]
        redirects = response.meta.get("redirect_urls") or []
        url = pc.get("page_url") or (redirects[0] if redirects else response.url)
        item = PageItem(url=url, kind=pc["kind"], unit=pc["unit"], column_url=pc.get("column"), fetched_at=_now(),
                        http_status=response.status, final_url=response.url if redirects else None,
                        content_length=len(response.body),
                        content_hash=hashlib.sha256(response.body).hexdigest(),
                        etag=_header(response, b"ETag"), last_modified=_header(response, b"Last-Modified"))
        flags: dict[str, Any] = {}
        if "page_url" in pc:
            flags["method"] = "POST"  # its URL carries the posted form: a GET of it is not what we read
        if redirects:
            flags["redirect_chain"] = [*redirects, response.url]
            home = self.home_url.rstrip("/")
            flags["redirected_home"] = response.url.rstrip("/") in (home, home + "/index.html")
        if isinstance(response, TextResponse):
            item.encoding = response.encoding
            page = scan(response.selector)  # one walk gives the title, links, marks and soft-404 text
            item.title = page.title
            if response.status == 200:
                # Filled before the item is yielded: the pipeline may store it at once.
                item.links = extract_links(page, response.url)
                # A POST's answer is the site's data (jpage's XML records), not a page with a footer:
                # reading marks off it would count a missing 找错 entry on every Hanweb group.
                item.marks = None if "page_url" in pc else asdict(parse_marks(page))
                if pc["kind"] == "article":
                    item.page_meta = article_meta(page, today=self.today)
                flags["soft_404"] = looks_like_soft_404(page.title or "", " ".join(page.body_text))
        item.flags = flags or None
        return item

    def link_requests(self, page: PageItem) -> Iterator[Request]:
        """Verify the page's link targets that the crawl will not fetch as pages."""
        links = page.links
        external_ok = self.config.crawl.check_external_links
        for url, tag, _ in links:
            if url in self.link_seen or url in self.requested:
                continue
            self.link_seen.add(url)
            internal = self.is_internal(url)
            if not internal and not external_ok:
                continue
            if tag == "link" and url.endswith(".css") and internal:
                continue
            # Known targets: skipped by an incremental run (but for its rotating slice) and by a resumed
            # run (those it checked before it was killed); a fresh full run has none.
            if url in self.memory.checked_links and (self.full or not in_slice(url, self.revisit, self.salt)):
                continue
            if self.trap_guard.is_trap(url):
                continue
            # Our own pages are fetched (GET, size-capped) so a 200 "页面不存在" is caught as a soft
            # 404; files and outside links get a HEAD (GET only where HEAD is refused).
            method = "GET" if internal and not url.lower().endswith(NON_HTML) and tag in ("a", "iframe") else "HEAD"
            request = Request(url, method=method, callback=self.link_checked, errback=self.link_failed,
                              meta={"link_check": True, "external": not internal,
                                    "dont_obey_robotstxt": not internal, "handle_httpstatus_all": True,
                                    "download_maxsize": LINK_CHECK_MAXSIZE, "max_retry_times": 1})
            if internal:
                # Checked when the crawl falls idle: by then it may have been fetched as a page anyway
                # (an article linked from the home page before its column was listed).
                self.deferred_checks[url] = request
            else:
                yield request

    def check_deferred_links(self) -> None:
        """spider_idle: send the internal link checks that no page fetch has answered."""
        pending = [request for url, request in self.deferred_checks.items() if url not in self.requested]
        self.deferred_checks.clear()
        if pending:
            for request in pending:
                self.crawler.engine.crawl(request)
            raise DontCloseSpider

    def link_checked(self, response: Response) -> Iterator[Any]:
        if response.status == 405 and response.request.method == "HEAD":
            yield response.request.replace(method="GET", dont_filter=True)
            return
        redirects = response.meta.get("redirect_urls") or []
        soft = False
        if response.request.method == "GET" and isinstance(response, TextResponse) and response.status == 200:
            soft = looks_like_soft_404(response.xpath("normalize-space(//title)").get() or "",
                                       " ".join(response.xpath("//body//text()").getall()[:200]))
        yield LinkStatusItem(url=redirects[0] if redirects else response.url,
                             is_external=bool(response.meta.get("external")), checked_at=_now(),
                             http_status=response.status, soft_404=soft,
                             redirect_chain=[*redirects, response.url] if redirects else None)

    def link_failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request
        yield LinkStatusItem(url=request.url, is_external=bool(request.meta.get("external")), checked_at=_now(),
                             error=classify_failure(failure))

    def page_failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request
        pc = request.meta["pc"]
        error = classify_failure(failure)
        if "host_paused" in str(failure.value):
            error = "host_paused"
        yield PageItem(url=pc.get("page_url") or request.url, kind=pc["kind"], unit=pc["unit"],
                       column_url=pc.get("column"), fetched_at=_now(), error=error)
        if pc["kind"] == "list":
            rendering = request.meta.get("playwright")
            self.column_page_failed(self.progress[pc["column"]], pc["page"],
                                    f"render_failed: {error}" if rendering else error,
                                    read_mode="rendered_failed" if rendering else None)
        elif pc["kind"] == "home":
            self.progress.setdefault(self.home_url, ColumnProgress(unit=pc["unit"], url=self.home_url)).reason = error

    def column_page_failed(self, progress: ColumnProgress, number: int, reason: str, blocked: bool = False,
                           read_mode: str | None = None) -> None:
        if number == 1:
            progress.reason = ("blocked_" + reason) if blocked else reason
            progress.read_mode = read_mode or progress.read_mode
        else:
            progress.pages_failed += 1
            progress.reason = progress.reason or reason

    def entry(self, item: Any) -> ListEntry:
        return ListEntry(url=item.url, title=item.title, published_on=item.published_on,
                         raw_date=item.raw_date, position=item.position)

    def units_without_columns(self) -> dict[str, str]:
        """Nothing of these units can be judged: named in the run, so that no table passes them silently.
        `site_not_read`: their site page failed; `none_found`: it was read and shows no column under the
        unit's site folder (e.g. a site given as one CMS column page, /col/col123/index.html)."""
        with_columns = {meta["unit"] for meta in self.column_meta.values()}
        return {unit.name: "none_found" if unit.name in self.unit_homes_read else "site_not_read"
                for unit in self.units_in_scope() if unit.name not in with_columns}

    def left_over(self) -> dict[str, Any]:
        finished = {url for url, p in self.progress.items() if p.state_written and p.frontier.done}
        in_scope = {u.name for u in self.units_in_scope()}
        return {"unfinished_columns": left_over_counts(self.memory.unfinished, in_scope, finished)}

    def column_visits(self) -> list[dict[str, Any]]:
        visits = []
        for progress in self.progress.values():
            status, reason = progress.outcome()
            visits.append({"column_url": progress.url, "unit": progress.unit, "status": status, "reason": reason,
                           "pages": progress.pages_ok, "items": progress.items,
                           "http_status": progress.first_status, "read_mode": progress.read_mode})
        return visits


def extract_links(page: PageScan, base_url: str) -> list[tuple[str, str, str]]:
    """Every href/src of the page as (absolute URL, tag, anchor text), all <a> first, then <img> …"""
    links = []
    for tag in LINK_TAGS:
        for link in page.links:
            if link.tag != tag:
                continue
            raw = link.value.strip()
            if not raw or raw.startswith(("javascript:", "mailto:", "tel:", "#", "data:")):
                continue
            url = join_without_fragment(base_url, raw)
            if not url.startswith(("http://", "https://")):
                continue
            links.append((url, tag, link.text.strip()[:200] if tag == "a" else ""))
    return links


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
