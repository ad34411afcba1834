"""site.ipv6 on loopback: AAAA from a DNS server on 127.0.0.1, pages served on 127.0.0.1 and [::1]."""

from __future__ import annotations

import socket

from sqlalchemy import select

from checks.verdicts import verdicts
from crawler.netprobe import format_network_round, run_network_round
from storage.models import NetworkProbe
from storage.session import Store

from .conftest import check, crawled_pages, make_config
from .netservers import DualStackServer, LoopbackDNS

HOME = "<html><body><h1>测试县人民政府</h1><p>要闻一</p><p>要闻二</p>{extra}</body></html>"
PAGES = ["/xwzx/", "/xwzx/1.html", "/tzgg/", "/tzgg/2.html"]


def dual_stack(v6_home: str | None = None, v6_missing: tuple[str, ...] = (), extra: str = "") -> DualStackServer:
    v4 = {"/": HOME.format(extra=extra), **{p: f"<html><body>{p}</body></html>" for p in PAGES}}
    v6 = {**v4, "/": v6_home or v4["/"]}
    for path in v6_missing:
        del v6[path]
    return DualStackServer(v4, v6)


def setup_host(dns: LoopbackDNS, server: DualStackServer, store: Store, *, aaaa: bool = True):  # type: ignore[no-untyped-def]
    dns.zone["www.ipv6.test"] = {"A": ["127.0.0.1"], "AAAA": ["::1"] if aaaa else []}
    home = f"http://www.ipv6.test:{server.port}/"
    crawled_pages(store, [home.rstrip("/") + p for p in PAGES])
    return make_config(home, dns)


def test_a_dual_stack_host_with_matching_pages_passes_and_reports_its_figures(dns, store) -> None:  # type: ignore[no-untyped-def]
    server = dual_stack(extra='<img src="/logo.png">')
    try:
        config = setup_host(dns, server, store)
        round_ = run_network_round(config, store)
    finally:
        server.stop()
    facts = round_.hosts[0].ipv6
    assert facts["aaaa"] == ["::1"] and facts["similarity"] == 1.0
    assert facts["pages"]["tried"] == 4 and facts["pages"]["reachable"] == 4
    assert "二三级页面 4/4（100%）" in format_network_round(round_)
    assert check(store, config, "site.ipv6") == []


def test_a_host_without_aaaa_is_one_finding_with_the_figures(dns, store) -> None:  # type: ignore[no-untyped-def]
    server = dual_stack()
    try:
        config = setup_host(dns, server, store, aaaa=False)
        run_network_round(config, store)
    finally:
        server.stop()
    [finding] = check(store, config, "site.ipv6")
    assert "无AAAA记录" in finding.detail and finding.severity == "deduct"
    assert finding.evidence["a"] == ["127.0.0.1"] and finding.evidence["aaaa"] == []


def test_different_ipv6_content_unreachable_pages_and_skylights_are_findings(dns, store) -> None:  # type: ignore[no-untyped-def]
    dns.zone["static.v4only.test"] = {"A": ["127.0.0.1"]}
    image = DualStackServer({"/banner.jpg": "jpg"}, None)  # IPv4 only
    banner = f'<img src="http://static.v4only.test:{image.port}/banner.jpg">'
    v4 = {"/": HOME.format(extra=""), **{p: f"<html><body>{p}</body></html>" for p in PAGES}}
    v6 = {"/": "<html><body><h1>IPv6 测试页</h1><p>建设中</p></body></html>",
          **{p: f"<html><body>{p}{banner}</body></html>" for p in PAGES[::2]}}  # the article pages are missing
    server = DualStackServer(v4, v6)
    try:
        config = setup_host(dns, server, store)
        run_network_round(config, store)
    finally:
        server.stop()
        image.stop()
    findings = check(store, config, "site.ipv6")
    details = " ".join(f.detail for f in findings)
    assert "内容与IPv4不一致" in details
    assert "可达率50.0%（2/4），低于85%" in details
    assert "2处资源仅IPv4可获取" in details and "static.v4only.test" in details
    assert len(findings) == 3


def test_repeated_rounds_count_an_ipv6_home_page_that_failed_once(dns, store) -> None:  # type: ignore[no-untyped-def]
    server = dual_stack()
    try:
        config = setup_host(dns, server, store)
        run_network_round(config, store)
        server.stop(socket.AF_INET6)  # IPv6 goes away for the second round
        run_network_round(config, store)
    finally:
        server.stop()
    with store.session() as session:
        assert session.execute(select(NetworkProbe.ok).where(NetworkProbe.kind == "ipv6")
                               .order_by(NetworkProbe.id)).scalars().all() == [True, False]
    details = [f.detail for f in check(store, config, "site.ipv6")]
    assert any("首页通过IPv6访问失败：2轮探测中失败1轮" in d for d in details)
    assert any("可达率50.0%（4/8）" in d for d in details)


def test_a_deployment_can_make_ipv6_a_veto(dns, store) -> None:  # type: ignore[no-untyped-def]
    dns.zone["www.ipv6.test"] = {"A": ["127.0.0.1"]}
    server = dual_stack()
    try:
        config = make_config(f"http://www.ipv6.test:{server.port}/", dns, rules={"site.ipv6": {"severity": "veto"}})
        run_network_round(config, store)
    finally:
        server.stop()
    [finding] = check(store, config, "site.ipv6")
    assert finding.severity == "veto"
    assert verdicts(store, config, finding.last_seen).site.vetoes == ["site.ipv6"]


def test_a_fixed_host_resolves_its_finding_at_the_next_round(dns, store) -> None:  # type: ignore[no-untyped-def]
    server = dual_stack()
    try:
        config = setup_host(dns, server, store, aaaa=False)
        run_network_round(config, store)
        [finding] = check(store, config, "site.ipv6")
        dns.zone["www.ipv6.test"]["AAAA"] = ["::1"]  # the host gets its AAAA record
        run_network_round(config, store)
    finally:
        server.stop()
    assert check(store, config, "site.ipv6") == []
    with store.session() as session:
        assert session.get(type(finding), finding.id).status == "resolved"
