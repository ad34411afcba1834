"""Name resolution for the network probes: A and AAAA records, asked of the machine or of named servers.

Why not leave it to aiohttp: site.ipv6 must know whether a host *has* an AAAA record (not only whether a
connection happened), and a fetch "over IPv6" must connect to an IPv6 address only. The resolver is
injected (config `network.nameservers`, or any object with `lookup`), so tests answer from a DNS server
on loopback without touching the machine's resolver.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from typing import Protocol

from aiohttp.abc import AbstractResolver, ResolveResult
from dnslib import QTYPE, RCODE, DNSRecord


@dataclass(frozen=True)
class Addresses:
    """What a host resolves to; `error` says why a lookup gave nothing (nxdomain, timeout, …)."""

    a: tuple[str, ...] = ()
    aaaa: tuple[str, ...] = ()
    error: str | None = None

    def of(self, family: socket.AddressFamily) -> tuple[str, ...]:
        return self.aaaa if family == socket.AF_INET6 else self.a


class Resolver(Protocol):
    async def lookup(self, host: str) -> Addresses: ...


def literal(host: str) -> Addresses | None:
    """An IP literal resolves to itself: an IPv4 literal has no AAAA, whatever the DNS says."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
    return Addresses(aaaa=(str(address),)) if address.version == 6 else Addresses(a=(str(address),))


class SystemResolver:
    """The machine's resolver (getaddrinfo per family): what a visitor's browser would get."""

    async def lookup(self, host: str) -> Addresses:
        if (fixed := literal(host)) is not None:
            return fixed
        loop = asyncio.get_running_loop()
        found: dict[int, tuple[str, ...]] = {}
        errors = []
        for family in (socket.AF_INET, socket.AF_INET6):
            try:
                infos = await loop.getaddrinfo(host, None, family=family, type=socket.SOCK_STREAM)
            except socket.gaierror as exc:
                errors.append(exc.strerror or str(exc))
                infos = []
            found[family] = tuple(dict.fromkeys(str(info[4][0]) for info in infos if info[0] == family))
        error = None if found[socket.AF_INET] or found[socket.AF_INET6] else "; ".join(errors) or "no address"
        return Addresses(found[socket.AF_INET], found[socket.AF_INET6], error)


class NameserverResolver:
    """Asks the configured DNS servers directly (UDP, then TCP when truncated), the first that answers."""

    def __init__(self, nameservers: list[str], *, timeout: float = 3.0) -> None:
        self.servers = [_server(s) for s in nameservers]
        self.timeout = timeout

    async def lookup(self, host: str) -> Addresses:
        if (fixed := literal(host)) is not None:
            return fixed
        a = await asyncio.to_thread(self._ask, host, "A")
        aaaa = await asyncio.to_thread(self._ask, host, "AAAA")
        error = None if a[0] or aaaa[0] else (a[1] or aaaa[1] or "no address")
        return Addresses(a[0], aaaa[0], error)

    def _ask(self, host: str, qtype: str) -> tuple[tuple[str, ...], str | None]:
        error = "no nameserver"
        for server, port in self.servers:
            question = DNSRecord.question(host, qtype)
            try:
                raw = question.send(server, port, timeout=self.timeout, ipv6=":" in server)
                reply = DNSRecord.parse(raw)
                if reply.header.tc:
                    reply = DNSRecord.parse(question.send(server, port, tcp=True, timeout=self.timeout,
                                                          ipv6=":" in server))
            except (OSError, TimeoutError) as exc:
                error = f"{server}:{port} {type(exc).__name__}"
                continue
            if reply.header.rcode not in (RCODE.NOERROR, RCODE.NXDOMAIN):
                error = f"{server}:{port} {RCODE.get(reply.header.rcode)}"
                continue
            wanted = getattr(QTYPE, qtype)
            found = tuple(dict.fromkeys(str(rr.rdata) for rr in reply.rr if rr.rtype == wanted))
            return found, None if found else ("nxdomain" if reply.header.rcode == RCODE.NXDOMAIN else None)
        return (), error


def _server(text: str) -> tuple[str, int]:
    """'1.2.3.4', '1.2.3.4:5353', '::1', '[::1]:5353' → (address, port)."""
    if text.startswith("["):
        address, _, port = text[1:].partition("]")
        return address, int(port.lstrip(":") or 53)
    if text.count(":") == 1:
        address, port = text.split(":")
        return address, int(port)
    return text, 53


def resolver_for(nameservers: list[str]) -> Resolver:
    return NameserverResolver(nameservers) if nameservers else SystemResolver()


class FamilyResolver(AbstractResolver):
    """aiohttp's resolver for a session that must use one address family only (IPv4 or IPv6)."""

    def __init__(self, resolver: Resolver, family: socket.AddressFamily) -> None:
        self.resolver = resolver
        self.family = family
        self.cache: dict[str, Addresses] = {}

    async def addresses(self, host: str) -> Addresses:
        if host not in self.cache:
            self.cache[host] = await self.resolver.lookup(host)
        return self.cache[host]

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        found = (await self.addresses(host)).of(self.family)
        if not found:
            raise OSError(socket.EAI_NONAME, f"no {'AAAA' if self.family == socket.AF_INET6 else 'A'} record")
        return [ResolveResult(hostname=host, host=address, port=port, family=self.family, proto=0,
                              flags=socket.AI_NUMERICHOST) for address in found]

    async def close(self) -> None:
        return None


class AnyFamilyResolver(AbstractResolver):
    """aiohttp's resolver for a session that may use IPv4 or IPv6 (A first, as browsers fall back)."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        found = await self.resolver.lookup(host)
        results = [ResolveResult(hostname=host, host=address, port=port, family=fam, proto=0,
                                 flags=socket.AI_NUMERICHOST)
                   for fam, addresses in ((socket.AF_INET, found.a), (socket.AF_INET6, found.aaaa))
                   for address in addresses]
        if not results:
            raise OSError(socket.EAI_NONAME, found.error or "no address")
        return results

    async def close(self) -> None:
        return None
