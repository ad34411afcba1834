"""column.stale: windows by category, undated items, and "not checked" for unseen columns."""

from __future__ import annotations

from checks import run_checks
from storage.models import ListItem
from tests.checks.facts import AS_OF, Facts, days_ago, findings, make_config


def check(store, **thresholds):  # type: ignore[no-untyped-def]
    return run_checks(store, make_config(**thresholds), AS_OF, only=["column.stale"])


def test_news_column_older_than_14_days_is_stale_and_says_when(store) -> None:
    facts = Facts(store)
    unit = facts.unit()
    facts.seen_column(unit, "工作动态", "news", [days_ago(45), days_ago(60)])
    check(store)
    [finding] = findings(store, "column.stale")
    assert finding.detail == (f"「工作动态」栏目最近更新于{days_ago(45).isoformat()}，已45天未更新"
                              "（动态要闻类栏目应在14天内更新）")
    assert finding.evidence["newest"] == days_ago(45).isoformat()
    assert finding.evidence["first_items"][0]["date"] == days_ago(45).isoformat()
    assert finding.status == "new"


def test_news_column_updated_14_days_ago_is_not_stale(store) -> None:
    facts = Facts(store)
    facts.seen_column(facts.unit(), "工作动态", "news", [days_ago(14)])
    check(store)
    assert findings(store, "column.stale") == []


def test_notice_column_is_judged_on_six_months(store) -> None:
    facts = Facts(store)
    unit = facts.unit()
    facts.seen_column(unit, "通知公告", "notice", [days_ago(100)])
    facts.seen_column(unit, "公示公告", "notice", [days_ago(200)])
    check(store)
    [finding] = findings(store, "column.stale")
    assert "「公示公告」" in finding.detail and "通知公告类栏目应在6个月内更新" in finding.detail


def test_personnel_column_is_judged_on_one_year(store) -> None:
    facts = Facts(store)
    unit = facts.unit()
    facts.seen_column(unit, "人事信息", "personnel", [days_ago(300)])
    facts.seen_column(unit, "人事任免", "personnel", [days_ago(400)])
    check(store)
    [finding] = findings(store, "column.stale")
    assert "「人事任免」" in finding.detail and "1年内更新" in finding.detail


def test_undated_items_count_as_not_updated(store) -> None:
    facts = Facts(store)
    facts.seen_column(facts.unit(), "工作动态", "news", [None, None])
    check(store)
    [finding] = findings(store, "column.stale")
    assert "均未标注发布日期" in finding.detail
    assert finding.evidence["undated_only"] is True


def test_undated_items_are_not_judged_when_the_threshold_says_so(store) -> None:
    facts = Facts(store)
    facts.seen_column(facts.unit(), "工作动态", "news", [None])
    check(store, undated_counts_as_stale=False)
    assert findings(store, "column.stale") == []


def test_column_not_seen_is_not_checked_instead_of_stale(store) -> None:
    facts = Facts(store)
    unit = facts.unit()
    column = facts.column(unit, "工作动态", "news")
    facts.items(column, [days_ago(90)])
    facts.visit(facts.crawl(), column, "not_seen", reason="timeout", http_status=None)
    report = check(store)
    assert findings(store, "column.stale") == []
    [skipped] = report.not_checked
    assert skipped.column_id == column and "timeout" in skipped.reason


def test_column_never_visited_is_not_checked(store) -> None:
    facts = Facts(store)
    column = facts.column(facts.unit(), "工作动态", "news")
    facts.items(column, [days_ago(90)])
    report = check(store)
    assert findings(store, "column.stale") == []
    assert [n.column_id for n in report.not_checked] == [column]


def test_interaction_columns_have_no_update_window(store) -> None:
    facts = Facts(store)
    facts.seen_column(facts.unit(), "县长信箱", "interaction", [days_ago(500)])
    check(store)
    assert findings(store, "column.stale") == []


def test_evidence_shows_the_first_three_items_of_the_lists_first_page_in_their_order(store) -> None:
    facts = Facts(store)
    column = facts.seen_column(facts.unit(), "工作动态", "news",
                               [days_ago(40), days_ago(50), days_ago(60), days_ago(70), days_ago(80)])
    with store.session() as session:  # an item of page 2 at position 1 is not among the first of the list
        session.add(ListItem(column_id=column, url="http://page2/1.html", title="第二页", published_on=days_ago(90),
                             position=1, list_page=2, first_seen=AS_OF, last_seen=AS_OF))
    check(store)
    [finding] = findings(store, "column.stale")
    assert [item["date"] for item in finding.evidence["first_items"]] == [
        days_ago(40).isoformat(), days_ago(50).isoformat(), days_ago(60).isoformat()]
