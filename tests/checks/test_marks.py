"""page.no_error_report and footer.*: judged from the parser's marks dict, one finding per unit."""

from __future__ import annotations

import copy

from checks import run_checks
from tests.checks.facts import AS_OF, GOOD_MARKS, PORTAL, SITE_CODE, Facts, findings, make_config


def marks(**changes) -> dict:  # type: ignore[no-untyped-def]
    found = copy.deepcopy(GOOD_MARKS)
    error_report = changes.pop("error_report", None)
    if error_report:
        found["error_report"].update(error_report)
    found.update(changes)
    return found


def pages(facts: Facts, unit: int, count: int, page_marks: dict, prefix: str = "p") -> None:
    for i in range(count):
        facts.page(f"{PORTAL}{prefix}{unit}/{i}.html", unit_id=unit, marks=page_marks)


def check(store, *rules):  # type: ignore[no-untyped-def]
    return run_checks(store, make_config(), AS_OF, only=list(rules))


def test_hidden_error_report_entry_fails_once_per_unit(store) -> None:
    """gzggw: the 找错 link is in the page but hidden by CSS."""
    facts = Facts(store)
    unit = facts.unit()
    pages(facts, unit, 3, marks(error_report={"status": "hidden", "kind": "link"}))
    pages(facts, unit, 1, marks(), prefix="ok")
    check(store, "page.no_error_report")
    [finding] = findings(store)
    assert finding.detail == "白鹤镇：3/4个页面的“我为政府网站找错”入口被隐藏"
    assert finding.evidence["samples"][0]["pages"] == 3


def test_plain_error_report_link_counts_as_present(store) -> None:
    """中国政府网: a plain “网站纠错” link, which the parser reports as present."""
    facts = Facts(store)
    pages(facts, facts.unit(), 2, marks(error_report={"status": "present", "kind": "link", "site_code": None}))
    check(store, "page.no_error_report")
    assert findings(store) == []


def test_missing_and_commented_out_entries_are_named(store) -> None:
    facts = Facts(store)
    unit = facts.unit()
    pages(facts, unit, 1, marks(error_report={"status": "missing", "kind": None, "site_code": None}))
    pages(facts, unit, 1, marks(error_report={"status": "commented_out"}), prefix="c")
    check(store, "page.no_error_report")
    assert "已被注释、未设置" in findings(store)[0].detail


def test_error_report_with_another_sites_code_fails(store) -> None:
    facts = Facts(store)
    pages(facts, facts.unit(), 2, marks(error_report={"site_code": "4203000001"}))
    check(store, "page.no_error_report")
    [finding] = findings(store)
    assert "4203000001" in finding.detail and SITE_CODE in finding.detail


def test_units_without_stored_pages_are_not_judged(store) -> None:
    facts = Facts(store)
    facts.unit()
    check(store, "page.no_error_report", "footer.icp", "footer.conac", "footer.site_code")
    assert findings(store) == []


def test_missing_icp_number_is_reported_with_page_counts(store) -> None:
    facts = Facts(store)
    unit = facts.unit()
    pages(facts, unit, 2, marks(icp=None))
    pages(facts, unit, 2, marks(), prefix="ok")
    check(store, "footer.icp")
    [finding] = findings(store)
    assert finding.detail == "白鹤镇：2/4个页面底部未列明ICP备案编号"


def test_malformed_police_record_is_reported(store) -> None:
    facts = Facts(store)
    pages(facts, facts.unit(), 1, marks(police_record="公安备案号 123"))
    check(store, "footer.police_record")
    assert "格式不规范" in findings(store)[0].detail


def test_well_formed_footer_passes_every_footer_rule(store) -> None:
    facts = Facts(store)
    pages(facts, facts.unit(), 3, marks())
    check(store, "footer", "page.no_error_report")
    assert findings(store) == []


def test_missing_conac_badge_is_reported(store) -> None:
    facts = Facts(store)
    pages(facts, facts.unit(), 2, marks(conac=False))
    check(store, "footer.conac")
    assert "党政机关网站标识" in findings(store)[0].detail


def test_site_code_disagreeing_with_meta_tag_is_reported(store) -> None:
    facts = Facts(store)
    pages(facts, facts.unit(), 2, marks(site_id_meta="4203000001"))
    check(store, "footer.site_code")
    [finding] = findings(store)
    assert "SiteIDCode标签4203000001" in finding.detail


def test_malformed_site_code_text_is_reported(store) -> None:
    facts = Facts(store)
    pages(facts, facts.unit(), 1, marks(site_code_text="42032500"))
    check(store, "footer.site_code")
    assert any("格式不规范" in f.detail for f in findings(store))


def test_fixed_footer_resolves_the_unit_finding(store) -> None:
    from datetime import timedelta

    from storage.models import Page

    facts = Facts(store)
    pages(facts, facts.unit(), 2, marks(icp=None))
    check(store, "footer.icp")
    with store.session() as session:
        for page in session.query(Page):
            page.marks = marks()
    run_checks(store, make_config(), AS_OF + timedelta(days=1), only=["footer.icp"])
    assert findings(store)[0].status == "resolved"
