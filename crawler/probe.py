"""Availability probes (indicators.md §A2): one plain GET of every site's home page, 15 s limit, stored.

Why not the crawler: a probe must measure what a visitor meets (one request, a hard time limit, no
retries, no politeness delay), must finish a round of hundreds of sites in minutes, and must never
wait behind a nightly crawl. So a round is one asyncio loop with aiohttp and a semaphore, run in a
thread of the scheduler (or by `portalcheck probe`), independent of Scrapy and its reactor.

Failures are named with the crawler's closed set (crawler/errors.py), so a probe and a crawl say
"timeout" or "dns" about the same event in the same words.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

import aiohttp
from sqlalchemy import insert

from crawler.errors import DNS, HTTP, OTHER, REDIRECT_LOOP, REFUSED, RESET, TIMEOUT, TLS, TOO_LARGE
from portalcheck.core.config import Config
from storage.models import Probe, Site, Unit
from storage.session import Store
from storage.upsert import upsert

DEFAULT_CONCURRENCY = 50
PER_HOST = 8  # unit sites often share the portal's host: do not open hundreds of connections to it
MAX_REDIRECTS = 10
READ_CHUNK = 64 * 1024

ERROR_ZH = {
    TIMEOUT: "超时未打开", DNS: "域名解析失败", REFUSED: "连接被拒绝", RESET: "连接中断",
    TLS: "加密连接（证书）错误", REDIRECT_LOOP: "重定向循环", TOO_LARGE: "页面过大", HTTP: "HTTP错误",
    OTHER: "其他错误",
}


@dataclass(frozen=True)
class Target:
    site_id: int
    name: str
    url: str


@dataclass
class ProbeResult:
    target: Target
    probed_at: datetime
    ok: bool
    http_status: int | None
    latency_ms: int
    error: str | None

    def reason_zh(self) -> str:
        if self.ok:
            return "正常"
        if self.error == HTTP and self.http_status:
            return f"HTTP {self.http_status}"
        return ERROR_ZH.get(self.error or OTHER, self.error or "")


@dataclass
class ProbeRound:
    started_at: datetime
    seconds: float
    results: list[ProbeResult] = field(default_factory=list)

    @property
    def failed(self) -> list[ProbeResult]:
        return [r for r in self.results if not r.ok]

    def counts(self) -> dict[str, object]:
        """What the scheduler records for the round (job_runs.counts)."""
        return {"sites": len(self.results), "ok": len(self.results) - len(self.failed), "failed": len(self.failed),
                "errors": dict(Counter(r.error for r in self.failed)), "seconds": round(self.seconds, 2)}


# --- the sites to probe ----------------------------------------------------------------------


def ensure_sites(store: Store, config: Config) -> list[Target]:
    """Upsert the portal and unit sites from config and return them: probes must work before any crawl."""
    rows = [{"name": config.portal.name, "kind": "门户", "site_url": config.portal.home}]
    rows += [{"name": u.name, "kind": u.kind, "site_url": u.site} for u in config.units]
    with store.session() as session:
        # update=() keeps what the crawler wrote; a new unit is inserted.
        ids = upsert(session, Unit, rows, keys=["name"], update=(), returning="id")
        unit_ids = dict(zip([r["name"] for r in rows], ids, strict=True))
        sites = [{"url": config.portal.home, "name": config.portal.name, "unit_id": unit_ids[config.portal.name],
                  "is_portal_home": True, "site_code": config.portal.site_code}]
        seen = {config.portal.home}
        for unit in config.units:
            if unit.site not in seen:
                seen.add(unit.site)
                sites.append({"url": unit.site, "name": unit.name, "unit_id": unit_ids[unit.name],
                              "is_portal_home": False, "site_code": None})
        site_ids = upsert(session, Site, sites, keys=["url"], update=["name", "unit_id", "is_portal_home"],
                          returning="id")
    return [Target(site_id, row["name"], row["url"]) for row, site_id in zip(sites, site_ids, strict=True)]


# --- one request ------------------------------------------------------------------------------


def classify(exc: BaseException) -> str:
    """Map an aiohttp/asyncio failure to the crawler's closed set of error words."""
    if isinstance(exc, asyncio.TimeoutError | aiohttp.ServerTimeoutError | TimeoutError):
        return TIMEOUT
    if isinstance(exc, aiohttp.TooManyRedirects):
        return REDIRECT_LOOP
    if isinstance(exc, aiohttp.ClientConnectorCertificateError | aiohttp.ClientSSLError | ssl.SSLError):
        return TLS
    dns_error = getattr(aiohttp, "ClientConnectorDNSError", None)
    if dns_error is not None and isinstance(exc, dns_error):
        return DNS
    if isinstance(exc, aiohttp.ClientConnectorError):
        cause = exc.os_error
        if isinstance(cause, socket.gaierror):
            return DNS
        if isinstance(cause, ConnectionRefusedError):
            return REFUSED
        if isinstance(cause, TimeoutError):
            return TIMEOUT
        return RESET if isinstance(cause, ConnectionResetError) else REFUSED
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError | ConnectionResetError):
        return RESET
    if isinstance(exc, aiohttp.ClientOSError):
        return RESET
    return OTHER


async def probe_one(session: aiohttp.ClientSession, target: Target, *, timeout: float,
                    max_bytes: int) -> ProbeResult:
    """GET the home page and read it whole within `timeout` seconds: a page that does not finish is not open."""
    probed_at = datetime.now(UTC)
    started = time.perf_counter()
    status: int | None = None
    error: str | None = None
    try:
        async with asyncio.timeout(timeout):
            async with session.get(target.url, max_redirects=MAX_REDIRECTS) as response:
                status = response.status
                read = 0
                async for chunk in response.content.iter_chunked(READ_CHUNK):
                    read += len(chunk)
                    if read > max_bytes:
                        error = TOO_LARGE
                        break
        if error is None and status is not None and status >= 400:
            error = HTTP
    except Exception as exc:  # every failure is a fact about the site, never a crash of the round
        error = classify(exc)
    latency = int((time.perf_counter() - started) * 1000)
    return ProbeResult(target, probed_at, error is None, status, latency, error)


async def probe_all(targets: list[Target], *, timeout: float, user_agent: str, max_bytes: int,
                    concurrency: int = DEFAULT_CONCURRENCY) -> list[ProbeResult]:
    semaphore = asyncio.Semaphore(concurrency)
    # ssl=False: like the crawler, an expired or self-signed certificate does not make a site "not open";
    # handshake failures are still reported as tls.
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=PER_HOST, ssl=False,
                                     force_close=True, ttl_dns_cache=60)
    headers = {"User-Agent": user_agent, "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8",
               "Accept-Language": "zh-CN,zh;q=0.9"}
    async with aiohttp.ClientSession(connector=connector, headers=headers, trust_env=False,
                                     timeout=aiohttp.ClientTimeout(total=None)) as session:

        async def bounded(target: Target) -> ProbeResult:
            async with semaphore:
                return await probe_one(session, target, timeout=timeout, max_bytes=max_bytes)

        return list(await asyncio.gather(*(bounded(t) for t in targets)))


# --- a round ------------------------------------------------------------------------------------


def run_probe_round(config: Config, store: Store, *, concurrency: int = DEFAULT_CONCURRENCY) -> ProbeRound:
    """Probe every site once and store the outcomes in one transaction (a round is all or nothing)."""
    targets = ensure_sites(store, config)
    started_at = datetime.now(UTC)
    clock = time.perf_counter()
    results = asyncio.run(probe_all(
        targets, timeout=config.thresholds.probe_timeout_seconds, user_agent=config.crawl.user_agent,
        max_bytes=config.crawl.max_page_bytes, concurrency=concurrency))
    round_ = ProbeRound(started_at, time.perf_counter() - clock, results)
    with store.session() as session:
        session.execute(insert(Probe), [
            {"site_id": r.target.site_id, "probed_at": r.probed_at, "ok": r.ok, "http_status": r.http_status,
             "latency_ms": r.latency_ms, "error": r.error} for r in results])
    return round_


def format_round(round_: ProbeRound, *, limit: int = 30) -> str:
    """The Chinese summary `portalcheck probe` prints: totals, then each failed site, then the slowest."""
    results = round_.results
    failed = round_.failed
    lines = [f"可用性监测：共访问 {len(results)} 个站点，正常 {len(results) - len(failed)} 个，"
             f"无法访问 {len(failed)} 个（用时 {round_.seconds:.1f} 秒）。"]
    if failed:
        lines.append("")
        lines.append("无法访问的站点：")
        for result in failed[:limit]:
            lines.append(f"　{result.target.name}　{result.reason_zh()}　耗时 {result.latency_ms} 毫秒　"
                         f"{result.target.url}")
        if len(failed) > limit:
            lines.append(f"　……另有 {len(failed) - limit} 个")
    slow = sorted((r for r in results if r.ok), key=lambda r: r.latency_ms, reverse=True)[:5]
    if slow:
        lines.append("")
        lines.append("响应最慢的站点：" + "；".join(f"{r.target.name} {r.latency_ms} 毫秒" for r in slow))
    return "\n".join(lines)
