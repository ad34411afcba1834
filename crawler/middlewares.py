"""Politeness for fragile government servers: honour Retry-After, back off from hosts that refuse us."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict, deque
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy import Request, Spider
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from crawler.errors import BLOCKED_STATUSES
from crawler.urls import host_of

log = logging.getLogger(__name__)

MAX_RETRY_AFTER_SECONDS = 120


def retry_after_seconds(value: bytes | None) -> float | None:
    """Retry-After is either delta-seconds or an HTTP date."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        from datetime import datetime, timezone

        return max(0.0, (parsedate_to_datetime(text) - datetime.now(timezone.utc)).total_seconds())
    except (TypeError, ValueError):
        return None


class RetryAfterMiddleware:
    """Wait what a 429/503 asks before the retry middleware tries again (bounded)."""

    def __init__(self, max_retries: int):
        self.max_retries = max_retries

    @classmethod
    def from_crawler(cls, crawler: Any) -> RetryAfterMiddleware:
        return cls(crawler.settings.getint("RETRY_TIMES"))

    async def process_response(self, request: Request, response: Response, spider: Spider) -> Any:
        if response.status not in (429, 503):
            return response
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        retries = request.meta.get("retry_after_times", 0)
        if wait is None or retries >= self.max_retries:
            return response
        await asyncio.sleep(min(wait, MAX_RETRY_AFTER_SECONDS))
        retry = request.replace(dont_filter=True)
        retry.meta["retry_after_times"] = retries + 1
        spider.crawler.stats.inc_value("portalcheck/retry_after")
        return retry


class HostHealthMiddleware:
    """Slow down, then pause, a host whose answers turn into refusals (WAF 403/429, resets).

    Hammering a host that blocks us would both harm it and turn every page into a false
    "broken" finding; instead its remaining requests are dropped with reason `host_paused`,
    which the spider records as "not seen".
    """

    WINDOW = 12

    def __init__(self, pause_ratio: float, stats: Any):
        self.pause_ratio = pause_ratio
        self.stats = stats
        self.recent: dict[str, deque[bool]] = defaultdict(lambda: deque(maxlen=self.WINDOW))
        self.paused: set[str] = set()
        self.slowed: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Any) -> HostHealthMiddleware:
        return cls(crawler.settings.getfloat("PORTALCHECK_HOST_PAUSE_ERROR_RATIO", 0.5), crawler.stats)

    def process_request(self, request: Request, spider: Spider) -> None:
        host = host_of(request.url)  # the download slot's name: two ports of one server are one host
        if host in self.paused and not request.meta.get("link_check"):
            raise IgnoreRequest(f"host_paused: {host}")

    def _record(self, request: Request, bad: bool, spider: Spider) -> None:
        if request.meta.get("link_check"):
            return  # a dead link target is a fact to record, not a host we are crawling
        host = host_of(request.url)
        window = self.recent[host]
        window.append(bad)
        if len(window) < self.WINDOW // 2:
            return
        ratio = sum(window) / len(window)
        if ratio >= self.pause_ratio and host not in self.paused:
            if host not in self.slowed:
                self.slowed.add(host)
                key = request.meta.get("download_slot") or host
                slot = spider.crawler.engine.downloader.slots.get(key)
                if slot is not None:
                    slot.delay = max(slot.delay * 4, 2.0)
                window.clear()
                log.warning("host %s refuses %.0f%% of requests: slowing down", host, ratio * 100)
            else:
                self.paused.add(host)
                self.stats.set_value("portalcheck/paused_hosts", sorted(self.paused))
                log.warning("host %s keeps refusing requests: paused for this run", host)

    def process_response(self, request: Request, response: Response, spider: Spider) -> Response:
        self._record(request, response.status in BLOCKED_STATUSES, spider)
        return response

    def process_exception(self, request: Request, exception: Exception, spider: Spider) -> None:
        self._record(request, True, spider)


class EncodingMiddleware:
    """Re-decode pages whose declared charset is wrong (a GBK page served as UTF-8 is common).

    Scrapy trusts the Content-Type header first; when that yields replacement characters we
    decide again from the BOM, the meta charset and detection (crawler.encoding).
    """

    def process_response(self, request: Request, response: Response, spider: Spider) -> Response:
        from scrapy.http import TextResponse

        from crawler.encoding import decode_body

        if not isinstance(response, TextResponse) or "\ufffd" not in response.text:
            return response
        header = response.headers.get(b"Content-Type", b"").decode("latin-1")
        charset = header.split("charset=", 1)[1].strip() if "charset=" in header else None
        _text, encoding = decode_body(response.body, charset)
        if encoding.replace("-", "").lower() == response.encoding.replace("-", "").lower():
            return response
        spider.crawler.stats.inc_value("portalcheck/charset_corrected")
        return response.replace(encoding=encoding)
