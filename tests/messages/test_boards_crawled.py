"""Two board layouts crawled over HTTP into the store, then the message checks and the table.

The county of tests/messages/site.py at AS_OF: every finding and every figure below is worked
out by hand from the fixtures (working days from the 2026 holiday calendar).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from checks.runner import run_checks
from portalcheck.core.config import Config, load_config
from portalcheck.exports.messages import messages_table
from storage.models import Finding, Message
from storage.session import Store
from tests.config_files import write_config_file

from ..conftest import fresh_database
from . import site
from .runner import crawl_boards

RULES = ["message"]


@dataclass
class Crawled:
    store: Store
    config: Config
    base: str


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    folder = tmp_path_factory.mktemp("boards")
    server = site.serve()
    try:
        path = write_config_file(folder, site.config_yaml(server.base_url))
        for db_url in fresh_database(folder):
            result = crawl_boards(path, db_url)
            assert result.returncode == 0, result.stderr[-3000:]
            store = Store(db_url)
            yield Crawled(store, load_config(path), server.base_url)
            store.dispose()
    finally:
        server.stop()


def stored(crawled: Crawled) -> dict[str, Message]:
    with crawled.store.session() as session:
        return {m.title: m for m in session.scalars(select(Message))}


def findings(crawled: Crawled) -> dict[str, set[tuple[str, str]]]:
    run_checks(crawled.store, crawled.config, site.AS_OF, only=RULES)
    out: dict[str, set[tuple[str, str]]] = {}
    with crawled.store.session() as session:
        titles = {m.url: m.title for m in session.scalars(select(Message))}
        for finding in session.scalars(select(Finding)):
            out.setdefault(finding.rule, set()).add((titles.get(finding.url, finding.url), finding.detail))
    return out


def test_both_layouts_are_harvested_with_every_page(crawled: Crawled) -> None:
    messages = stored(crawled)
    expected = [e[1] for e in site.QA + site.QA_PAGE_2 + site.PETITION + site.LETTERS + site.LETTERS_PAGE_2]
    assert sorted(messages) == sorted(expected)
    boards = {(m.board_name, m.board_kind) for m in messages.values()}
    assert boards == {("网上问政", "consultation"), ("网上信访", "petition"), ("局长信箱", "consultation")}


def test_a_qa_block_gives_times_unit_status_and_reply(crawled: Crawled) -> None:
    m = stored(crawled)["城东路段红绿灯故障"]
    assert (m.asked_at.isoformat(), m.replied_at.isoformat()) == ("2026-04-28T00:30:00+00:00",
                                                                 "2026-05-20T08:00:00+00:00")
    assert (m.handling_unit, m.status_word, m.external_id) == ("县交通运输局", "已办结", "wz1003")
    assert m.reply.startswith("您好！经现场核查") and m.url == crawled.base + "/wlwz/index.html#wz1003"


def test_a_detail_page_gives_its_definition_list(crawled: Crawled) -> None:
    m = stored(crawled)["不动产证办理进度"]
    assert (m.external_id, m.status_word, m.satisfaction, m.handling_unit) == ("201", "已回复", "满意", "县住建局")
    assert m.url == crawled.base + "/bm/zjj/jzxx/detail.html?id=201"
    assert m.replied_at.isoformat() == "2026-02-03T07:00:00+00:00"


def test_unanswered_message_has_no_reply(crawled: Crawled) -> None:
    m = stored(crawled)["养老保险转移接续办理进度"]
    assert (m.reply, m.replied_at, m.status_word) == (None, None, "办理中")


def test_personal_numbers_never_reach_the_store(crawled: Crawled) -> None:
    with crawled.store.engine.connect() as connection:
        dump = " ".join(str(value) for row in connection.exec_driver_sql("SELECT * FROM messages") for value in row)
    for number in (site.MOBILE, site.ID_NUMBER, site.LANDLINE, site.LANDLINE.replace("-", "")):
        assert number not in dump
    assert "139****5678" in dump and "362321********1236" in dump
    assert "0795-8881234" in dump  # an office line in a reply is public and kept


def test_messages_are_counted_for_the_unit_that_handles_them(crawled: Crawled) -> None:
    with crawled.store.session() as session:
        from storage.models import Unit

        names = dict(session.execute(select(Unit.id, Unit.name)).all())
    messages = stored(crawled)
    assert names[messages["工伤认定问题"].unit_id] == "县人社局"
    assert names[messages["老旧小区改造什么时候开始"].unit_id] == "县住建局"


def test_categories_allow_several_and_respect_exceptions(crawled: Crawled) -> None:
    messages = stored(crawled)
    assert messages["小区道路塌陷影响出行"].category == "住房/不动产,交通"
    assert messages["公积金贷款在哪里办理"].category == "住房/不动产"  # 交通银行 is a bank
    assert messages["去年的咨询"].category == "其他"


def test_checks_find_exactly_the_planted_problems(crawled: Crawled) -> None:
    found = findings(crawled)
    assert {title for title, _ in found["message.unanswered"]} == {"养老保险转移接续办理进度"}
    assert {title for title, _ in found["message.overdue"]} == {"城东路段红绿灯故障", "老旧小区改造什么时候开始"}
    poor = {title: detail for title, detail in found["message.reply_poor"]}
    assert set(poor) == {"公交站点设置不合理", "工伤认定问题", "商品房不动产登记需要双方到场吗"}
    assert "进度用语" in poor["公交站点设置不合理"] and "已转交相关部门办理" in poor["公交站点设置不合理"]
    assert "推诿" in poor["工伤认定问题"] and "不属于我局职责范围" in poor["工伤认定问题"]
    assert "政策条文" in poor["商品房不动产登记需要双方到场吗"] and "不动产登记暂行条例" in poor["商品房不动产登记需要双方到场吗"]
    late = dict(found["message.overdue"])
    assert "用时14个工作日，超过一般件7个工作日" in late["城东路段红绿灯故障"]
    assert "至今13个工作日未答复" in late["老旧小区改造什么时候开始"]
    assert "interaction.no_channel" not in found


def test_the_portal_channel_works_and_a_units_broken_form_is_found(crawled: Crawled) -> None:
    report = run_checks(crawled.store, crawled.config, datetime.now(timezone.utc), only=["interaction"])
    assert [(o.found, o.not_checked) for o in report.outcomes] == [(1, 0)]
    with crawled.store.session() as session:
        [finding] = session.scalars(select(Finding).where(Finding.rule == "interaction.no_channel"))
    assert finding.detail == "「局长信箱」无法使用：写信页面返回HTTP 500"


def test_table_figures_match_the_fixtures(crawled: Crawled) -> None:
    run_checks(crawled.store, crawled.config, site.AS_OF, only=RULES)  # the table shows what the check judged
    table = messages_table(crawled.store, crawled.config, date(2026, 1, 1), date(2026, 6, 30), site.AS_OF)
    rows = {row["unit"]: row for row in table["units"]}
    assert rows == {
        "县人社局": {"unit": "县人社局", "received": 5, "closed": 3, "closure_rate": 60.0, "unanswered": 2,
                   "avg_reply_days": 2.0, "max_reply_days": 3, "overdue": 0, "poor_replies": 1},
        "县交通运输局": {"unit": "县交通运输局", "received": 2, "closed": 2, "closure_rate": 100.0, "unanswered": 0,
                     "avg_reply_days": 12.0, "max_reply_days": 22, "overdue": 1, "poor_replies": 1},
        "县医保局": {"unit": "县医保局", "received": 1, "closed": 1, "closure_rate": 100.0, "unanswered": 0,
                   "avg_reply_days": 13.0, "max_reply_days": 13, "overdue": 0, "poor_replies": 0},
        "县住建局": {"unit": "县住建局", "received": 5, "closed": 4, "closure_rate": 80.0, "unanswered": 1,
                   "avg_reply_days": 5.5, "max_reply_days": 17, "overdue": 1, "poor_replies": 1},
    }
    assert table["totals"]["received"] == 13 and table["totals"]["closed"] == 10
    assert table["categories"] == {"社保医保": 6, "交通": 3, "住房/不动产": 5}
    assert table["prompt_and_good"] == ["县医保局"]
    assert {r["unit"] for r in table["overdue_or_poor"]} == {"县人社局", "县交通运输局", "县住建局"}


def test_table_can_be_limited_to_some_units(crawled: Crawled) -> None:
    run_checks(crawled.store, crawled.config, site.AS_OF, only=RULES)
    table = messages_table(crawled.store, crawled.config, date(2026, 1, 1), date(2026, 6, 30), site.AS_OF,
                           units=["县医保局"])
    assert [row["unit"] for row in table["units"]] == ["县医保局"]


def test_a_broken_channel_is_a_finding_and_petitions_do_not_count(tmp_path: Path) -> None:
    server = site.serve()
    server.routes["/"] = site.PAGE.format(title="青山县", body='<a href="/wsxf/">网上信访</a>')  # no 网上问政 link
    server.routes["/wlwz/index.html"] = server.routes["/zxft/"] = None  # the header still links them: 404
    try:
        path = write_config_file(tmp_path, site.config_yaml(server.base_url, broken=True))
        for db_url in fresh_database(tmp_path):
            assert crawl_boards(path, db_url).returncode == 0
            store = Store(db_url)
            try:
                # a channel's state is today's: the crawl ran after AS_OF
                run_checks(store, load_config(path), datetime.now(timezone.utc), only=["interaction"])
                with store.session() as session:
                    details = sorted(f.detail for f in session.scalars(select(Finding)))
            finally:
                store.dispose()
    finally:
        server.stop()
    assert details == ["「局长信箱」无法使用：写信页面返回HTTP 500",
                       "门户网站的网上咨询建言渠道无法使用：「县长信箱」栏目页面返回HTTP 404；"
                       "「网上问政」栏目页面返回HTTP 404"]  # the header's link, found on the home page
