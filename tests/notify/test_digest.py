"""The daily digest: one message per unit per day to its receivers, with the right counts and links; a second
run the same day sends nothing; receivers that are down or slow are retried, logged, and hold nobody up."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from portalcheck.service.notify import send_digest

from ..crawl.runner import query
from .conftest import UNITS, Night
from .receivers import Mailbox, Robots, Slow, down_url

DAY = date(2026, 6, 16)
FGJ, TJJ = UNITS  # 县发改局, 县统计局
PHONE = re.compile(r"1[3-9]\d{9}")


@pytest.fixture
def robots() -> Iterator[Robots]:
    server = Robots(ding_secret="SECabcdef0123456789")
    yield server
    server.stop()


def sent_log(night: Night) -> list[tuple]:
    return query(night.db_url, "SELECT unit_name, kind, day, target, status, attempts, error FROM notification_log "
                               "ORDER BY id")


def test_the_digest_goes_once_per_unit_per_day_with_the_right_counts(fresh_log: Night, robots: Robots) -> None:
    night = fresh_log
    box = Mailbox()
    try:
        config = night.config(units={FGJ: [robots.wecom_url], TJJ: [robots.ding_url]},
                              office=[box.url("bgs@example.gov.cn")])
        first = send_digest(config, night.store, day=DAY)
        again = send_digest(config, night.store, day=DAY)
    finally:
        box.stop()
    counts = night.active_counts()
    assert counts.get(FGJ, 0) > 0 and counts.get(TJJ, 0) > 0, counts

    assert robots.refused == []
    [wecom] = robots.texts("wecom")
    [ding] = robots.texts("dingtalk")
    assert f"【网站检查日报】{FGJ} 2026年6月16日" in wecom and f"**新发现问题 {counts[FGJ]} 个**" in wecom
    assert f"【网站检查日报】{TJJ} 2026年6月16日" in ding and f"**新发现问题 {counts[TJJ]} 个**" in ding
    unit_ids = dict(query(night.db_url, "SELECT name, id FROM units"))
    assert f"(http://ws.example.gov.cn/units/{unit_ids[FGJ]})" in wecom
    first_finding = query(night.db_url, "SELECT min(id) FROM findings WHERE unit_id = :u", u=unit_ids[FGJ])[0][0]
    assert f"(http://ws.example.gov.cn/findings/{first_finding})" in wecom
    assert not PHONE.search(wecom + ding)
    [mail] = box.messages  # the office: one summary naming each unit's count
    assert f"{FGJ}：新问题 {counts[FGJ]} 个" in mail.get_body(preferencelist=("plain", "html")).get_content()

    assert [s.status for s in first.sent] == ["sent", "sent", "sent"]
    assert [s.status for s in again.sent] == ["skipped", "skipped", "skipped"]
    rows = sent_log(night)
    assert [(unit, kind, status, attempts) for unit, kind, _day, _t, status, attempts, _e in rows] == [
        (FGJ, "digest", "sent", 1), (TJJ, "digest", "sent", 1), (None, "digest", "sent", 1)]
    assert all("wecom-key" not in target and "ding-token" not in target for *_, target, _s, _a, _e in rows)


def test_the_next_days_digest_names_only_what_is_new_since(fresh_log: Night, robots: Robots) -> None:
    config = fresh_log.config(units={FGJ: [robots.wecom_url]})
    send_digest(config, fresh_log.store, day=DAY)
    following = send_digest(config, fresh_log.store, day=DAY + timedelta(days=1))
    assert len(robots.received) == 1  # nothing new since yesterday's digest: no message
    assert following.messages == {} and following.sent == []


def test_approaching_deadlines_are_named_in_the_digest(fresh_log: Night, robots: Robots) -> None:
    night = fresh_log
    [(finding_id,)] = query(night.db_url, "SELECT min(f.id) FROM findings f JOIN units u ON u.id = f.unit_id "
                                          "WHERE u.name = :n", n=FGJ)
    config = night.config(units={FGJ: [robots.wecom_url]}, approaching_days=3)
    pairs = [(finding_id, DAY + timedelta(days=3)), (finding_id + 1000, DAY + timedelta(days=9))]
    report = send_digest(config, night.store, day=DAY, deadlines=lambda unit: pairs if unit == FGJ else [])
    assert report.messages[FGJ].summary["approaching"] == 1
    [text] = robots.texts()
    assert "**即将到期 1 个**" in text and f"问题{finding_id}：期限 2026年6月19日" in text


def test_down_and_slow_receivers_are_retried_and_logged_and_hold_nobody_up(
        fresh_log: Night, robots: Robots, caplog: pytest.LogCaptureFixture) -> None:
    night = fresh_log
    caplog.set_level(logging.INFO, logger="portalcheck.notify")
    slow = Slow(seconds=6)
    try:
        config = night.config(units={FGJ: [down_url(), slow.url], TJJ: [robots.ding_url]},
                              timeout_seconds=1, retries=2, backoff_seconds=0.05)
        report = send_digest(config, night.store, day=DAY)
    finally:
        slow.stop()
    statuses = {(s.unit, s.target.split("://")[0] + ":" + s.target.split(":")[2].split("#")[0]): s.status
                for s in report.sent}
    assert list(statuses.values()) == ["failed", "failed", "sent"], statuses
    assert len(robots.texts("dingtalk")) == 1  # 县统计局 got its digest all the same
    assert slow.attempts == 3
    rows = [r for r in sent_log(night) if r[0] == FGJ]
    assert [(status, attempts) for *_x, status, attempts, _e in rows] == [("failed", 3), ("failed", 3)]
    down_error, slow_error = rows[0][-1], rows[1][-1]
    assert "refused" in down_error.lower() and "timeout" in slow_error.lower()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "failed (attempt 1 of 3)" in logged and "failed (attempt 3 of 3)" in logged
    assert "down-key" not in logged and "slow-key" not in logged
