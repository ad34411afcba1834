"""Run the portal spider in this process for one CLI command (the Twisted reactor runs once per process)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.table import Table
from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from sqlalchemy import select

from crawler import settings as crawler_settings
from crawler.spiders.accounts import AccountsSpider
from crawler.spiders.messages import MessageSpider
from crawler.spiders.portal import PortalSpider
from crawler.stop_signals import early_stops_kept
from storage.failures import DatabaseUnavailable
from storage.models import CrawlRun
from storage.session import Store

# The spiders one `portalcheck crawl` runs side by side in one reactor; other gatherers
# (message boards, accounts) register here with one line.
GATHERERS: list[type] = [PortalSpider]
GATHERERS.append(AccountsSpider)  # new-media accounts (crawler/accounts)
GATHERERS.append(MessageSpider)  # 网上问政 boards (crawler/messages)

COLUMN_STATUS_ZH = {"full": "完整抓取", "partial": "部分抓取", "not_seen": "未能抓取"}
NO_COLUMNS_ZH = {"site_not_read": "网站首页未能打开", "none_found": "首页中未找到其网站目录下的栏目"}


@dataclass
class CrawlResult:
    run_id: int | None
    status: str
    counts: dict[str, Any]

    @property
    def ok(self) -> bool:
        return self.status == "finished"

    def print_summary(self, console: Console) -> None:
        table = Table(title=f"抓取结果 (crawl run {self.run_id})", show_header=False)
        counts = self.counts
        table.add_row("状态", "完成" if self.ok else f"未完成 ({self.status})")
        table.add_row("请求数", str(counts.get("requests", 0)))
        table.add_row("页面", str(counts.get("pages", 0)))
        table.add_row("栏目条目", str(counts.get("items", 0)))
        table.add_row("检查链接", str(counts.get("links_checked", 0)))
        for status, number in (counts.get("columns") or {}).items():
            table.add_row(f"栏目{COLUMN_STATUS_ZH.get(status, status)}", str(number))
        if counts.get("errors"):
            table.add_row("错误", "，".join(f"{k} {v}" for k, v in sorted(counts["errors"].items())))
        table.add_row("用时", f"{counts.get('duration_s')} 秒")
        if (axe := counts.get("accessibility")) and axe.get("pages"):
            table.add_row("无障碍检测", f"{axe['pages']} 个页面，{axe['seconds']} 秒")
        elif axe and axe.get("error"):
            table.add_row("无障碍检测", f"未能运行（{axe['error'][:80]}），page.accessibility 本次未检查")
        if counts.get("log_file"):
            table.add_row("日志", counts["log_file"])
        console.print(table)
        if line := left_over_line(counts):
            console.print(line)
        if self.ok and (missing := counts.get("units_without_columns")):  # a stopped run may not have got there
            console.print(f"[bold red]注意：{len(missing)}个单位没有发现任何栏目，其栏目更新等情况无法检查：[/]")
            for name, reason in missing.items():
                console.print(f"  {name}：{NO_COLUMNS_ZH.get(reason, reason)}")
            console.print("  请核对 config.yaml 中这些单位的 site 地址，或在其 columns: 下列出栏目。")


def left_over_line(counts: dict[str, Any]) -> str | None:
    """What earlier (interrupted) runs left unfinished and what this run finished of it, for the inspector."""
    left = counts.get("unfinished_columns") or {}
    if not left.get("left"):
        return None
    after = counts.get("after_run") or {}
    where = "上次中断遗留" if after.get("status") in ("running", "interrupted", "failed") else "此前遗留"
    line = f"{where}未完成栏目 {left['left']} 个，本次已补全 {left.get('finished', 0)} 个"
    if (rest := left["left"] - left.get("finished", 0)) > 0:
        line += f"，仍有 {rest} 个未读完（下次抓取继续）"
    return line


def build_settings(config: Any, *, log_level: str = "INFO", units: list[str] | None = None) -> Settings:
    settings = Settings()
    settings.setmodule(crawler_settings, priority="project")
    settings.setdict(crawler_settings.settings_from_config(config, units), priority="cmdline")
    log_file = config.crawl_log()
    log_file.parent.mkdir(parents=True, exist_ok=True)
    settings.setdict({"LOG_LEVEL": log_level, "LOG_FILE": str(log_file), "LOG_FILE_APPEND": False},
                     priority="cmdline")
    return settings


@contextmanager
def startup_frozen() -> Iterator[None]:
    """Keep what start-up built (modules, classes, settings) out of the garbage collector's full passes
    for the crawl: they live as long as it does, and scanning them again and again was ~6% of a
    crawl's CPU (BENCHMARKS.md, "Crawl")."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def run_crawl(config: Any, *, units: list[str] | None = None, full: bool = False,
              console: Console | None = None) -> CrawlResult:
    """Crawl the portal (or some units) into the store; returns the crawl run's outcome."""
    for name in units or []:
        config.unit(name)  # unknown unit: a clear KeyError before anything starts
    console = console or Console(stderr=True)
    process = CrawlerProcess(build_settings(config, units=units), install_root_handler=True)
    pages = {"n": 0}
    with console.status("抓取中…") as status:
        def on_response(response: Any, request: Any, spider: Any) -> None:
            pages["n"] += 1
            if pages["n"] % 10 == 0:
                status.update(f"抓取中… 已获取 {pages['n']} 个页面")

        crawlers: list[Any] = []

        def on_closed(spider: Any, reason: str) -> None:
            """A gatherer that lost the database stops the others: their writes would fail the same way, and
            one left waiting on its own work would keep the process alive with nothing to store."""
            if reason == "database_error":
                for other in crawlers:
                    if other.crawling and other.spider is not spider:
                        other.stop()

        with early_stops_kept() as early_stops:
            for spider_class in GATHERERS:
                crawler = process.create_crawler(spider_class)
                crawler.signals.connect(on_response, signal=signals.response_received)
                crawler.signals.connect(on_closed, signal=signals.spider_closed)
                early_stops.watch(crawler)
                process.crawl(crawler, config=config, units=units, full=full)
                crawlers.append(crawler)
            with startup_frozen():
                process.start()
    for crawler in crawlers:  # the store pipeline gave up on the database: say so, not "未完成 (running)"
        if failure := crawler.stats.get_value("portalcheck/database_error"):
            raise DatabaseUnavailable(*failure)
    store = Store(config.database_url())
    with store.session() as session:
        run = session.scalar(select(CrawlRun).where(CrawlRun.counts["spider"].as_string() == PortalSpider.name)
                             .order_by(CrawlRun.id.desc()).limit(1))
        result = CrawlResult(run.id, run.status, dict(run.counts)) if run else CrawlResult(None, "failed", {})
    result.counts["log_file"] = str(config.crawl_log())
    store.dispose()
    if result.ok:  # page.accessibility: axe-core on a bounded set of the pages just read
        from crawler.accessibility import run_accessibility

        result.counts["accessibility"] = run_accessibility(config, units)
    return result
