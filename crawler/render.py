"""JavaScript-built columns are rendered by scrapy-playwright, started when the first page needs it.

scrapy-playwright starts its node driver when the engine starts. Most crawls render nothing (a column
is rendered only when its list needs scripts), and the idle driver cost ~250 MB and a tenth of a
crawl's CPU (BENCHMARKS.md, "Crawl").
"""

from __future__ import annotations

import asyncio
from typing import Any

from scrapy.http import Request, Response
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler


class LazyPlaywrightHandler(ScrapyPlaywrightDownloadHandler):
    """scrapy-playwright's download handler, its driver launched by the first `playwright` request."""

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self.driver_lock = asyncio.Lock()
        self.driver_started = False

    async def _maybe_launch_in_thread(self) -> None:
        """Connected to engine_started by scrapy-playwright: nothing to start yet."""

    async def download_request(self, request: Request) -> Response:
        if request.meta.get("playwright") and not self.driver_started:
            async with self.driver_lock:
                if not self.driver_started:
                    await self._maybe_future_from_coro(self._launch())
                    self.driver_started = True
        return await super().download_request(request)  # type: ignore[no-any-return]
