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


# Requests whose failure can leave a script-drawn list empty: the page's scripts, its data calls and frames.
DATA_RESOURCES = ("script", "xhr", "fetch", "document", "eventsource", "websocket", "other")
MAX_PROBLEMS = 5


async def watch_page(page: Any, request: Request) -> None:
    """playwright_page_init_callback of rendered column pages: notes what went wrong while the page drew
    itself (a data call answered 4xx/5xx or failed, an uncaught script error) in request.meta["render_problems"],
    so an empty rendered list is "not checked (why)", not blank."""
    problems: list[str] = request.meta.setdefault("render_problems", [])

    def note(problem: str) -> None:
        if len(problems) < MAX_PROBLEMS:
            problems.append(problem[:150])

    def on_response(response: Any) -> None:
        if response.status >= 400 and response.request.resource_type in DATA_RESOURCES \
                and response.url != request.url:
            note(f"http_{response.status} {response.url}")

    def on_request_failed(failed: Any) -> None:
        if failed.resource_type in DATA_RESOURCES:
            note(f"{failed.failure or 'failed'} {failed.url}")

    page.on("response", on_response)
    page.on("requestfailed", on_request_failed)
    page.on("pageerror", lambda error: note(f"script_error {error}"))
