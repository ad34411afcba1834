"""The accounts gatherer: reads every configured new-media account inside `portalcheck crawl`.

It is a Scrapy spider only so that it runs in the same reactor and store pipeline as the
portal spider; it issues no Scrapy requests. Its `start()` drives chromium through Playwright
(crawler.accounts.harvest) and yields one AccountItem per account. A collector that could not
read an account is an operator alert (log and crawl summary), never a finding about the account.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import scrapy

from crawler.accounts import health as H
from crawler.accounts.harvest import account_refs, harvest_accounts
from crawler.accounts.model import AccountHarvest, AccountItem

log = logging.getLogger(__name__)


class AccountsSpider(scrapy.Spider):
    name = "accounts"

    def __init__(self, config: Any = None, units: Any = None, full: Any = False, mode: str | None = None,
                 **kwargs: Any):
        super().__init__(**kwargs)
        if config is None or isinstance(config, str):
            from portalcheck.config import load_config

            config = load_config(config or os.environ.get("PORTALCHECK_CONFIG") or "../config.yaml")
        self.config = config
        if isinstance(units, str):
            units = [u for u in units.split(",") if u]
        self.unit_names: list[str] | None = list(units) if units else None
        self.full = str(full).lower() in ("1", "true", "yes") if not isinstance(full, bool) else full
        self.mode = mode or ("full" if self.full else "incremental")
        self.trap_guard = SimpleNamespace(refused={})  # the store pipeline reports traps per spider
        self.harvests: list[AccountHarvest] = []

    # The store pipeline asks every gatherer these; accounts have no columns and no links.
    def column_visits(self) -> list[dict[str, Any]]:
        return []

    def is_internal(self, url: str) -> bool:
        return False

    async def start(self) -> AsyncIterator[Any]:
        refs = account_refs(self.config, self.unit_names)
        if not refs:
            return
        chromium = self.config.crawl.chromium_path or shutil.which("chromium") or shutil.which("chromium-browser")
        async for harvest in harvest_accounts(self.config, refs, chromium=chromium):
            self.harvests.append(harvest)
            yield AccountItem(harvest)

    def closed(self, reason: str) -> None:
        if not self.harvests:
            return
        alerts = [h for h in self.harvests if H.is_alert(h.health)]
        ok = sum(1 for h in self.harvests if h.health == H.OK)
        gone = sum(1 for h in self.harvests if h.health in H.GONE)
        log.info("accounts: %d read, %d ok, %d gone, %d not checked", len(self.harvests), ok, gone, len(alerts))
        print_summary(self.harvests)


def print_summary(harvests: list[AccountHarvest]) -> None:
    """The operator's view: how many accounts were read, and which could not be and why."""
    from rich.console import Console
    from rich.markup import escape

    console = Console(stderr=True, highlight=False)
    alerts = [h for h in harvests if H.is_alert(h.health)]
    ok = sum(1 for h in harvests if h.health == H.OK)
    gone = [h for h in harvests if h.health in H.GONE]
    console.print(f"政务新媒体采集：{len(harvests)}个账号，正常{ok}个，"
                  f"账号不存在或已关闭{len(gone)}个，未能检查{len(alerts)}个", markup=False)
    for harvest in alerts:
        action = H.OPERATOR_ACTION.get(harvest.health, "")
        text = (f"{harvest.ref.unit} {harvest.ref.name}（{harvest.ref.platform}）：{H.HEALTH_ZH[harvest.health]}；"
                f"{harvest.detail or ''}。{action}")
        console.print(f"  [yellow]未能检查[/] {escape(text)}")
