"""The accounts gatherer: reads every configured new-media account inside `portalcheck crawl`.

It is a Scrapy spider only so that it runs in the same reactor and store pipeline as the
portal spider; it issues no Scrapy requests. Its `start()` drives chromium through Playwright
(crawler.accounts.harvest) and yields one AccountItem per account. A collector that could not
read an account is an operator alert (log and crawl summary), never a finding about the account.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import AsyncIterator
from typing import Any

from crawler.accounts import health as H
from crawler.accounts.harvest import account_refs, harvest_accounts
from crawler.accounts.model import AccountHarvest, AccountItem
from crawler.spiders.base import GathererSpider

log = logging.getLogger(__name__)


class AccountsSpider(GathererSpider):
    name = "accounts"

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.harvests: list[AccountHarvest] = []

    # The store pipeline asks every gatherer these; accounts have no columns and no links.
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
