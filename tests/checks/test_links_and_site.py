"""link.dead and site.unreachable."""

from __future__ import annotations

from checks import run_checks
from tests.checks.facts import AS_OF, PORTAL, Facts, findings, make_config


def check(store, *rules):  # type: ignore[no-untyped-def]
    return run_checks(store, make_config(), AS_OF, only=list(rules))


def test_dead_link_is_one_finding_listing_every_page_linking_it(store) -> None:
    facts = Facts(store)
    unit = facts.unit()
    for i in range(3):
        page = facts.page(f"{PORTAL}a/{i}.html", unit_id=unit)
        facts.link(page, f"{PORTAL}gone.html", http_status=404)
    check(store, "link.dead")
    [finding] = findings(store)
    assert finding.url == f"{PORTAL}gone.html"
    assert finding.evidence["pages_count"] == 3 and finding.points == 0.1
    assert finding.detail == f"3个页面上的站内链接{PORTAL}gone.html无法访问（返回HTTP 404）"


def test_dead_link_on_the_home_page_weighs_more(store) -> None:
    facts = Facts(store)
    portal = facts.unit("房县人民政府", kind="门户")
    page = facts.page(PORTAL, kind="home", unit_id=portal)
    facts.link(page, "http://old.example.gov.cn/", error="dns", external=True)
    check(store, "link.dead")
    [finding] = findings(store)
    assert finding.points == 1.0 and finding.evidence["on_home"] and finding.evidence["external"]
    assert finding.detail.startswith("首页上的外部链接") and "域名无法解析" in finding.detail


def test_forbidden_link_is_unverified_not_dead(store) -> None:
    facts = Facts(store)
    unit = facts.unit()
    page = facts.page(f"{PORTAL}a/1.html", unit_id=unit)
    facts.link(page, "http://www.example.com/", http_status=403, external=True)
    report = check(store, "link.dead")
    assert findings(store) == []
    assert "403/429" in report.not_checked[0].reason


def test_soft_404_and_server_errors_are_dead_but_working_links_are_not(store) -> None:
    facts = Facts(store)
    page = facts.page(f"{PORTAL}a/1.html", unit_id=facts.unit())
    facts.link(page, f"{PORTAL}soft.html", http_status=200, soft_404=True)
    facts.link(page, f"{PORTAL}err.html", http_status=502)
    facts.link(page, f"{PORTAL}ok.html", http_status=200)
    facts.link(page, f"{PORTAL}pic.jpg", http_status=200, tag="img")
    check(store, "link.dead")
    assert sorted(f.url for f in findings(store)) == [f"{PORTAL}err.html", f"{PORTAL}soft.html"]


def test_repaired_link_is_resolved(store) -> None:
    from datetime import timedelta

    from storage.models import LinkTarget

    facts = Facts(store)
    page = facts.page(f"{PORTAL}a/1.html", unit_id=facts.unit())
    facts.link(page, f"{PORTAL}gone.html", http_status=404)
    check(store, "link.dead")
    with store.session() as session:
        session.query(LinkTarget).update({"http_status": 200})
    run_checks(store, make_config(), AS_OF + timedelta(days=1), only=["link.dead"])
    assert findings(store)[0].status == "resolved"


def test_site_failing_5_percent_of_probes_is_unreachable(store) -> None:
    facts = Facts(store)
    site = facts.site(facts.unit("房县人民政府", kind="门户"))
    facts.probes(site, failed_per_day=1)  # 7 of 140
    report = check(store, "site.unreachable")
    [finding] = findings(store)
    assert "监测140次，访问失败7次，失败率5.0%" in finding.detail
    assert finding.evidence["errors"] == {"timeout": 7}
    assert report.not_checked == []


def test_site_failing_under_5_percent_passes(store) -> None:
    facts = Facts(store)
    site = facts.site(facts.unit("房县人民政府", kind="门户"))
    facts.probes(site, per_day=30, failed_per_day=1)  # 7 of 210
    check(store, "site.unreachable")
    assert findings(store) == []


def test_too_few_probes_a_day_are_reported_as_not_checked(store) -> None:
    facts = Facts(store)
    site = facts.site(facts.unit("房县人民政府", kind="门户"))
    facts.probes(site, per_day=5)
    report = check(store, "site.unreachable")
    assert findings(store) == []
    assert "监测次数少于每天20次" in report.not_checked[0].reason


def test_site_without_probes_is_not_checked(store) -> None:
    facts = Facts(store)
    facts.site(facts.unit("房县人民政府", kind="门户"))
    report = check(store, "site.unreachable")
    assert "无可用性监测记录" in report.not_checked[0].reason
