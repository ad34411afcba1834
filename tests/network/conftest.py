"""Fixtures of the network rules: a loopback DNS server per test, a config pointing at it, a check run."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from checks import run_checks
from portalcheck.core.config import Config
from storage.models import Finding, Page, Site
from storage.session import Store

from .netservers import LoopbackDNS

UNIT = "测试局"


@pytest.fixture
def dns() -> Iterator[LoopbackDNS]:
    server = LoopbackDNS({})
    yield server
    server.stop()


@pytest.fixture
def unused_port() -> int:
    """A port nothing listens on (bound, read, released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def make_config(home: str, dns: LoopbackDNS, *, rules: dict[str, Any] | None = None, **network: Any) -> Config:
    return Config.model_validate({
        "rules": rules or {},
        "portal": {"name": "测试县人民政府门户网站", "home": home, "site_code": "3609990001"},
        "units": [{"name": UNIT, "kind": "部门", "site": home + "bm/csj/"}],
        "network": {"nameservers": [dns.nameserver], "timeout_seconds": 3, **network},
    })


def crawled_pages(store: Store, urls: list[str]) -> None:
    """Pages the crawl read over IPv4 (the IPv6 sample is drawn from them): half column, half article pages."""
    with store.session() as session:
        for i, url in enumerate(urls):
            session.add(Page(url=url, kind="list" if i % 2 == 0 else "article", http_status=200))


def check(store: Store, config: Config, rule: str, as_of: dt.datetime | None = None) -> list[Finding]:
    """Run one rule now and return its active findings."""
    when = as_of or dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    report = run_checks(store, config, as_of=when, only=[rule])
    assert report.ok, report.outcomes
    with store.session() as session:
        found = session.execute(select(Finding).where(Finding.rule == rule,
                                                      Finding.status.in_(("new", "open", "regressed")))).scalars()
        rows = list(found)
        session.expunge_all()
    return rows


def portal_site(store: Store) -> Site:
    with store.session() as session:
        site = session.execute(select(Site).where(Site.is_portal_home)).scalar_one()
        session.expunge(site)
    return site
