"""One chromium for all accounts, one browser context per login, polite pacing and a daily budget.

Requests go through a real browser page (`page.goto`) so that a platform sees what a person's
browser sends: its cookies (the Weibo login kept as a Playwright storage-state file), its TLS
and headers. Playwright's own `APIRequestContext` would send from Node.js instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawler.settings import chromium_launch_options
from portalcheck.core.config import DEFAULT_TIMEZONE

log = logging.getLogger(__name__)

MOBILE_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
             "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")
# Only the document itself is needed: pictures, fonts, styles and scripts are never fetched.
KEEP_RESOURCES = frozenset({"document"})


class BudgetExhausted(Exception):
    """Today's requests for this login are spent; the rest of its accounts wait for tomorrow."""


@dataclass(frozen=True, slots=True)
class Fetched:
    url: str
    status: int | None
    text: str
    final_url: str
    content_type: str = ""
    error: str | None = None  # timeout | refused | dns | other, when nothing came back


class Pacer:
    """At least `spacing` seconds (± jitter) between two requests to the same host."""

    def __init__(self, spacing: dict[str, float], jitter: float, kind_of: Any, rng: random.Random | None = None):
        self.spacing = spacing
        self.jitter = jitter
        self.kind_of = kind_of
        self.rng = rng or random.Random()
        self.last: dict[str, float] = {}

    def delay_for(self, host: str) -> float:
        base = self.spacing.get(self.kind_of(host), self.spacing.get("feed", 1.0))
        return max(0.0, base * (1 + self.rng.uniform(-self.jitter, self.jitter)))

    async def wait(self, host: str) -> None:
        if host in self.last:
            remaining = self.last[host] + self.delay_for(host) - time.monotonic()
            if remaining > 0:
                await asyncio.sleep(remaining)
        self.last[host] = time.monotonic()


class Budget:
    """Requests per login per day, remembered across runs in a small JSON file."""

    def __init__(self, path: Path, limit: int, today: date):
        self.path = path
        self.limit = limit
        self.today = today.isoformat()
        try:
            self.counts: dict[str, dict[str, int]] = json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            self.counts = {}
        self.counts = {self.today: self.counts.get(self.today, {})}  # older days are forgotten

    def used(self, key: str) -> int:
        return self.counts[self.today].get(key, 0)

    def take(self, key: str) -> None:
        if self.used(key) >= self.limit:
            raise BudgetExhausted(key)
        self.counts[self.today][key] = self.used(key) + 1

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(self.counts, ensure_ascii=False), encoding="utf-8")


def _error_word(message: str) -> str:
    text = message.lower()
    if "timeout" in text:
        return "timeout"
    if "err_connection_refused" in text:
        return "refused"
    if "err_name_not_resolved" in text or "err_name_resolution" in text:
        return "dns"
    if "err_connection_reset" in text or "err_empty_response" in text:
        return "reset"
    return "other"


def _charset(content_type: str) -> str:
    for part in content_type.split(";"):
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip('"\'')
    return "utf-8"


class BrowserContextSession:
    """A browser context (one login) with one tab that fetches documents one after another."""

    def __init__(self, context: Any, page: Any, *, pacer: Pacer, budget: Budget | None,
                 budget_key: Callable[[str], str | None], timeout_seconds: float, storage_state: Path | None = None):
        self.context = context
        self.page = page
        self.pacer = pacer
        self.budget = budget
        self.budget_key = budget_key  # host -> the login whose daily budget a request spends (None: free)
        self.timeout_ms = timeout_seconds * 1000
        self.storage_state = storage_state
        self.requests = 0

    async def get(self, url: str, *, referer: str | None = None) -> Fetched:
        """Fetch one document; HTTP errors are answers, network failures come back as `error`."""
        from playwright.async_api import Error as PlaywrightError

        host = urlsplit(url).netloc
        key = self.budget_key(host)
        if self.budget is not None and key:
            self.budget.take(key)
        await self.pacer.wait(host)
        self.requests += 1
        seen: list[Any] = []  # chromium fails the navigation of an error status with an empty body
        page = self.page  # _settle may replace self.page: the listener stays with the page it was put on

        def on_response(response: Any) -> None:
            if response.request.is_navigation_request() and response.frame == page.main_frame:
                seen.append(response)

        page.on("response", on_response)
        try:
            for attempt in (1, 2):
                try:
                    response = await self.page.goto(url, wait_until="commit", timeout=self.timeout_ms,
                                                    referer=referer)
                    if response is None:
                        if attempt == 1:
                            await self._settle()
                            continue
                        return Fetched(url, None, "", url, error="other")
                    body = await response.body()
                    break
                except PlaywrightError as exc:
                    if seen and seen[-1].status >= 400:  # e.g. Weibo's bare 432/418: the status is the answer
                        await self._settle()
                        return Fetched(url, seen[-1].status, "", seen[-1].url)
                    if attempt == 1 and _error_word(str(exc)) == "other":
                        # Not the network (no timeout, refusal, DNS, reset): chromium's own error page of the
                        # previous answer interrupted or aborted this navigation (seen once after a bare 418
                        # on a busy machine). Once more after it has settled.
                        log.info("account fetch %s disturbed, again: %s", url, str(exc).splitlines()[0])
                        await self._settle()
                        continue
                    log.info("account fetch %s failed: %s", url, str(exc).splitlines()[0])
                    return Fetched(url, None, "", url, error=_error_word(str(exc)))
        finally:
            page.remove_listener("response", on_response)
        content_type = (await response.all_headers()).get("content-type", "")
        text = body.decode(_charset(content_type), errors="replace")
        return Fetched(url, response.status, text, response.url, content_type)

    async def _settle(self) -> None:
        """A clean tab in the same context (same cookies) for the next request: chromium's own error page of
        a bare error answer, or a half-done navigation away from it, would otherwise interrupt that request
        (navigating the old tab to about:blank left such a navigation pending on a busy machine)."""
        from playwright.async_api import Error as PlaywrightError

        old, self.page = self.page, await self.context.new_page()
        with contextlib.suppress(PlaywrightError):
            await old.close()

    async def keep_login(self) -> None:
        """Write back the cookies the platform refreshed, as a browser keeps its session."""
        if self.storage_state is not None:
            await self.context.storage_state(path=str(self.storage_state))


class Browser:
    """The chromium process shared by every account session of one crawl."""

    def __init__(self, chromium: str | None, *, headless: bool = True):
        self.chromium = chromium
        self.headless = headless
        self._playwright: Any = None
        self.browser: Any = None

    async def __aenter__(self) -> Browser:
        from playwright.async_api import async_playwright

        self._playwright = await async_playwright().start()
        self.browser = await self._playwright.chromium.launch(
            **chromium_launch_options(self.chromium, headless=self.headless))
        return self

    async def __aexit__(self, *exc: Any) -> None:
        if self.browser is not None:
            await self.browser.close()
        if self._playwright is not None:
            await self._playwright.stop()

    async def session(self, *, pacer: Pacer, budget: Budget | None = None,
                      budget_key: Callable[[str], str | None] = lambda host: None,
                      storage_state: Path | None = None, timeout_seconds: float = 20,
                      mobile: bool = False) -> BrowserContextSession:
        options: dict[str, Any] = {"locale": "zh-CN", "timezone_id": DEFAULT_TIMEZONE}
        if storage_state is not None and storage_state.exists():
            options["storage_state"] = str(storage_state)
        if mobile:
            options.update(user_agent=MOBILE_UA, viewport={"width": 390, "height": 844}, is_mobile=True,
                           has_touch=True)
        context = await self.browser.new_context(**options)

        async def only_documents(route: Any) -> None:
            if route.request.resource_type in KEEP_RESOURCES:
                await route.continue_()
            else:
                await route.abort()

        await context.route("**/*", only_documents)
        page = await context.new_page()
        return BrowserContextSession(context, page, pacer=pacer, budget=budget, budget_key=budget_key,
                                     timeout_seconds=timeout_seconds,
                                     storage_state=storage_state if storage_state and storage_state.exists()
                                     else None)
