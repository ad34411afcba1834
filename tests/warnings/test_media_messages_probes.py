"""Accounts nearing 14 silent days, messages nearing 3 months unanswered or their reply deadline in working days
(国庆 2025: 1–8 October off, Saturday 11 October a make-up working day), and probe failures nearing 5%."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from checks import run_checks
from checks.warnings import find_warnings
from storage.models import Message, Unit
from storage.session import Store
from tests.accounts.test_checks_and_table import Harvests, harvest
from tests.checks.facts import AS_OF, TODAY, Facts, findings, make_config

CST = ZoneInfo("Asia/Shanghai")


def warned(store: Store, rule: str, as_of: datetime = AS_OF) -> list:  # type: ignore[type-arg]
    return [w for w in find_warnings(store, make_config(), as_of) if w.rule == rule]


def test_account_ten_days_silent_warns_with_the_day_it_fails(store: Store) -> None:
    Harvests(store).run([harvest("白鹤镇", "白鹤发布", days=[11, 13], at=AS_OF),
                         harvest("白鹤镇", "三天前", days=[3], at=AS_OF),
                         harvest("白鹤镇", "二十天", days=[20], at=AS_OF)], AS_OF - timedelta(hours=1))
    [warning] = warned(store, "account.not_updated")
    assert warning.subject == "微信公众号“白鹤发布”" and warning.unit == "白鹤镇"
    assert warning.fails_on == TODAY + timedelta(days=4) and warning.days_left == 4
    assert "已11天未更新" in warning.detail
    run_checks(store, make_config(), AS_OF, only=["account.not_updated"])
    assert [f.evidence["account"] for f in findings(store, "account.not_updated")] == ["二十天"]


def test_unreadable_account_is_not_warned(store: Store) -> None:
    from crawler.accounts import health as H

    Harvests(store).run([harvest("白鹤镇", "受限", days=[11], health=H.RATE_LIMITED, at=AS_OF)], AS_OF)
    assert warned(store, "account.not_updated") == []


def _message(store: Store, facts: Facts, asked: datetime, *, title: str = "咨询社保缴费", status: str = "办理中",
             reply: str | None = None, replied: datetime | None = None) -> None:
    """A 县长信箱 message the 县人社局 handles, as the board crawler stores it."""
    with store.session() as session:
        unit = session.query(Unit.id).filter_by(name="县人社局").scalar()
    unit = unit or facts.unit("县人社局", "部门")
    with store.session() as session:
        session.add(Message(unit_id=unit, board_name="县长信箱", board_url="http://www.fangxian.gov.cn/xzxx/",
                            board_kind="consultation", external_id=title, url=f"http://www.fangxian.gov.cn/x/{title}",
                            title=title, asked_at=asked, handling_unit="县人社局", status_word=status, reply=reply,
                            replied_at=replied, first_seen=asked + timedelta(hours=1)))


def test_reply_deadline_counts_working_days_across_national_day(store: Store) -> None:
    _message(store, Facts(store), datetime(2025, 9, 29, 10, 0, tzinfo=CST))  # a Monday
    # Working days after it: 9-30, then 10-09, 10-10, 10-11 (make-up Saturday), 10-13, 10-14, 10-15 (the 7th).
    at = datetime(2025, 10, 9, 10, 0, tzinfo=CST)  # Mon–Fri counting would already be 8 days: overdue
    assert warned(store, "message.overdue", at) == []
    [warning] = warned(store, "message.overdue", datetime(2025, 10, 13, 10, 0, tzinfo=CST))
    assert warning.fails_on == date(2025, 10, 16) and warning.days_left == 3
    assert warning.evidence["deadline"] == "2025-10-15" and warning.evidence["working_days"] == 5
    assert "答复期限为2025-10-15" in warning.detail and "请于2025-10-15（含当天）前答复" in warning.action
    assert warned(store, "message.overdue", datetime(2025, 10, 15, 18, 0, tzinfo=CST))[0].days_left == 1
    late = datetime(2025, 10, 16, 10, 0, tzinfo=CST)
    assert warned(store, "message.overdue", late) == []
    run_checks(store, make_config(), late, only=["message.overdue"])
    assert len(findings(store, "message.overdue")) == 1


def test_a_reply_ends_the_deadline_warning(store: Store) -> None:
    asked = datetime(2025, 9, 29, 10, 0, tzinfo=CST)
    _message(store, Facts(store), asked, status="已办结", reply="经核实，您反映的社保缴费问题已按规定办理完毕，"
             "缴费记录已更正，可登录社保网上服务平台查询。", replied=datetime(2025, 10, 10, 9, 0, tzinfo=CST))
    assert warned(store, "message.overdue", datetime(2025, 10, 13, 10, 0, tzinfo=CST)) == []


def test_message_nearing_three_months_unanswered_warns_two_weeks_ahead(store: Store) -> None:
    facts = Facts(store)
    _message(store, facts, AS_OF - timedelta(days=80), title="八十天")
    _message(store, facts, AS_OF - timedelta(days=70), title="七十天")
    _message(store, facts, AS_OF - timedelta(days=95), title="九十五天")
    [warning] = warned(store, "message.unanswered")
    assert "八十天" in warning.subject and warning.fails_on == TODAY + timedelta(days=11)
    assert "已80天未答复" in warning.detail
    run_checks(store, make_config(), AS_OF, only=["message.unanswered"])
    assert [f.evidence["title"] for f in findings(store, "message.unanswered")] == ["九十五天"]


def test_probe_failures_nearing_five_percent_warn_and_say_how_many_more_fail(store: Store) -> None:
    facts = Facts(store)
    unit = facts.unit()
    facts.probes(facts.site(unit), per_day=25, failed_per_day=1)  # 7 of 175: 4%
    facts.probes(facts.site(None, "http://www.fangxian.gov.cn/bm/", "部门站"), per_day=20, failed_per_day=1)  # 5%
    facts.probes(facts.site(None, "http://www.fangxian.gov.cn/xz/", "乡镇站"), per_day=50, failed_per_day=1)  # 2%
    [warning] = warned(store, "site.unreachable")
    assert warning.unit == "白鹤镇" and warning.fails_on is None
    assert "监测175次，访问失败7次，失败率4.0%" in warning.detail and warning.evidence["failures_to_veto"] == 2
    run_checks(store, make_config(), AS_OF, only=["site.unreachable"])
    assert [f.url for f in findings(store, "site.unreachable")] == ["http://www.fangxian.gov.cn/bm/"]


def test_as_of_without_a_zone_is_local_time(store: Store) -> None:
    _message(store, Facts(store), datetime(2025, 9, 29, 10, 0, tzinfo=CST))
    found = find_warnings(store, make_config(), datetime(2025, 10, 13, 10, 0))
    assert [w.fails_on for w in found] == [date(2025, 10, 16)]
    assert datetime(2025, 10, 13, 2, 0, tzinfo=UTC) == datetime(2025, 10, 13, 10, 0, tzinfo=CST)
