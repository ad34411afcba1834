"""Resolution for the network probes: named DNS servers answer A/AAAA; literals resolve to themselves."""

from __future__ import annotations

import asyncio

from crawler.resolve import Addresses, NameserverResolver, SystemResolver

from .netservers import LoopbackDNS


def test_a_named_dns_server_gives_a_and_aaaa_records(dns: LoopbackDNS) -> None:
    dns.zone["www.both.test"] = {"A": ["127.0.0.1"], "AAAA": ["::1"]}
    dns.zone["www.v4.test"] = {"A": ["127.0.0.2"]}
    resolver = NameserverResolver([dns.nameserver])
    assert asyncio.run(resolver.lookup("www.both.test")) == Addresses(("127.0.0.1",), ("::1",))
    assert asyncio.run(resolver.lookup("www.v4.test")) == Addresses(("127.0.0.2",), ())


def test_an_unknown_name_gives_no_address_and_says_why(dns: LoopbackDNS) -> None:
    found = asyncio.run(NameserverResolver([dns.nameserver]).lookup("nowhere.test"))
    assert found.a == found.aaaa == () and found.error == "nxdomain"


def test_a_silent_dns_server_is_an_error_not_a_hang(unused_port: int) -> None:
    found = asyncio.run(NameserverResolver([f"127.0.0.1:{unused_port}"], timeout=0.5).lookup("www.any.test"))
    assert found.a == found.aaaa == () and found.error


def test_ip_literals_need_no_dns_and_an_ipv4_one_has_no_aaaa() -> None:
    assert asyncio.run(SystemResolver().lookup("127.0.0.1")) == Addresses(("127.0.0.1",), ())
    assert asyncio.run(SystemResolver().lookup("[::1]")) == Addresses((), ("::1",))
