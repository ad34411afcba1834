"""The findings list and the drafted notice carry the 整改 loop: state, answer, 复核 result, deadline, overdue
(appended after the columns that were there), and the units overdue on the previous notice."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

from checks import run_checks
from portalcheck.exports.common import Period
from portalcheck.exports.findings import FIELDS, write_findings
from portalcheck.exports.notice import export_notice
from portalcheck.service import rectification as loop
from portalcheck.service.review import settle
from storage.session import Store
from tests.checks.facts import AS_OF, Facts, days_ago, findings
from tests.rectification.test_loop import config

DAY = timedelta(days=1)


def test_findings_csv_appends_loop_columns_and_notice_names_overdue_units(store: Store, tmp_path: Path) -> None:
    cfg, facts = config(tmp_path), Facts(store)
    a = facts.unit("白鹤镇")
    facts.seen_column(a, "工作动态", "news", [days_ago(30)])
    b = facts.unit("土城镇")
    facts.seen_column(b, "工作动态", "news", [days_ago(30)])
    run_checks(store, cfg, AS_OF, only=["column.stale"])
    notice = loop.issue_notice(store, cfg, "督查甲", now=AS_OF)
    fa = next(f for f in findings(store) if f.unit_id == a)
    loop.answer(store, cfg, "白鹤镇用户", "白鹤镇", fa.id, "已整改", "=HYPERLINK(\"x\")已更新", now=AS_OF)
    later = AS_OF + DAY
    facts.visit(facts.crawl(later - timedelta(hours=2)), fa.column_id, "full")
    run_checks(store, cfg, later, only=["column.stale"], units=["白鹤镇"])
    settle(store, later, ["白鹤镇"])  # still stale: 复核未通过

    out = tmp_path / "findings.csv"
    past_deadline = Period.make(as_of=(AS_OF + 30 * DAY))
    write_findings(store, out, "csv", period=None)
    with out.open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    assert header[-3:] == ["整改状态", "单位答复", "复核结果"]
    assert header.index("整改期限") == [f.label for f in FIELDS].index("整改期限") == 13  # earlier places kept
    by_unit = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert by_unit["白鹤镇"]["整改状态"] == "复核未通过"
    assert by_unit["白鹤镇"]["单位答复"].startswith("已整改：") and "HYPERLINK" in by_unit["白鹤镇"]["单位答复"]
    assert by_unit["白鹤镇"]["复核结果"].startswith("复核未通过（")
    assert by_unit["土城镇"]["整改状态"] == "未整改" and by_unit["土城镇"]["单位答复"] == ""
    assert by_unit["土城镇"]["整改期限"] == notice.deadline.isoformat()

    md = tmp_path / "notice.md"
    export_notice(store, cfg, past_deadline, md, "md")
    text = md.read_text(encoding="utf-8")
    assert "（五）整改落实情况。第1期通报要求于2026年6月10日前完成整改" in text
    assert "逾期未完成整改的单位分别是：白鹤镇（1个问题）、土城镇（1个问题），共2个" in text
    md_before = tmp_path / "notice-before.md"
    export_notice(store, cfg, Period.make(as_of=AS_OF + DAY), md_before, "md")
    assert "目前仍在整改期限内" in md_before.read_text(encoding="utf-8")
