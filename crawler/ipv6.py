"""The IPv6 probe of one host (site.ipv6): AAAA records, the home page over IPv6 against IPv4, the
second- and third-level pages over IPv6, and "天窗" — resources of IPv6 pages that only IPv4 serves.

Facts written (network_probes.facts, kind ipv6):
  host, home, a, aaaa, dns_error,
  home_v4 / home_v6: {"status", "error"}, similarity (0–1, text of the two answers; None if one failed),
  pages: {"tried", "reachable", "failed": [{"url", "status", "error"}]},
  resources: {"tried"}, skylights: [{"page", "resource", "reason": "no_aaaa" | "v6_failed"}]
"""

from __future__ import annotations

import asyncio
import difflib
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp
from parsel import Selector

from crawler.probe import classify
from crawler.resolve import FamilyResolver, Resolver

MAX_FAILED_LISTED = 20
MAX_SKYLIGHTS_LISTED = 30
RESOURCE_XPATH = ("//img/@src | //script/@src | //link[contains(@rel, 'stylesheet') or contains(@rel, 'icon')]/@href"
                  " | //iframe/@src | //video/@src | //audio/@src | //source/@src | //embed/@src")


@dataclass(frozen=True)
class Fetched:
    status: int | None
    error: str | None
    body: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and self.status < 400

    def brief(self) -> dict[str, Any]:
        return {"status": self.status, "error": self.error}


class FamilyClient:
    """An HTTP client that connects over one address family only, resolving through our resolver."""

    def __init__(self, resolver: Resolver, family: socket.AddressFamily, *, timeout: float, user_agent: str,
                 max_bytes: int) -> None:
        self.names = FamilyResolver(resolver, family)
        self.family = family
        self.timeout = timeout
        self.max_bytes = max_bytes
        # ssl=False: site.https judges certificates; here only "does IPv6 serve it" counts.
        connector = aiohttp.TCPConnector(resolver=self.names, family=family, ssl=False, limit=16,
                                         limit_per_host=4, force_close=True)
        self.session = aiohttp.ClientSession(connector=connector, trust_env=False,
                                             headers={"User-Agent": user_agent, "Accept-Language": "zh-CN,zh;q=0.9"},
                                             timeout=aiohttp.ClientTimeout(total=None))

    async def close(self) -> None:
        await self.session.close()

    async def has_address(self, url: str) -> bool:
        host = urlsplit(url).hostname or ""
        return bool((await self.names.addresses(host)).of(self.family))

    async def get(self, url: str, *, read: bool = True) -> Fetched:
        # aiohttp connects to an IP literal without asking the resolver: refuse the wrong family here.
        if not await self.has_address(url):
            return Fetched(None, "no_address")
        try:
            async with asyncio.timeout(self.timeout), self.session.get(url, max_redirects=5) as response:
                body = bytearray()
                if read:
                    async for chunk in response.content.iter_chunked(64 * 1024):
                        body += chunk
                        if len(body) > self.max_bytes:
                            break
                return Fetched(response.status, None if response.status < 400 else "http",
                               decode(bytes(body), response.charset))
        except Exception as exc:  # a failure is a fact about the host
            return Fetched(None, classify(exc))


def decode(body: bytes, charset: str | None) -> str:
    """Text for comparing and for finding resources; an unknown charset name must not fail the fetch."""
    try:
        return body.decode(charset or "utf-8", errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def page_text(html: str) -> list[str]:
    """The visible text lines of a page, for comparing the IPv4 and IPv6 answers."""
    if not html:
        return []
    texts = Selector(text=html).xpath("//body//text()[not(ancestor::script) and not(ancestor::style)]").getall()
    return [t.strip() for t in texts if t.strip()]


def similarity(a: str, b: str) -> float:
    left, right = page_text(a), page_text(b)
    if left == right:
        return 1.0
    return round(difflib.SequenceMatcher(None, left, right).ratio(), 4)


def resources(html: str, base: str, limit: int) -> list[str]:
    urls = []
    for value in Selector(text=html).xpath(RESOURCE_XPATH).getall():
        url = urljoin(base, value.strip())
        if urlsplit(url).scheme in ("http", "https") and url not in urls:
            urls.append(url)
    return urls[:limit]


async def probe_host(host: str, home: str, pages: list[str], resolver: Resolver, *, timeout: float,
                     user_agent: str, max_bytes: int, resources_per_page: int) -> dict[str, Any]:
    """Everything site.ipv6 judges about one host, from one round."""
    hostname = urlsplit(home).hostname or host
    names = await resolver.lookup(hostname)
    facts: dict[str, Any] = {"host": host, "home": home, "a": list(names.a), "aaaa": list(names.aaaa),
                             "dns_error": names.error, "pages": {"tried": 0, "reachable": 0, "failed": []},
                             "resources": {"tried": 0}, "skylights": [], "similarity": None}
    v4 = FamilyClient(resolver, socket.AF_INET, timeout=timeout, user_agent=user_agent, max_bytes=max_bytes)
    v6 = FamilyClient(resolver, socket.AF_INET6, timeout=timeout, user_agent=user_agent, max_bytes=max_bytes)
    try:
        home_v4, home_v6 = await asyncio.gather(v4.get(home), v6.get(home))
        facts["home_v4"], facts["home_v6"] = home_v4.brief(), home_v6.brief()
        if not names.aaaa:
            return facts
        if home_v4.ok and home_v6.ok:
            facts["similarity"] = similarity(home_v4.body, home_v6.body)
        fetched = await asyncio.gather(*(v6.get(url) for url in pages))
        reached = [(url, f) for url, f in zip(pages, fetched, strict=True) if f.ok]
        facts["pages"] = {"tried": len(pages), "reachable": len(reached),
                          "failed": [{"url": url, **f.brief()} for url, f in zip(pages, fetched, strict=True)
                                     if not f.ok][:MAX_FAILED_LISTED]}
        shown = ([(home, home_v6)] if home_v6.ok else []) + reached
        facts["skylights"], facts["resources"]["tried"] = await _skylights(shown, v4, v6, resources_per_page)
    finally:
        await asyncio.gather(v4.close(), v6.close())
    return facts


async def _skylights(shown: list[tuple[str, Fetched]], v4: FamilyClient, v6: FamilyClient,
                     per_page: int) -> tuple[list[dict[str, str]], int]:
    """Resources of IPv6-reached pages that IPv6 cannot fetch while IPv4 can (each resource tried once)."""
    by_page = {page: resources(f.body, page, per_page) for page, f in shown}
    distinct = list(dict.fromkeys(url for urls in by_page.values() for url in urls))
    reasons: dict[str, str] = {}

    async def judge(url: str) -> None:
        if not await v6.has_address(url):
            if await v4.has_address(url):
                reasons[url] = "no_aaaa"
            return
        over_v6 = await v6.get(url, read=False)
        if not over_v6.ok and (await v4.get(url, read=False)).ok:
            reasons[url] = "v6_failed"

    await asyncio.gather(*(judge(url) for url in distinct))
    found = [{"page": page, "resource": url, "reason": reasons[url]}
             for page, urls in by_page.items() for url in urls if url in reasons]
    return found[:MAX_SKYLIGHTS_LISTED], len(distinct)
