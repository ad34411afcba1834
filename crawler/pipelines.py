"""The store pipeline: items in, rows out, in batches, idempotently.

It also opens the crawl-run row and hands the spider what earlier runs saw (CrawlMemory),
since the store is its business and not the spider's.
"""

from __future__ import annotations

import logging
import os
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from scrapy import signals
from scrapy.utils.defer import deferred_from_coro
from sqlalchemy import select, update

from crawler.accounts.model import AccountItem
from crawler.accounts.store import write_accounts
from crawler.frontier import write_list_states
from crawler.items import (
    AnnualReportItem,
    ColumnItem,
    ItemGroup,
    LinkStatusItem,
    ListPageItem,
    ListState,
    PageItem,
)
from crawler.memory import CrawlMemory, UnitScope
from crawler.messages.store import BoardItem, MessageItem, write_boards, write_messages
from crawler.page_rules import write_annual_reports
from portalcheck.core.processes import pid_alive
from storage.failures import DatabaseUnavailable, retry_write
from storage.models import Column, ColumnVisit, CrawlRun, Link, LinkTarget, ListItem, Page, Site, Unit
from storage.session import Store
from storage.upsert import upsert

log = logging.getLogger(__name__)

# Item type -> writer(session, items, pipeline) for gatherers beyond the portal spider; one line each.
EXTRA_WRITERS: dict[type, Callable[[Any, list[Any], StorePipeline], None]] = {}
EXTRA_WRITERS[AccountItem] = write_accounts  # new-media accounts and posts
EXTRA_WRITERS.update({MessageItem: write_messages, BoardItem: write_boards})  # 网上问政 (crawler/messages)
EXTRA_WRITERS[AnnualReportItem] = write_annual_reports  # 政府网站工作年度报表 (crawler/page_rules)

BATCH_ITEMS = 300
BATCH_SECONDS = 2.0


class StorePipeline:
    def __init__(self, database_url: str, stats: Any):
        self.database_url = database_url
        self.stats = stats
        self.buffer: dict[type, list[Any]] = defaultdict(list)
        self.buffered = 0
        self.last_flush = time.monotonic()
        self.unit_ids: dict[str, int] = {}
        self.column_ids: dict[str, int] = {}  # column URL -> id (URLs are unique within a run's scope)
        self.run_id: int | None = None
        self.database_error: DatabaseUnavailable | None = None  # set once a write gave up: nothing more is written
        self.crawler: Any = None
        self.token: str | None = None  # the job's run token (portalcheck.crawl_child), if a job started us

    @classmethod
    def from_crawler(cls, crawler: Any) -> StorePipeline:
        pipeline = cls(crawler.settings.get("PORTALCHECK_DATABASE_URL"), crawler.stats)
        pipeline.token = crawler.settings.get("PORTALCHECK_RUN_TOKEN")
        pipeline.crawler = crawler
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    # --- lifecycle -----------------------------------------------------------------------

    def open_spider(self, spider: Any) -> None:
        self.store = Store(self.database_url)
        self.spider = spider
        with self.store.session() as session:
            self._write_units(session, spider.config)
            previous = self._newest_run(session, spider)
            run = self._resumable_run(previous, spider)
            if run is None:
                run = CrawlRun(mode=spider.mode, unit_filter=",".join(spider.unit_names or []) or None,
                               counts={"pid": os.getpid(), "spider": spider.name,
                                       **({"token": self.token} if self.token else {})})
                session.add(run)
                session.flush()
            else:
                run.counts = {**(run.counts or {}), "pid": os.getpid(), "resumed": True}
                log.info("resuming interrupted crawl run %s", run.id)
            self.run_id = run.id
            if previous is not None and previous.status != "finished":
                # Named in this run's counts: what that run left unfinished and what this one finished of it.
                run.counts = {**run.counts, "after_run": {"id": previous.id, "status": previous.status}}
            if hasattr(spider, "memory"):
                spider.memory = CrawlMemory.load(session, resume_run=run if run.counts.get("resumed") else None,
                                                 full=spider.full, units=spider.unit_names)
                spider.memory.after_interruption = "after_run" in run.counts
            scope = UnitScope([*spider.unit_names, spider.config.portal.name] if spider.unit_names else None)
            columns = scope.columns(select(Column.url, Column.id).join(Unit, Unit.id == Column.unit_id))
            self.column_ids = {url: cid for url, cid in session.execute(columns.order_by(Column.id))}
        spider.run_id = self.run_id

    def _newest_run(self, session: Any, spider: Any) -> CrawlRun | None:
        """The newest run of this spider; for a job's crawl, the newest of its token (a retried job resumes
        its own run, whatever other units' jobs started meanwhile)."""
        query = select(CrawlRun).where(CrawlRun.counts["spider"].as_string() == spider.name)
        if self.token:
            query = query.where(CrawlRun.counts["token"].as_string() == self.token)
        return session.scalar(query.order_by(CrawlRun.id.desc()).limit(1))

    def _resumable_run(self, run: CrawlRun | None, spider: Any) -> CrawlRun | None:
        """The newest run (only it can be continued), if it is of the same kind and was killed (its process
        is gone) or interrupted."""
        unit_filter = ",".join(spider.unit_names or []) or None
        if run is None or run.status not in ("running", "interrupted"):
            return None
        if run.mode != spider.mode or run.unit_filter != unit_filter:
            return None
        if run.status == "running" and pid_alive((run.counts or {}).get("pid")):
            return None  # still going in another process
        return run

    def _write_units(self, session: Any, config: Any) -> None:
        rows = [{"name": config.portal.name, "kind": "门户", "site_url": config.portal.home}]
        rows += [{"name": u.name, "kind": u.kind, "site_url": u.site} for u in config.units]
        ids = upsert(session, Unit, rows, keys=["name"], update=["kind", "site_url"], returning="id")
        self.unit_ids = dict(zip([r["name"] for r in rows], ids, strict=True))
        sites = [{"url": config.portal.home, "name": config.portal.name, "unit_id": ids[0],
                  "is_portal_home": True, "site_code": config.portal.site_code}]
        sites += [{"url": u.site, "name": u.name, "unit_id": self.unit_ids[u.name], "is_portal_home": False,
                   "site_code": None} for u in config.units if u.site != config.portal.home]
        upsert(session, Site, sites, keys=["url"], update=["name", "unit_id", "is_portal_home", "site_code"])

    def process_item(self, item: Any, spider: Any) -> Any:
        for part in item.items if isinstance(item, ItemGroup) else (item,):  # a group: no batch ends inside it
            self.buffer[type(part)].append(part)
            self.buffered += 1
        if self.buffered >= BATCH_ITEMS or time.monotonic() - self.last_flush > BATCH_SECONDS:
            self.flush()
        return item

    def close_spider(self, spider: Any) -> None:
        self.flush()
        if self.database_error:  # no visit is stored for a run whose batches were lost: none may read "full"
            return
        now = datetime.now(timezone.utc)
        seen = spider.column_visits()
        with self.store.session() as session:
            visits = [{"run_id": self.run_id, "column_id": self.column_ids[v["column_url"]],
                       "status": v["status"], "reason": v["reason"], "pages": v["pages"], "items": v["items"],
                       "http_status": v["http_status"], "visited_at": now}
                      for v in seen if v["column_url"] in self.column_ids]
            upsert(session, ColumnVisit, visits, keys=["run_id", "column_id"])
            self._read_modes(session, seen)
            run = session.get(CrawlRun, self.run_id)
            run.finished_at = now
            run.counts = {**(run.counts or {}), **self.run_counts(spider, visits), **spider.left_over()}

    def _read_modes(self, session: Any, visits: list[dict[str, Any]]) -> None:
        """Each column read this run keeps how: static, rendered or rendered_failed (an unchanged 304 keeps
        what it had)."""
        by_mode: dict[str, list[int]] = defaultdict(list)
        for visit in visits:
            if visit.get("read_mode") and visit["column_url"] in self.column_ids:
                by_mode[visit["read_mode"]].append(self.column_ids[visit["column_url"]])
        for mode, ids in by_mode.items():
            for start in range(0, len(ids), 1000):
                session.execute(update(Column).where(Column.id.in_(ids[start:start + 1000])).values(read_mode=mode))

    def spider_closed(self, spider: Any, reason: str) -> None:
        """Scrapy names the reason only after the pipelines closed: a crawl stopped by SIGINT/SIGTERM
        ("shutdown") is recorded as interrupted, so the next run continues it instead of trusting it."""
        if self.database_error:
            self._mark_database_failure(reason)
            return
        with self.store.session() as session:
            run = session.get(CrawlRun, self.run_id)
            run.status = "finished" if reason == "finished" else "interrupted"
            run.counts = {**(run.counts or {}), "finish_reason": reason}
        self.store.dispose()

    def _mark_database_failure(self, reason: str) -> None:
        """One try to mark the run interrupted (a run left "running" by a gone process is continued all the same)."""
        try:
            with self.store.session() as session:
                run = session.get(CrawlRun, self.run_id)
                run.status = "interrupted"
                run.counts = {**(run.counts or {}), "finish_reason": reason,
                              "database_error": self.database_error.cause if self.database_error else None}
        except Exception as exc:
            log.warning("crawl run %s could not be marked interrupted: %s", self.run_id, exc)
        self.store.dispose()

    def _write(self, write: Callable[[], None], what: str) -> None:
        """One transaction, retried after a lost connection; if the database stays unavailable (full disk,
        long lock, server down) the crawl stops at once with a clear error and writes nothing more."""
        saved = dict(self.stats.get_stats())

        def attempt() -> None:
            self.stats.set_stats(dict(saved))  # a retried batch is counted once
            write()

        try:
            retry_write(attempt, what=f"crawl run {self.run_id}: {what}")
        except DatabaseUnavailable as failure:
            self.database_error = failure
            log.error("database unavailable, crawl stopped (%s not written): %s", what, failure.cause)
            self.stats.set_value("portalcheck/database_error", [failure.message, failure.cause])
            if self.crawler is not None and self.crawler.engine is not None:
                deferred_from_coro(self.crawler.engine.close_spider_async(reason="database_error"))

    def run_counts(self, spider: Any, visits: list[dict[str, Any]]) -> dict[str, Any]:
        stats = self.stats.get_stats()
        errors: dict[str, int] = defaultdict(int)
        for key, value in stats.items():
            if key.startswith("portalcheck/error/"):
                errors[key.removeprefix("portalcheck/error/")] += value
        columns: dict[str, int] = defaultdict(int)
        for visit in visits:
            columns[visit["status"]] += 1
        started = stats.get("start_time")
        return {
            "requests": stats.get("downloader/request_count", 0),
            "pages": stats.get("portalcheck/pages", 0),
            "items": stats.get("portalcheck/list_items", 0),
            "links_checked": stats.get("portalcheck/links_checked", 0),
            "bytes": stats.get("downloader/response_bytes", 0),
            "errors": dict(errors),
            "columns": dict(columns),
            "traps": dict(spider.trap_guard.refused),
            "paused_hosts": stats.get("portalcheck/paused_hosts", []),
            "units_without_columns": spider.units_without_columns(),
            "duration_s": round((datetime.now(timezone.utc) - started).total_seconds(), 1) if started else None,
        }

    # --- batches -------------------------------------------------------------------------

    def flush(self) -> None:
        """Write what is buffered, kinds in dependency order (columns before the pages that name them)."""
        if not self.buffered or self.database_error:
            return
        buffer, self.buffer, self.buffered = self.buffer, defaultdict(list), 0
        self.last_flush = time.monotonic()
        writers = [(ColumnItem, self._columns), (PageItem, self._pages), (ListPageItem, self._list_items),
                   (LinkStatusItem, self._link_statuses)]

        def write_batch() -> None:  # idempotent upserts in one transaction: safe to run again
            with self.store.session() as session:
                for kind, write in writers:
                    if buffer.get(kind):
                        write(session, buffer[kind])
                for kind, write in EXTRA_WRITERS.items():  # gatherers of other issues (messages, accounts)
                    if buffer.get(kind):
                        write(session, buffer[kind], self)
                # Last, in the same transaction as the entries they follow: a list is never marked read
                # further than what the store holds of it.
                states = [p.state for p in buffer.get(ListPageItem, []) if p.state] + buffer.get(ListState, [])
                if states:
                    write_list_states(session, states, self.unit_ids, self.run_id, datetime.now(timezone.utc))

        self._write(write_batch, "a batch of items")

    def _columns(self, session: Any, items: list[ColumnItem]) -> None:
        now = datetime.now(timezone.utc)
        for level in sorted({i.level for i in items}):  # parents are stored before their children
            rows = [{"unit_id": self.unit_ids[i.unit], "name": i.name, "url": i.url, "category": i.category,
                     "level": i.level, "origin": i.origin, "render": i.render,
                     "parent_id": self.column_ids.get(i.parent_url) if i.parent_url else None,
                     "first_seen": now, "last_seen": now} for i in items if i.level == level]
            ids = upsert(session, Column, rows, keys=["unit_id", "url"],
                         update=["name", "category", "level", "origin", "render", "parent_id", "last_seen"],
                         returning="id")
            self.column_ids.update({row["url"]: cid for row, cid in zip(rows, ids, strict=True)})

    def _pages(self, session: Any, items: list[PageItem]) -> None:
        if not items:
            return
        latest = {item.url: item for item in items}  # a re-fetch in the same batch keeps the last
        self._keep_date_history(session, list(latest.values()))
        rows = []
        for item in latest.values():
            rows.append({
                "url": item.url, "kind": item.kind, "unit_id": self.unit_ids.get(item.unit),
                "column_id": self.column_ids.get(item.column_url) if item.column_url else None,
                "run_id": self.run_id, "http_status": item.http_status, "error": item.error,
                "final_url": item.final_url, "fetched_at": item.fetched_at, "title": item.title,
                "published_at": item.published_at, "source": item.source, "encoding": item.encoding,
                "content_hash": item.content_hash, "content_length": item.content_length, "etag": item.etag,
                "last_modified": item.last_modified, "body_text": item.body_text, "marks": item.marks,
                "flags": item.flags, "page_meta": item.page_meta,
            })
            self.stats.inc_value("portalcheck/pages")
            if item.error:
                self.stats.inc_value(f"portalcheck/error/{item.error}")
            elif item.http_status and item.http_status >= 400:
                self.stats.inc_value(f"portalcheck/error/http_{item.http_status}")
        page_ids = upsert(session, Page, rows, keys=["url"], returning="id")
        # A fetched page is also the answer to "is this link alive?".
        now = datetime.now(timezone.utc)
        statuses = [{"url": i.url, "is_external": False, "http_status": i.http_status, "error": i.error,
                     "soft_404": bool((i.flags or {}).get("soft_404")),
                     "redirect_chain": (i.flags or {}).get("redirect_chain"), "checked_at": i.fetched_at or now}
                    for i in latest.values()]
        upsert(session, LinkTarget, statuses, keys=["url"])
        self._links(session, list(latest.values()), page_ids)

    def _keep_date_history(self, session: Any, items: list[PageItem]) -> None:
        """An article whose stated publication date differs from the one stored by an earlier crawl
        keeps the change in flags["date_history"] (a re-dated article is a 伪造发稿日期 signal for
        content.format); earlier changes are carried over, as flags are rewritten on every fetch."""
        dated = {i.url: i for i in items if i.kind == "article" and i.published_at is not None}
        if not dated:
            return
        stored = session.execute(select(Page.url, Page.published_at, Page.flags).where(Page.url.in_(dated)))
        for url, before, flags in stored:
            item = dated[url]
            history = list((flags or {}).get("date_history") or [])
            zone = item.published_at.tzinfo
            if before is not None and (before.astimezone(zone) if zone else before).date() != item.published_at.date():
                history.append({"from": before.isoformat(), "to": item.published_at.isoformat(),
                                "seen_at": (item.fetched_at or datetime.now(timezone.utc)).isoformat()})
            if history:
                item.flags = {**(item.flags or {}), "date_history": history[-10:]}

    def _links(self, session: Any, items: list[PageItem], page_ids: list[int]) -> None:
        targets = {url for item in items for url, _, _ in item.links}
        if not targets:
            return
        spider = self.spider
        rows = [{"url": url, "is_external": not spider.is_internal(url)} for url in sorted(targets)]
        ids = dict(zip(sorted(targets), upsert(session, LinkTarget, rows, keys=["url"], update=(),
                                               returning="id"), strict=True))
        # A page's links are replaced as a whole: one that left the page must not stay "dead".
        session.execute(Link.__table__.delete().where(Link.page_id.in_(page_ids)))
        links = {}
        for item, page_id in zip(items, page_ids, strict=True):
            for url, tag, text in item.links:
                links[(page_id, ids[url], tag)] = {"page_id": page_id, "target_id": ids[url], "tag": tag,
                                                   "text": text[:500] or None}
        for start in range(0, len(links), 2000):
            upsert(session, Link, list(links.values())[start:start + 2000], keys=["page_id", "target_id", "tag"])

    def _list_items(self, session: Any, items: list[ListPageItem]) -> None:
        now = datetime.now(timezone.utc)
        rows: dict[tuple[int, str], dict[str, Any]] = {}
        for page in items:
            column_id = self.column_ids.get(page.column_url)
            if column_id is None:
                continue
            for entry in page.entries:
                rows[(column_id, entry.url)] = {
                    "column_id": column_id, "url": entry.url, "title": entry.title[:2000],
                    "published_on": entry.published_on, "raw_date": entry.raw_date, "position": entry.position,
                    "list_page": page.page_number, "first_seen": now, "last_seen": now}
        self.stats.inc_value("portalcheck/list_items", len(rows))
        values = list(rows.values())
        for start in range(0, len(values), 1000):
            upsert(session, ListItem, values[start:start + 1000], keys=["column_id", "url"],
                   update=["title", "published_on", "raw_date", "position", "list_page", "last_seen"])

    def _link_statuses(self, session: Any, items: list[LinkStatusItem]) -> None:
        rows = {i.url: {"url": i.url, "is_external": i.is_external, "http_status": i.http_status, "error": i.error,
                        "soft_404": i.soft_404, "redirect_chain": i.redirect_chain, "checked_at": i.checked_at}
                for i in items}
        self.stats.inc_value("portalcheck/links_checked", len(rows))
        upsert(session, LinkTarget, list(rows.values()), keys=["url"])
