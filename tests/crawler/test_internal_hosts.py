"""Which links the crawler follows: the portal's and the units' hosts, their subdomains and the allowed domains,
looked up by host so that a province's thousands of hosts cost no more per link than a county's few."""

from __future__ import annotations

from crawler.spiders.portal import PortalSpider
from portalcheck.core.config import Config


def province(hosts: int) -> Config:
    units = [{"name": f"单位{i:04d}", "kind": "乡镇", "site": f"http://u{i}.example.gov.cn:8080/"} for i in range(hosts)]
    return Config.model_validate({
        "portal": {"name": "某省政府", "home": "http://www.example.gov.cn/", "site_code": "1100000001"},
        "units": units, "crawl": {"allowed_domains": ["cdn.example.org"]}})


def test_links_on_the_portal_a_unit_or_an_allowed_domain_are_internal() -> None:
    spider = PortalSpider(config=province(3))
    assert spider.is_internal("http://www.example.gov.cn/zwgk/")
    assert spider.is_internal("http://u2.example.gov.cn:8080/xxgk/index.html")
    assert spider.is_internal("https://U1.Example.gov.cn/")          # hostnames compare without case or port
    assert spider.is_internal("http://img.cdn.example.org/a.jpg")    # a subdomain of an allowed domain
    assert spider.is_internal("http://news.u0.example.gov.cn/")      # and of a unit's host


def test_lookalike_and_parent_domains_are_external() -> None:
    spider = PortalSpider(config=province(3))
    assert not spider.is_internal("http://u3.example.gov.cn/")           # a unit that is not configured
    assert not spider.is_internal("http://example.gov.cn/")              # the parent of the hosts
    assert not spider.is_internal("http://evilu1.example.gov.cn/")       # a suffix, not a subdomain
    assert not spider.is_internal("http://www.example.gov.cn.evil.com/")
    assert not spider.is_internal("mailto:office@example.gov.cn")


def test_a_unit_is_found_by_name_among_thousands_and_after_a_copy_with_other_units() -> None:
    config = province(3000)
    assert config.unit("单位2999").site.startswith("http://u2999.")
    fewer = config.model_copy(update={"units": config.units[:2]})
    assert fewer.unit("单位0001").name == "单位0001"
    try:
        fewer.unit("单位2999")
    except KeyError as exc:
        assert "单位2999" in str(exc)
    else:
        raise AssertionError("a unit dropped by the copy is still found")
    assert config.unit("单位2999").name == "单位2999"
