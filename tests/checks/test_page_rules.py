"""site.annual_report's comparisons, page.accessibility's impacts and care entry, the report parser on the
published table's layout, and a deployment's own weight for them (`rules:`): judged from store rows shaped like the crawler's."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from parsel import Selector

from checks import run_checks
from checks.site_annual_report import due_year
from crawler.page_rules import parse_report
from portalcheck.core.config import RuleOverride
from storage.models import AccessibilityAudit, AnnualReport, Message
from tests.checks.facts import AS_OF, GOOD_MARKS, PORTAL, SITE_CODE, Facts, findings, make_config

REPORT_TEMPLATE = Path(__file__).parent / "crawled" / "pages" / "annual_report.html"
YEAR = 2025  # AS_OF is 2026-05-27: the 2025 report is due


def report_page(**values) -> str:  # type: ignore[no-untyped-def]
    import jinja2

    template = jinja2.Template(REPORT_TEMPLATE.read_text(encoding="utf-8"))
    fields = {"year": YEAR, "site_code": SITE_CODE, "icp": GOOD_MARKS["icp"], "info_total": 4, "received": 2,
              "closed": 1, "weibo": "无", "innovation": True, **values}
    return template.render(**fields)


def crawled_year(facts: Facts, *, linked: bool = True, **report) -> int:  # type: ignore[no-untyped-def]
    """A home page, four items and two messages of 2025 (one answered), and the report as the crawler stores it."""
    unit = facts.unit()
    home = facts.page(PORTAL, kind="home", unit_id=unit, marks=dict(GOOD_MARKS))
    column = facts.seen_column(unit, "工作动态", "news", [date(2025, m, 3) for m in (2, 5, 8, 11)] + [date(2026, 5, 1)])
    assert column
    with facts.store.session() as session:
        for n, replied in enumerate((True, False)):
            session.add(Message(board_name="县长信箱", board_url=f"{PORTAL}xx/", external_id=str(n),
                                asked_at=datetime(2025, 6, 1, 2, tzinfo=UTC),
                                replied_at=datetime(2025, 6, 5, 2, tzinfo=UTC) if replied else None))
        url = f"{PORTAL}gzbb/{YEAR}.html"
        session.add(AnnualReport(url=url, year=YEAR, title=f"{YEAR}年度政府网站工作年度报表", linked_from_home=linked,
                                 fetched_at=AS_OF - timedelta(hours=1),
                                 figures=parse_report(Selector(text=report_page(**report)))))
    if linked:
        facts.link(home, url, text=f"{YEAR}年度政府网站工作年度报表")
    return unit


def check(store, **config):  # type: ignore[no-untyped-def]
    return run_checks(store, make_config(**config.pop("thresholds", {})).model_copy(update=config), AS_OF,
                      only=["site.annual_report", "page.accessibility"])


def test_report_parser_reads_figures_by_section_and_label() -> None:
    figures = parse_report(Selector(text=report_page(info_total="1,234", weibo="房县发布")))
    assert figures["info_total"] == 1234 and figures["messages_received"] == 2 and figures["messages_closed"] == 1
    assert figures["site_code"] == SITE_CODE and figures["weibo_name"] == "房县发布"
    assert figures["columns_maintained"] == 3 and figures["missing_sections"] == []


def test_report_whose_figures_agree_with_the_crawl_passes(store) -> None:
    crawled_year(Facts(store))
    check(store)
    assert findings(store) == []


def test_each_disagreeing_figure_is_a_finding_with_both_numbers(store) -> None:
    crawled_year(Facts(store), info_total=40, received=9, site_code="4203259999", icp="鄂ICP备99999999号")
    check(store)
    details = sorted(f.detail for f in findings(store, "site.annual_report"))
    assert any("信息发布总数为40条，抓取到该年发布的信息4条" in d for d in details)
    assert any("收到留言数量为9条，留言板该年收到的留言2条" in d for d in details)
    assert any("标识码为4203259999" in d for d in details) and any("ICP备案号为鄂ICP备99999999号" in d for d in details)
    assert not any("办结" in d for d in details)  # 1 answered of 2: agrees


def test_a_report_missing_sections_or_not_linked_from_the_home_page_is_reported(store) -> None:
    crawled_year(Facts(store), linked=False, innovation=False)
    check(store)
    details = {f.detail for f in findings(store)}
    assert f"{YEAR}年度政府网站工作年度报表未在首页链接" in details
    assert f"{YEAR}年度政府网站工作年度报表缺少创新发展栏目" in details


def test_no_report_for_the_due_year_is_reported_on_the_home_page(store) -> None:
    facts = Facts(store)
    facts.page(PORTAL, kind="home", unit_id=facts.unit(), marks=dict(GOOD_MARKS))
    check(store)
    [finding] = findings(store)
    assert finding.detail.startswith("未在网站上找到2025年度政府网站工作年度报表") and finding.url == PORTAL


def test_the_year_before_is_due_until_the_deadline() -> None:
    assert due_year(date(2027, 1, 31), 1, 31) == 2025 and due_year(date(2027, 2, 1), 1, 31) == 2026


def audit(facts: Facts, unit: int | None, url: str, kind: str, *, violations: list, care: str | None = None) -> None:
    with facts.store.session() as session:
        session.add(AccessibilityAudit(url=url, unit_id=unit, kind=kind, audited_at=AS_OF - timedelta(hours=1),
                                       care_entry=care, violations=violations))


def violation(rule: str, impact: str, count: int = 1) -> dict:
    return {"id": rule, "impact": impact, "help": rule, "wcag": ["wcag143"], "count": count,
            "nodes": [{"target": ".time", "html": "<span class=\"time\">2026-05-01</span>"}]}


def test_only_the_configured_impacts_count_and_a_care_entry_passes(store) -> None:
    facts = Facts(store)
    unit = facts.unit()
    audit(facts, unit, PORTAL, "home", care="关怀版", violations=[violation("region", "moderate", 9)])
    check(store)
    assert findings(store) == []
    check(store, thresholds={"accessibility_impacts": ["critical", "serious", "moderate"]})
    [finding] = findings(store)
    assert "中等9处" in finding.detail and finding.evidence["rules"][0]["wcag"] == ["wcag143"]


def test_a_deployment_can_make_an_advisory_rule_a_veto(store) -> None:
    facts = Facts(store)
    audit(facts, facts.unit(), PORTAL, "home", care=None, violations=[])
    check(store, rules={"page.accessibility": RuleOverride(severity="veto")})
    [finding] = findings(store)
    assert finding.severity == "veto" and "关怀版" in finding.detail


def test_an_unknown_rule_in_rules_is_a_clear_error(store) -> None:
    with pytest.raises(KeyError, match="配置 rules: 中有未知的检查规则：page.nothing"):
        check(store, rules={"page.nothing": RuleOverride(severity="veto")})
