"""The network round (site.ipv6, site.https): every host of the portal and its units probed once, stored.

Run once per nightly job (after the crawl, whose pages give the IPv6 sample) and by
`portalcheck probe --network`; the checks judge the rounds of the availability window together, like
the availability probes. Hosts, not sites, are probed: unit sites usually share the portal's host.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select

from crawler import ipv6, tls
from crawler.probe import Target, ensure_sites
from crawler.resolve import Resolver, resolver_for
from crawler.urls import host_of
from portalcheck.core.config import Config
from storage.models import NetworkProbe, Page
from storage.session import Store

SAMPLE_KINDS = ("list", "article")  # 二级 (column) and 三级 (article) pages
SAMPLE_POOL = 5000
HOSTS_AT_ONCE = 8  # each host fetches its sample concurrently: bound the hosts, not only the requests


@dataclass
class HostProbe:
    host: str
    target: Target
    ipv6: dict[str, Any]
    https: dict[str, Any]


@dataclass
class NetworkRound:
    started_at: datetime
    seconds: float
    hosts: list[HostProbe] = field(default_factory=list)

    def counts(self) -> dict[str, Any]:
        return {"hosts": len(self.hosts), "ipv6_ok": sum(ipv6_ok(h.ipv6) for h in self.hosts),
                "https_ok": sum(https_ok(h.https) for h in self.hosts), "seconds": round(self.seconds, 2)}


def ipv6_ok(facts: dict[str, Any]) -> bool:
    pages = facts.get("pages") or {}
    return bool(facts.get("aaaa")) and (facts.get("home_v6") or {}).get("error") is None \
        and pages.get("reachable") == pages.get("tried") and not facts.get("skylights")


def https_ok(facts: dict[str, Any]) -> bool:
    cert, verify = facts.get("cert") or {}, facts.get("verify") or {}
    return bool(facts.get("offered") and (facts.get("redirect") or {}).get("to_https") and verify.get("ok")
                and cert.get("host_match") and not facts.get("legacy"))


def hosts(targets: list[Target]) -> dict[str, Target]:
    """One target per host, the portal's first (ensure_sites lists it first)."""
    chosen: dict[str, Target] = {}
    for target in targets:
        chosen.setdefault(host_of(target.url), target)
    return chosen


def sample_pages(store: Store, host: str, count: int) -> list[str]:
    """Up to `count` crawled 二、三级 pages of `host` that answered over IPv4, spread over the store."""
    if count <= 0:
        return []
    with store.session() as session:
        urls = [url for url in session.execute(
            select(Page.url).where(Page.kind.in_(SAMPLE_KINDS), Page.http_status < 400, Page.error.is_(None))
            .order_by(Page.id).limit(SAMPLE_POOL)).scalars() if host_of(url) == host]
    if len(urls) <= count:
        return urls
    step = len(urls) / count
    return [urls[int(i * step)] for i in range(count)]


async def probe_hosts(config: Config, chosen: dict[str, Target], samples: dict[str, list[str]],
                      resolver: Resolver) -> list[HostProbe]:
    net, crawl = config.network, config.crawl
    gate = asyncio.Semaphore(HOSTS_AT_ONCE)

    async def one(host: str, target: Target) -> HostProbe:
        async with gate:
            return await both(host, target)

    async def both(host: str, target: Target) -> HostProbe:
        v6, secure = await asyncio.gather(
            ipv6.probe_host(host, target.url, samples.get(host, []), resolver, timeout=net.timeout_seconds,
                            user_agent=crawl.user_agent, max_bytes=crawl.max_page_bytes,
                            resources_per_page=net.ipv6_resources_per_page),
            tls.probe_host(host, target.url, resolver, http_port=net.http_port, https_port=net.https_port,
                           ca_file=net.ca_file, timeout=net.timeout_seconds, user_agent=crawl.user_agent))
        return HostProbe(host, target, v6, secure)

    return list(await asyncio.gather(*(one(host, target) for host, target in chosen.items())))


def run_network_round(config: Config, store: Store, *, resolver: Resolver | None = None) -> NetworkRound:
    """Probe every host once and store both kinds of facts in one transaction."""
    chosen = hosts(ensure_sites(store, config))
    samples = {host: sample_pages(store, host, config.network.ipv6_sample_pages) for host in chosen}
    started_at = datetime.now(UTC)
    clock = time.perf_counter()
    found = asyncio.run(probe_hosts(config, chosen, samples, resolver or resolver_for(config.network.nameservers)))
    round_ = NetworkRound(started_at, time.perf_counter() - clock, found)
    with store.session() as session:
        session.execute(insert(NetworkProbe), [
            {"kind": kind, "host": h.host, "site_id": h.target.site_id, "probed_at": started_at, "ok": ok,
             "facts": facts}
            for h in found for kind, facts, ok in (("ipv6", h.ipv6, ipv6_ok(h.ipv6)),
                                                   ("https", h.https, https_ok(h.https)))])
    return round_


def format_network_round(round_: NetworkRound) -> str:
    """The Chinese figures `portalcheck probe --network` prints, one block per host."""
    lines = [f"网络探测：共 {len(round_.hosts)} 个主机（用时 {round_.seconds:.1f} 秒）。"]
    for h in round_.hosts:
        v6, secure = h.ipv6, h.https
        pages = v6.get("pages") or {}
        share = f"{pages['reachable'] / pages['tried']:.0%}" if pages.get("tried") else "—"
        lines.append(f"　{h.host}（{h.target.name}）")
        lines.append(f"　　IPv6：AAAA {'、'.join(v6['aaaa']) or '无'}；首页 "
                     f"{'可访问' if (v6.get('home_v6') or {}).get('error') is None else '不可访问'}；"
                     f"二三级页面 {pages.get('reachable', 0)}/{pages.get('tried', 0)}（{share}）；"
                     f"天窗 {len(v6.get('skylights') or [])} 处")
        cert = secure.get("cert") or {}
        lines.append(f"　　HTTPS：{'已提供' if secure.get('offered') else '未提供'}"
                     + (f"（{secure.get('version')}，证书到期 {cert.get('not_after', '—')[:10]}）"
                        if secure.get("offered") else "")
                     + f"；HTTP跳转HTTPS {'是' if (secure.get('redirect') or {}).get('to_https') else '否'}")
    return "\n".join(lines)
