"""column.blank and column.broken: a fully seen empty column, an error page, and what is not judged."""

from __future__ import annotations

from checks import run_checks
from storage.models import Column
from tests.checks.facts import AS_OF, GOOD_FLAGS, PORTAL, Facts, days_ago, findings, make_config


def check(store, *rules):  # type: ignore[no-untyped-def]
    return run_checks(store, make_config(), AS_OF, only=list(rules))


def test_fully_seen_column_without_items_is_blank(store) -> None:
    facts = Facts(store)
    column = facts.seen_column(facts.unit(), "财政预决算", "basic", [])
    check(store, "column.blank")
    [finding] = findings(store, "column.blank")
    assert finding.column_id == column
    assert finding.detail == "「财政预决算」栏目无任何信息，且未说明原因（空白栏目）"


def test_empty_column_with_an_explanatory_notice_is_not_blank(store) -> None:
    facts = Facts(store)
    facts.seen_column(facts.unit(), "财政预决算", "basic", [], flags={**GOOD_FLAGS, "empty_notice": "本栏目暂无信息"})
    check(store, "column.blank")
    assert findings(store, "column.blank") == []


def test_column_with_items_is_not_blank(store) -> None:
    facts = Facts(store)
    facts.seen_column(facts.unit(), "工作动态", "news", [days_ago(1)])
    check(store, "column.blank")
    assert findings(store, "column.blank") == []


def test_partially_seen_empty_column_is_not_checked_for_blank(store) -> None:
    facts = Facts(store)
    column = facts.seen_column(facts.unit(), "财政预决算", "basic", [], status="partial")
    report = check(store, "column.blank")
    assert findings(store, "column.blank") == []
    assert [n.column_id for n in report.not_checked] == [column]


def test_column_not_seen_is_not_blank(store) -> None:
    facts = Facts(store)
    unit = facts.unit()
    column = facts.column(unit, "财政预决算", "basic")
    facts.visit(facts.crawl(), column, "not_seen", reason="robots", http_status=None)
    report = check(store, "column.blank", "column.stale")
    assert findings(store) == []
    assert {n.rule for n in report.not_checked} == {"column.blank", "column.stale"}


def test_items_from_an_earlier_crawl_do_not_hide_a_now_empty_column(store) -> None:
    facts = Facts(store)
    unit = facts.unit()
    column = facts.column(unit, "财政预决算", "basic")
    facts.items(column, [days_ago(30)], seen=AS_OF.replace(year=2025))
    facts.visit(facts.crawl(), column, "full", items=0)
    check(store, "column.blank")
    assert [f.column_id for f in findings(store, "column.blank")] == [column]


def test_column_page_returning_404_is_broken(store) -> None:
    facts = Facts(store)
    unit = facts.unit()
    column = facts.column(unit, "政策解读", "policy")
    facts.visit(facts.crawl(), column, "not_seen", reason="http", http_status=404)
    report = check(store, "column.broken", "column.stale")
    [finding] = findings(store)
    assert finding.rule == "column.broken" and "返回HTTP 404" in finding.detail
    assert [n.rule for n in report.not_checked] == ["column.stale"]


def test_soft_404_column_page_is_broken_not_blank(store) -> None:
    facts = Facts(store)
    facts.seen_column(facts.unit(), "政策解读", "policy", [], flags={**GOOD_FLAGS, "soft_404": True})
    check(store, "column.broken", "column.blank")
    [finding] = findings(store)
    assert finding.rule == "column.broken" and "软404" in finding.detail


def test_column_redirected_to_home_is_broken(store) -> None:
    facts = Facts(store)
    facts.seen_column(facts.unit(), "政策解读", "policy", [days_ago(1)], flags={**GOOD_FLAGS, "redirected_home": True})
    check(store, "column.broken")
    assert "跳转到首页" in findings(store, "column.broken")[0].detail


def test_column_that_timed_out_is_not_checked_for_broken(store) -> None:
    facts = Facts(store)
    column = facts.column(facts.unit(), "政策解读", "policy")
    facts.visit(facts.crawl(), column, "not_seen", reason="timeout", http_status=None)
    report = check(store, "column.broken")
    assert findings(store) == [] and len(report.not_checked) == 1


def test_the_page_at_the_columns_own_url_is_judged_not_a_later_list_page(store) -> None:
    facts = Facts(store)
    unit = facts.unit()
    soft = facts.column(unit, "政策解读", "policy")
    fine = facts.column(unit, "通知公告", "notice")
    run = facts.crawl()
    with store.session() as session:
        urls = {cid: session.get(Column, cid).url for cid in (soft, fine)}
    for cid in (soft, fine):
        facts.visit(run, cid, items=1)
        facts.items(cid, [days_ago(1)])
    # Page 2 of each list is stored first (lower id); the judged page is the one at the column's own URL.
    facts.page(urls[soft] + "index_1.html", kind="list", unit_id=unit, column_id=soft, flags=dict(GOOD_FLAGS))
    facts.page(urls[soft], kind="list", unit_id=unit, column_id=soft, flags={**GOOD_FLAGS, "soft_404": True})
    facts.page(urls[fine] + "index_1.html", kind="list", unit_id=unit, column_id=fine,
               flags={**GOOD_FLAGS, "soft_404": True})
    facts.page(urls[fine], kind="list", unit_id=unit, column_id=fine, flags=dict(GOOD_FLAGS))
    check(store, "column.broken")
    [finding] = findings(store)
    assert finding.column_id == soft and finding.evidence["page_url"] == urls[soft]


def test_without_a_page_at_its_own_url_a_column_is_judged_on_its_first_stored_list_page(store) -> None:
    facts = Facts(store)
    unit = facts.unit()
    column = facts.column(unit, "政策解读", "policy")
    facts.visit(facts.crawl(), column, items=1)
    facts.items(column, [days_ago(1)])
    facts.page(f"{PORTAL}list.jsp?page=1", kind="list", unit_id=unit, column_id=column,
               flags={**GOOD_FLAGS, "soft_404": True})
    facts.page(f"{PORTAL}list.jsp?page=2", kind="list", unit_id=unit, column_id=column, flags=dict(GOOD_FLAGS))
    check(store, "column.broken")
    [finding] = findings(store)
    assert finding.evidence["page_url"] == f"{PORTAL}list.jsp?page=1"
