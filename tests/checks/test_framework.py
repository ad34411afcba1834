"""The framework: catalogue, rule selection, finding keys, and a failing check left alone."""

from __future__ import annotations

from datetime import datetime

import pytest

from checks import catalogue, run_checks
from checks.base import Check, FindingDraft, window_text
from checks.registry import CHECKS, select_checks
from tests.checks.facts import AS_OF, Facts, days_ago, findings, make_config


def test_catalogue_lists_every_check_with_its_clause_and_severity() -> None:
    entries = catalogue()
    assert len({e["rule"] for e in entries}) == len(entries) == len(CHECKS)
    assert all(e["title"] and e["clause"] and e["severity"] in ("veto", "deduct", "info") for e in entries)
    assert {"column.stale", "home.not_updated", "link.dead", "site.unreachable"} <= {e["rule"] for e in entries}


def test_only_accepts_prefixes_and_rejects_unknown_rules() -> None:
    assert {c.rule for c in select_checks(["footer"])} == {
        "footer.site_code", "footer.icp", "footer.police_record", "footer.conac"}
    with pytest.raises(KeyError, match="未知的检查规则"):
        select_checks(["column.nope"])


def test_finding_key_is_stable_and_distinguishes_its_parts() -> None:
    a = FindingDraft("link.dead", "x", unit_id=1, url="http://a/")
    assert a.key == FindingDraft("link.dead", "other detail", unit_id=1, url="http://a/").key
    assert a.key != FindingDraft("link.dead", "x", unit_id=2, url="http://a/").key


def test_windows_read_as_the_indicators_state_them() -> None:
    assert [window_text(d) for d in (14, 183, 365, 92)] == ["14天", "6个月", "1年", "3个月"]


def test_a_failing_check_is_reported_and_the_others_still_run(store, monkeypatch) -> None:
    def broken(ctx):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    facts = Facts(store)
    facts.seen_column(facts.unit(), "工作动态", "news", [days_ago(30)])
    monkeypatch.setattr("checks.registry.CHECKS", [Check("x.broken", "坏", "无", "info", "unit", broken),
                                                   *CHECKS])
    report = run_checks(store, make_config(), AS_OF, only=["x.broken", "column.stale"])
    assert not report.ok and "boom" in report.outcomes[0].error
    assert len(findings(store, "column.stale")) == 1


def test_naive_as_of_is_refused(store) -> None:
    with pytest.raises(ValueError):
        run_checks(store, make_config(), datetime(2026, 5, 27))


def test_unknown_unit_name_is_refused(store) -> None:
    with pytest.raises(KeyError, match="数据库中没有单位"):
        run_checks(store, make_config(), AS_OF, units=["不存在镇"])
