"""What every gatherer of `portalcheck crawl` shares: how it reads config.yaml, its scope and mode.

The portal, message-board and account spiders run side by side in one crawl; the store
pipeline asks each for its run's mode and scope, its column visits and its trap refusals.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

import scrapy

from crawler import traps


def config_path() -> str:
    """`scrapy crawl` inside crawler/ reads the deployment's config.yaml one folder up by default."""
    return os.environ.get("PORTALCHECK_CONFIG") or "../config.yaml"


class GathererSpider(scrapy.Spider):
    """Base of portalcheck's spiders: config, unit scope, full or incremental."""

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        super().update_settings(settings)
        if not settings.get("PORTALCHECK_DATABASE_URL"):  # plain `scrapy crawl NAME`, not the CLI
            from crawler.settings import settings_from_config
            from portalcheck.core.config import load_config

            settings.setdict(settings_from_config(load_config(config_path())), priority="spider")

    def __init__(self, config: Any = None, units: Any = None, full: Any = False, mode: str | None = None,
                 **kwargs: Any):
        super().__init__(**kwargs)
        if config is None or isinstance(config, str):
            from portalcheck.core.config import load_config

            config = load_config(config or config_path())
        self.config = config
        if isinstance(units, str):  # `-a units=白鹤镇,沙河乡`
            units = [u for u in units.split(",") if u]
        self.unit_names: list[str] | None = list(units) if units else None
        self.full = full if isinstance(full, bool) else str(full).lower() in ("1", "true", "yes")
        self.mode = mode or ("full" if self.full else "incremental")
        self.trap_guard = traps.TrapGuard()  # the store pipeline reports its refusals
        hosts = {urlsplit(config.portal.home).hostname} | {urlsplit(u.site).hostname for u in config.units}
        self.allowed_hosts = {h for h in hosts if h} | set(config.crawl.allowed_domains)

    def is_internal(self, url: str) -> bool:
        """On the portal's or a unit's host (or an allowed domain, subdomains included): crawled, not just
        link-checked. Looks up the host and each parent domain, so the cost per link does not grow with the
        number of hosts a province's batch names (a scan of them all was 4% of a crawl at 300 hosts)."""
        labels = (urlsplit(url).hostname or "").split(".")
        return any(".".join(labels[i:]) in self.allowed_hosts for i in range(len(labels)))

    def column_visits(self) -> list[dict[str, Any]]:
        """Columns this run saw (full / partial / not_seen); gatherers without columns have none."""
        return []

    def units_without_columns(self) -> dict[str, str]:
        """Units in scope this run found no column for, with why; gatherers without columns name none."""
        return {}

    def left_over(self) -> dict[str, Any]:
        """For the run's counts: lists earlier runs left unfinished and what this run finished of them."""
        return {}
