"""Count-based vetoes (stale key columns, long-stale, blank) and the verdicts per column, unit, site."""

from __future__ import annotations

from checks import run_checks, verdicts
from tests.checks.facts import AS_OF, Facts, days_ago, findings, make_config


def test_five_blank_columns_fail_the_unit(store) -> None:
    facts = Facts(store)
    unit = facts.unit()
    for i in range(5):
        facts.seen_column(unit, f"空栏目{i}", "basic", [])
    facts.seen_column(facts.unit("土城镇"), "工作动态", "news", [days_ago(1)])
    config = make_config()
    run_checks(store, config, AS_OF)
    result = verdicts(store, config, AS_OF)
    assert result.units["白鹤镇"].verdict == "不合格"
    assert result.units["白鹤镇"].counts["blank"] == 5
    assert "column.blank_count" in result.units["白鹤镇"].vetoes
    assert result.units["土城镇"].verdict == "合格"
    assert result.site.verdict == "不合格"


def test_four_blank_columns_do_not_fail_the_unit(store) -> None:
    facts = Facts(store)
    unit = facts.unit()
    for i in range(4):
        facts.seen_column(unit, f"空栏目{i}", "basic", [])
    config = make_config()
    run_checks(store, config, AS_OF)
    assert verdicts(store, config, AS_OF).units["白鹤镇"].verdict == "合格"
    assert findings(store, "column.blank_count") == []


def test_five_stale_key_columns_are_a_veto_finding(store) -> None:
    facts = Facts(store)
    unit = facts.unit()
    for i in range(3):
        facts.seen_column(unit, f"动态{i}", "news", [days_ago(20)])
    facts.seen_column(unit, "通知公告", "notice", [days_ago(200)])
    facts.seen_column(unit, "政策文件", "policy", [days_ago(200)])
    facts.seen_column(unit, "二级政策", "policy", [days_ago(200)], level=2)  # not a key column
    run_checks(store, make_config(), AS_OF, only=["column.stale_count"])
    by_unit = [f for f in findings(store, "column.stale_count") if f.unit_id == unit]
    assert len(by_unit) == 1 and "共5个" in by_unit[0].detail and by_unit[0].severity == "veto"
    assert len(by_unit[0].evidence["columns"]) == 5


def test_four_stale_key_columns_are_no_veto(store) -> None:
    facts = Facts(store)
    unit = facts.unit()
    for i in range(4):
        facts.seen_column(unit, f"动态{i}", "news", [days_ago(20)])
    run_checks(store, make_config(), AS_OF, only=["column.stale_count"])
    assert findings(store) == []


def test_ten_long_stale_columns_are_a_veto_finding(store) -> None:
    facts = Facts(store)
    unit = facts.unit()
    for i in range(10):
        facts.seen_column(unit, f"人事{i}", "personnel", [days_ago(400)])
    run_checks(store, make_config(), AS_OF, only=["column.stale_count"])
    assert {f.evidence["count"] for f in findings(store)} == {10}
    assert any("应更新但长期未更新的栏目共10个" in f.detail for f in findings(store))


def test_unseen_columns_do_not_count_toward_the_veto(store) -> None:
    facts = Facts(store)
    unit = facts.unit()
    run_id = facts.crawl()
    for i in range(5):
        facts.seen_column(unit, f"动态{i}", "news", [days_ago(20)], run_id=run_id,
                          status="not_seen" if i == 0 else "full")
    config = make_config()
    run_checks(store, config, AS_OF)
    result = verdicts(store, config, AS_OF)
    assert result.units["白鹤镇"].counts["stale_key"] == 4
    assert result.units["白鹤镇"].verdict == "合格"
    assert result.units["白鹤镇"].not_checked == 1
    assert sum(1 for v in result.columns.values() if v.verdict == "未检查") == 1


def test_column_verdicts_name_the_problem(store) -> None:
    facts = Facts(store)
    unit = facts.unit()
    stale = facts.seen_column(unit, "工作动态", "news", [days_ago(20)])
    fresh = facts.seen_column(unit, "通知公告", "notice", [days_ago(2)])
    config = make_config()
    run_checks(store, config, AS_OF)
    result = verdicts(store, config, AS_OF)
    assert (result.columns[stale].verdict, result.columns[fresh].verdict) == ("未更新", "合格")


def test_home_not_updated_fails_the_site(store) -> None:
    facts = Facts(store)
    portal = facts.unit("房县人民政府", kind="门户")
    facts.seen_column(portal, "首页", "home", [days_ago(30)])
    config = make_config()
    run_checks(store, config, AS_OF)
    result = verdicts(store, config, AS_OF)
    assert result.site.verdict == "不合格" and result.site.vetoes == ["home.not_updated"]


def test_a_unit_without_any_column_is_not_checked_rather_than_passed(store) -> None:
    facts = Facts(store)
    facts.seen_column(facts.unit(), "工作动态", "news", [days_ago(1)])
    facts.unit("土城镇")  # its site showed no column under its folder
    config = make_config()
    outcome = run_checks(store, config, AS_OF)
    result = verdicts(store, config, AS_OF)
    assert result.units["白鹤镇"].verdict == "合格"
    assert (result.units["土城镇"].verdict, result.units["土城镇"].not_checked) == ("未检查", 1)
    assert "土城镇未发现任何栏目，未检查栏目更新情况" in {n.reason for n in outcome.not_checked}
    assert result.site.not_checked == 1
