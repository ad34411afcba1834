"""Column, home-page and count warnings at frozen moments (`as_of`): the right fail date, gone once the column
is updated, and a column past its window is column.stale's finding, never a warning."""

from __future__ import annotations

from datetime import date, timedelta

from checks import catalogue, run_checks
from checks.registry import CHECKS
from checks.warnings import find_warnings
from portalcheck.core.config import WarningsConfig
from tests.checks.facts import AS_OF, TODAY, Facts, days_ago, findings, make_config


def warned(store, rule: str | None = None, *, as_of=AS_OF, **leads):  # type: ignore[no-untyped-def]
    """The warnings at `as_of`, with lead times of config `warnings:` changed as given."""
    config = make_config().model_copy(update={"warnings": WarningsConfig.model_validate(leads)})
    return [w for w in find_warnings(store, config, as_of) if rule is None or w.rule == rule]


def test_news_column_a_day_inside_its_lead_time_warns_with_the_day_it_will_fail(store) -> None:
    facts = Facts(store)
    facts.seen_column(facts.unit(), "工作动态", "news", [days_ago(13), days_ago(20)])
    [warning] = warned(store)
    # newest 13 days ago, window 14 days: still in time today and tomorrow, stale from the day after
    assert warning.rule == "column.stale" and warning.subject == "栏目「工作动态」" and warning.unit == "白鹤镇"
    assert warning.fails_on == TODAY + timedelta(days=2) == date(2026, 5, 29)
    assert warning.days_left == 2
    assert f"最近更新于{days_ago(13).isoformat()}，已13天未更新" in warning.detail
    assert "2026-05-28（含当天）前在该栏目发布新信息" in warning.action
    assert warning.title == "栏目不更新"


def test_news_column_outside_its_lead_time_is_not_warned(store) -> None:
    facts = Facts(store)
    facts.seen_column(facts.unit(), "工作动态", "news", [days_ago(11)])  # fails in 4 days; lead time 3
    assert warned(store) == []
    assert [w.days_left for w in warned(store, columns={"news": 4})] == [4]


def test_warning_stops_once_a_new_item_appears(store) -> None:
    facts = Facts(store)
    column = facts.seen_column(facts.unit(), "工作动态", "news", [days_ago(13)])
    assert len(warned(store)) == 1
    run = facts.crawl(AS_OF - timedelta(minutes=30))
    facts.visit(run, column, items=2)
    facts.items(column, [TODAY], seen=AS_OF - timedelta(minutes=20))
    assert warned(store) == []


def test_column_past_its_window_is_a_finding_not_a_warning(store) -> None:
    facts = Facts(store)
    facts.seen_column(facts.unit(), "工作动态", "news", [days_ago(15)])
    run_checks(store, make_config(), AS_OF, only=["column.stale"])
    assert len(findings(store, "column.stale")) == 1
    assert warned(store) == []


def test_a_warning_becomes_a_finding_on_its_fail_date_and_is_then_no_longer_warned(store) -> None:
    facts = Facts(store)
    facts.seen_column(facts.unit(), "工作动态", "news", [days_ago(13)])
    [warning] = warned(store)
    fail_moment = AS_OF + timedelta(days=warning.days_left)
    run_checks(store, make_config(), fail_moment - timedelta(days=1), only=["column.stale"])
    assert findings(store, "column.stale") == []  # the day before: in time, still only warned
    assert len(warned(store, as_of=fail_moment - timedelta(days=1))) == 1
    run_checks(store, make_config(), fail_moment, only=["column.stale"])
    assert len(findings(store, "column.stale")) == 1
    assert warned(store, as_of=fail_moment) == []


def test_warnings_never_become_findings_nor_change_the_catalogue(store) -> None:
    facts = Facts(store)
    facts.seen_column(facts.unit(), "工作动态", "news", [days_ago(13)])
    rules = [meta["rule"] for meta in catalogue()]
    assert len(warned(store)) == 1
    report = run_checks(store, make_config(), AS_OF)
    assert findings(store) == [] and report.totals()["found"] == 0
    assert [meta["rule"] for meta in catalogue()] == rules and len(rules) == len(CHECKS)  # no warning rule added


def test_six_month_column_warns_a_month_ahead(store) -> None:
    facts = Facts(store)
    unit = facts.unit()
    facts.seen_column(unit, "通知公告", "notice", [days_ago(160)])  # fails on day 184: in 24 days
    facts.seen_column(unit, "政策文件", "policy", [days_ago(150)])  # in 34 days: not yet
    [warning] = warned(store)
    assert warning.subject == "栏目「通知公告」" and warning.days_left == 24
    assert "通知公告类栏目应在6个月内更新" in warning.detail


def test_unseen_blank_and_undated_columns_are_not_warned(store) -> None:
    facts = Facts(store)
    unit = facts.unit()
    column = facts.column(unit, "工作动态", "news")
    facts.items(column, [days_ago(13)])
    facts.visit(facts.crawl(), column, "not_seen", reason="timeout", http_status=None)
    facts.seen_column(unit, "通知公告", "notice", [None])
    assert warned(store, "column.stale") == []


def test_home_page_ten_days_without_news_warns(store) -> None:
    facts = Facts(store)
    portal = facts.unit("门户", "门户")
    facts.seen_column(portal, "首页", "home", [days_ago(10), days_ago(12)])
    [warning] = warned(store, "home.not_updated")
    assert warning.subject == "首页" and warning.fails_on == TODAY + timedelta(days=5)
    assert "单项否决" in warning.detail


def test_four_stale_key_columns_warn_of_the_count_veto_with_the_day_a_fifth_goes_stale(store) -> None:
    facts = Facts(store)
    unit = facts.unit()
    for n in range(4):
        facts.seen_column(unit, f"动态{n}", "news", [days_ago(30)])
    facts.seen_column(unit, "工作动态", "news", [days_ago(4)])  # stale from day 15: in 11 days
    facts.seen_column(unit, "子栏目", "notice", [days_ago(100)], level=2)  # not a key column
    count, portal = warned(store, "column.stale_count")
    assert count.unit == "白鹤镇" and "已有4个，达到5个即单项否决" in count.detail
    assert portal.unit == "门户网站（含各单位栏目）"  # every unit in scope: the portal-wide count too
    assert count.fails_on == TODAY + timedelta(days=11) and count.days_left == 11
    assert sorted(count.evidence["columns"]) == [f"动态{n}" for n in range(4)]


def test_five_stale_key_columns_are_the_finding_and_three_are_not_yet_warned(store) -> None:
    facts = Facts(store)
    unit = facts.unit()
    columns = [facts.seen_column(unit, f"动态{n}", "news", [days_ago(30)]) for n in range(5)]
    assert warned(store, "column.stale_count") == []
    run_checks(store, make_config(), AS_OF, only=["column.stale_count"])
    assert len(findings(store, "column.stale_count")) == 2  # the unit and the portal
    for column in columns[:2]:
        facts.items(column, [TODAY])
    assert warned(store, "column.stale_count") == []  # three left: two short of the veto


def test_four_blank_columns_warn_of_the_blank_count_veto(store) -> None:
    facts = Facts(store)
    unit = facts.unit()
    for n in range(4):
        facts.seen_column(unit, f"栏目{n}", "basic", [])
    [unit_warning, portal_warning] = warned(store, "column.blank_count")
    assert unit_warning.unit == "白鹤镇" and portal_warning.unit == "门户网站（含各单位栏目）"
    assert "空白栏目已有4个" in unit_warning.detail and unit_warning.fails_on is None
