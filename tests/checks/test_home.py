"""home.not_updated: the 首页 column of the 门户 pseudo-unit, its newest dated item vs 14 days."""

from __future__ import annotations

from checks import run_checks
from tests.checks.facts import AS_OF, Facts, days_ago, findings, make_config


def home(facts: Facts, dates, status: str = "full") -> int:  # type: ignore[no-untyped-def]
    portal = facts.unit("房县人民政府", kind="门户")
    return facts.seen_column(portal, "首页", "home", dates, status=status)


def check(store):  # type: ignore[no-untyped-def]
    return run_checks(store, make_config(), AS_OF, only=["home.not_updated"])


def test_home_page_without_new_items_for_15_days_is_not_updated(store) -> None:
    home(Facts(store), [days_ago(15), days_ago(20)])
    check(store)
    [finding] = findings(store, "home.not_updated")
    assert finding.detail == f"首页最近更新于{days_ago(15).isoformat()}，已15天未更新（首页应在14天内更新）"


def test_home_page_updated_yesterday_passes(store) -> None:
    home(Facts(store), [days_ago(1), None])
    check(store)
    assert findings(store) == []


def test_home_page_with_only_undated_items_counts_as_not_updated(store) -> None:
    home(Facts(store), [None, None])
    check(store)
    assert "未发现标注发布日期的信息" in findings(store)[0].detail


def test_home_page_not_seen_is_not_checked(store) -> None:
    facts = Facts(store)
    portal = facts.unit("房县人民政府", kind="门户")
    column = facts.column(portal, "首页", "home")
    facts.items(column, [days_ago(40)])
    facts.visit(facts.crawl(), column, "not_seen", reason="dns", http_status=None)
    report = check(store)
    assert findings(store) == [] and report.not_checked[0].column_id == column


def test_home_column_is_left_to_its_own_rule_by_column_stale(store) -> None:
    home(Facts(store), [days_ago(40)])
    run_checks(store, make_config(), AS_OF, only=["column.stale", "column.blank"])
    assert findings(store) == []
