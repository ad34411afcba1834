"""The 整改 loop on a real store: working-day deadlines, notices, 复核 by the next check run, 销号, appeals
suppressing a finding until its facts change, overdue counts per unit, and no answering another unit's finding."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from checks import run_checks
from portalcheck.core.config import Config
from portalcheck.exports.loop import overdue_by_unit
from portalcheck.service import rectification as loop
from portalcheck.service.review import recheck_outcomes, settle
from storage.models import Answer, FindingEvent, RecheckRequest, Suppression
from storage.session import Store
from tests.checks.facts import AS_OF, PORTAL, SITE_CODE, Facts, days_ago, findings

DAY = timedelta(days=1)
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def config(tmp_path: Path) -> Config:
    return Config.model_validate({
        "portal": {"name": "房县人民政府门户网站", "home": PORTAL, "site_code": SITE_CODE},
        "units": [{"name": "白鹤镇", "site": PORTAL + "bhz/", "kind": "乡镇"},
                  {"name": "土城镇", "site": PORTAL + "tcz/", "kind": "乡镇"}],
        "rectification": {"attachments_dir": str(tmp_path / "attachments"), "max_attachment_mb": 0.01},
    })


def check(store: Store, cfg: Config, as_of, units=None):  # type: ignore[no-untyped-def]
    run_checks(store, cfg, as_of, units=units, only=["column.stale"])
    return settle(store, as_of, units)


def recrawl(facts: Facts, column: int, as_of) -> None:  # type: ignore[no-untyped-def]
    facts.visit(facts.crawl(as_of - timedelta(hours=2)), column, "full")


def stale(facts: Facts, unit: str = "白鹤镇") -> tuple[int, int]:
    unit_id = facts.unit(unit)
    return unit_id, facts.seen_column(unit_id, "工作动态", "news", [days_ago(30)])


def state(store: Store, finding_id: int) -> tuple[str, str | None]:
    [f] = [f for f in findings(store) if f.id == finding_id]
    return f.status, f.rectification_state


def test_ten_working_days_skip_national_day_and_count_the_make_up_saturday() -> None:
    # 2026: 10月1日–7日 off, Saturday 10月10日 a working day
    assert loop.working_days_after(date(2026, 9, 29), 10) == date(2026, 10, 19)
    assert loop.working_days_after(date(2026, 5, 27), 10) == date(2026, 6, 10)
    assert loop.working_days_after(date(2027, 3, 5), 1) == date(2027, 3, 8)  # beyond the calendar: Mon–Fri


def test_notice_freezes_active_findings_and_a_later_notice_keeps_the_earlier_deadline(store: Store,
                                                                                     tmp_path: Path) -> None:
    cfg, facts = config(tmp_path), Facts(store)
    stale(facts)
    check(store, cfg, AS_OF)
    first = loop.issue_notice(store, cfg, "督查甲", now=AS_OF)
    assert (first.number, first.findings, first.deadline) == (1, 1, date(2026, 6, 10))
    [f] = findings(store)
    assert (f.rectification_state, f.deadline) == ("未整改", date(2026, 6, 10))
    second = loop.issue_notice(store, cfg, "督查甲", date(2026, 7, 1), now=AS_OF + DAY)
    assert (second.number, second.findings) == (2, 1)
    assert findings(store)[0].deadline == date(2026, 6, 10)
    with pytest.raises(loop.LoopError):
        loop.issue_notice(store, cfg, "督查甲", date(2026, 5, 1), now=AS_OF)


def test_fixed_answer_without_a_fix_fails_the_recheck_and_a_real_fix_passes_then_closes(store: Store,
                                                                                        tmp_path: Path) -> None:
    cfg, facts = config(tmp_path), Facts(store)
    _unit, column = stale(facts)
    check(store, cfg, AS_OF)
    loop.issue_notice(store, cfg, "督查甲", now=AS_OF)
    [f] = findings(store)
    new = loop.answer(store, cfg, "白鹤镇用户", "白鹤镇", f.id, "已整改", "已更新栏目", now=AS_OF + timedelta(hours=1))
    assert new == "复核中"
    with store.session() as session:
        assert session.scalars(select(RecheckRequest.unit_name)).all() == ["白鹤镇"]
    recrawl(facts, column, AS_OF + DAY)  # nothing was published: still stale
    assert check(store, cfg, AS_OF + DAY, ["白鹤镇"]) == {"复核通过": 0, "复核未通过": 1}
    assert state(store, f.id) == ("open", "复核未通过")
    [failed] = recheck_outcomes(store, AS_OF)
    assert not failed.passed and failed.unit == "白鹤镇" and failed.rule == "column.stale"
    with store.session() as session:
        event = session.scalars(select(FindingEvent).where(FindingEvent.new == "复核未通过")).one()
        assert event.evidence  # the new evidence the failing run saw
    with pytest.raises(loop.LoopError):  # only a passed 复核 can be closed
        loop.confirm_close(store, "督查甲", f.id)
    loop.answer(store, cfg, "白鹤镇用户", "白鹤镇", f.id, "已整改", "这次真的更新了", now=AS_OF + DAY)
    facts.items(column, [days_ago(-2)])
    recrawl(facts, column, AS_OF + 2 * DAY)
    check(store, cfg, AS_OF + 2 * DAY, ["白鹤镇"])
    assert state(store, f.id) == ("resolved", "复核通过")
    assert [o.passed for o in recheck_outcomes(store, AS_OF)] == [False, True]
    loop.confirm_close(store, "督查甲", f.id)
    assert state(store, f.id) == ("resolved", "已销号")
    with store.session() as session:
        history = session.scalars(select(FindingEvent.new).where(FindingEvent.finding_id == f.id)
                                  .order_by(FindingEvent.id)).all()
    assert history == ["new", "未整改", "复核中", "open", "复核未通过", "复核中", "resolved", "复核通过", "已销号"]


def test_accepted_appeal_stays_suppressed_until_the_facts_change_and_the_return_is_new(store: Store,
                                                                                      tmp_path: Path) -> None:
    cfg, facts = config(tmp_path), Facts(store)
    _unit, column = stale(facts)
    check(store, cfg, AS_OF)
    loop.issue_notice(store, cfg, "督查甲", now=AS_OF)
    [f] = findings(store)
    loop.answer(store, cfg, "白鹤镇用户", "白鹤镇", f.id, "申诉", "该栏目已于上月停用", now=AS_OF)
    loop.accept_appeal(store, "督查甲", f.id, "栏目已停用，经核实", now=AS_OF + timedelta(hours=1))
    assert state(store, f.id) == ("resolved", "已采纳申诉")
    recrawl(facts, column, AS_OF + DAY)  # the next night: still stale, still suppressed
    check(store, cfg, AS_OF + DAY)
    assert state(store, f.id) == ("resolved", "已采纳申诉")
    assert loop.suppressed(store, f.id) is not None
    facts.items(column, [days_ago(-2)])  # the column became fresh: the facts changed
    recrawl(facts, column, AS_OF + 2 * DAY)
    check(store, cfg, AS_OF + 2 * DAY)
    assert loop.suppressed(store, f.id) is None
    recrawl(facts, column, AS_OF + 40 * DAY)  # stale again, weeks later: a new finding, not suppressed
    check(store, cfg, AS_OF + 40 * DAY)
    [back] = findings(store)
    assert (back.id, back.status, back.first_seen, back.rectification_state) == (f.id, "new", AS_OF + 40 * DAY, None)
    with store.session() as session:
        [kept] = session.scalars(select(Suppression)).all()
        assert kept.lifted_at == AS_OF + 2 * DAY and kept.accepted_by == "督查甲"


def test_rejected_appeal_goes_back_to_not_fixed(store: Store, tmp_path: Path) -> None:
    cfg, facts = config(tmp_path), Facts(store)
    stale(facts)
    check(store, cfg, AS_OF)
    loop.issue_notice(store, cfg, "督查甲", now=AS_OF)
    [f] = findings(store)
    loop.answer(store, cfg, "白鹤镇用户", "白鹤镇", f.id, "申诉", "误报")
    loop.reject_appeal(store, "督查甲", f.id, "栏目仍在使用")
    assert state(store, f.id) == ("new", "未整改")
    with store.session() as session:
        assert session.scalars(select(Answer.decision)).all() == ["驳回"]


def test_overdue_counts_per_unit_leave_out_passed_and_accepted(store: Store, tmp_path: Path) -> None:
    cfg, facts = config(tmp_path), Facts(store)
    _a, column_a = stale(facts, "白鹤镇")
    b = facts.unit("土城镇")
    facts.seen_column(b, "工作动态", "news", [days_ago(30)])
    facts.seen_column(b, "乡镇要闻", "news", [days_ago(60)])
    check(store, cfg, AS_OF)
    notice = loop.issue_notice(store, cfg, "督查甲", now=AS_OF)
    after = notice.deadline + DAY
    with store.session() as session:
        assert overdue_by_unit(session, notice.deadline) == {}  # due that day, not yet overdue
        assert overdue_by_unit(session, after) == {"白鹤镇": 1, "土城镇": 2}
    facts.items(column_a, [days_ago(-1)])
    recrawl(facts, column_a, AS_OF + DAY)
    check(store, cfg, AS_OF + DAY, ["白鹤镇"])  # 白鹤镇 fixed it: 复核通过
    tcz = [f for f in findings(store) if f.unit_id == b]
    loop.answer(store, cfg, "土城镇用户", "土城镇", tcz[0].id, "申诉", "误报")
    loop.accept_appeal(store, "督查甲", tcz[0].id, "经核实为误报")
    with store.session() as session:
        assert overdue_by_unit(session, after) == {"土城镇": 1}
        assert overdue_by_unit(session, after, notice.id) == {"土城镇": 1}


def test_a_unit_cannot_answer_another_units_finding_and_nothing_is_kept(store: Store, tmp_path: Path) -> None:
    cfg, facts = config(tmp_path), Facts(store)
    stale(facts, "土城镇")
    check(store, cfg, AS_OF)
    loop.issue_notice(store, cfg, "督查甲", now=AS_OF)
    [f] = findings(store)
    with pytest.raises(loop.NotYours):
        loop.answer(store, cfg, "白鹤镇用户", "白鹤镇", f.id, "已整改", "改了", loop.Upload(PDF, "a.pdf"))
    with pytest.raises(loop.NotYours):
        loop.answer(store, cfg, "白鹤镇用户", "白鹤镇", f.id + 999, "已整改", "改了")
    with store.session() as session:
        assert session.scalars(select(Answer)).all() == []
        assert session.scalars(select(RecheckRequest)).all() == []
    assert not (tmp_path / "attachments").exists()
    assert state(store, f.id) == ("new", "未整改")


def test_attachments_are_limited_by_size_and_checked_by_content(store: Store, tmp_path: Path) -> None:
    cfg, facts = config(tmp_path), Facts(store)
    stale(facts)
    check(store, cfg, AS_OF)
    [f] = findings(store)
    for upload in (loop.Upload(b"MZ\x90\x00 not a pdf", "整改说明.pdf"), loop.Upload(PDF, "run.exe"),
                   loop.Upload(PDF + b"0" * 20_000, "big.pdf")):
        with pytest.raises(loop.LoopError):
            loop.answer(store, cfg, "白鹤镇用户", "白鹤镇", f.id, "情况说明", "见附件", upload)
    loop.answer(store, cfg, "白鹤镇用户", "白鹤镇", f.id, "情况说明", "见附件",
                loop.Upload(PDF, "../../整改说明.pdf", "application/pdf"))
    with store.session() as session:
        [kept] = session.scalars(select(Answer)).all()
    assert kept.attachment_name == "整改说明.pdf" and kept.attachment_size == len(PDF)
    path = tmp_path / "attachments" / kept.attachment_path
    assert path.read_bytes() == PDF and path.resolve().is_relative_to((tmp_path / "attachments").resolve())


def test_a_passed_finding_back_before_its_close_fails_again(store: Store, tmp_path: Path) -> None:
    cfg, facts = config(tmp_path), Facts(store)
    _unit, column = stale(facts)
    check(store, cfg, AS_OF)
    loop.issue_notice(store, cfg, "督查甲", now=AS_OF)
    [f] = findings(store)
    facts.items(column, [days_ago(-1)])
    recrawl(facts, column, AS_OF + DAY)
    check(store, cfg, AS_OF + DAY)
    assert state(store, f.id) == ("resolved", "复核通过")
    recrawl(facts, column, AS_OF + 40 * DAY)  # stale again before any 督查 closed it
    check(store, cfg, AS_OF + 40 * DAY)
    assert state(store, f.id) == ("regressed", "复核未通过")
