"""The daily digest: one message per unit per day to its receivers, with the right counts and links; a second
run the same day sends nothing; receivers that are down or slow are retried, logged, and hold nobody up."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from portalcheck.service.notify import send_digest
from tests.config_files import write_config_file

from ..crawl.runner import query
from ..scheduler.helpers import cli
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


def test_a_recheck_result_tells_the_unit_what_passed_and_what_did_not(fresh_log: Night, robots: Robots) -> None:
    from portalcheck.service.notify import notify_recheck_result

    night = fresh_log
    ids = [row[0] for row in query(night.db_url, "SELECT f.id FROM findings f JOIN units u ON u.id = f.unit_id "
                                                 "WHERE u.name = :n ORDER BY f.id", n=FGJ)][:2]
    config = night.config(units={FGJ: [robots.wecom_url]}, office=[robots.ding_url])
    sent = notify_recheck_result(FGJ, [ids[0]], [ids[1]], config=config, store=night.store, background=False)
    assert [s.status for s in sent] == ["sent", "sent"]  # the unit's robot and the office's
    [text] = robots.texts("wecom")
    assert f"【复核结果】{FGJ}" in text and "**复核通过 1 个**" in text and "**复核未通过 1 个**" in text
    assert f"/findings/{ids[0]})" in text and f"/findings/{ids[1]})" in text
    assert [r[1] for r in sent_log(night)] == ["recheck", "recheck"]


def _config_file(night: Night, folder: Path, notifications: dict) -> Path:
    data = yaml.safe_load(night.config_path.read_text(encoding="utf-8"))
    data["notifications"] = {"timeout_seconds": 2, "retries": 1, "backoff_seconds": 0.05, **notifications}
    return write_config_file(folder, data)


def test_notify_test_reports_every_target_and_fails_when_one_is_down(fresh_log: Night, robots: Robots,
                                                                      tmp_path: Path) -> None:
    down = down_url()
    path = _config_file(fresh_log, tmp_path, {"office": [robots.ding_url], "units": {FGJ: [robots.wecom_url, down]}})
    result = cli(path, fresh_log.db_url, "notify", "test", timeout=120)
    assert result.returncode == 1, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert len(lines) == 3 and lines[0].startswith("（办公室） → dingrobot://") and lines[0].endswith("：成功")
    assert lines[1].startswith(f"{FGJ} → wecomrobot://") and lines[1].endswith("：成功")
    assert lines[2].startswith(f"{FGJ} → wecomrobot://127.0.0.1:") and "失败（2 次尝试" in lines[2]
    assert "down-key" not in result.stdout + result.stderr
    assert len(robots.received) == 2 and all("测试消息" in text for text in robots.texts())


def test_notify_digest_dry_run_shows_and_sends_nothing_then_sends_once(fresh_log: Night, robots: Robots,
                                                                       tmp_path: Path) -> None:
    path = _config_file(fresh_log, tmp_path, {"units": {FGJ: [robots.wecom_url]}})
    dry = cli(path, fresh_log.db_url, "notify", "digest", "--dry-run", "--day", "2026-06-16", timeout=120)
    assert dry.returncode == 0, dry.stderr[-2000:]
    assert f"== {FGJ}：【网站检查日报】{FGJ} 2026年6月16日" in dry.stdout and "**新发现问题" in dry.stdout
    assert "未发送（试运行）" in dry.stdout and robots.received == [] and sent_log(fresh_log) == []
    sent = cli(path, fresh_log.db_url, "notify", "digest", "--day", "2026-06-16", timeout=120)
    again = cli(path, fresh_log.db_url, "notify", "digest", "--day", "2026-06-16", timeout=120)
    assert sent.returncode == 0 and "：已发送" in sent.stdout, sent.stdout + sent.stderr[-2000:]
    assert again.returncode == 0 and "今日已发送，跳过" in again.stdout
    assert len(robots.received) == 1


def test_the_scheduled_digest_job_sends_and_records_its_run(fresh_log: Night, robots: Robots) -> None:
    import scheduler
    from portalcheck.service.crawls import Runtime

    config = fresh_log.config(units={FGJ: [robots.wecom_url], TJJ: [down_url()]}, retries=0)
    scheduler.run_job_with(Runtime(config, fresh_log.store), "digest")
    [(outcome, counts)] = query(fresh_log.db_url, "SELECT outcome, counts FROM job_runs WHERE job = 'digest'")
    counts = json.loads(counts) if isinstance(counts, str) else counts
    assert outcome == "ok" and counts == {"messages": 2, "sent": 1, "failed": 1, "skipped": 0}
    assert len(robots.received) == 1


def test_the_digest_names_the_deadlines_a_notice_set_without_being_told(fresh_log: Night, robots: Robots) -> None:
    """By default the digest reads the 整改 loop: a notice issued today with a deadline three days on is named."""
    from portalcheck.service.rectification import issue_notice

    night = fresh_log
    config = night.config(units={FGJ: [robots.wecom_url]}, approaching_days=3)
    noon = datetime(DAY.year, DAY.month, DAY.day, 12, tzinfo=config.zone)
    notice = issue_notice(night.store, config, "督查甲", DAY + timedelta(days=3), now=noon)
    [(in_loop,)] = query(night.db_url, "SELECT count(*) FROM findings f JOIN units u ON u.id = f.unit_id "
                                       "WHERE u.name = :n AND f.deadline = :d", n=FGJ, d=DAY + timedelta(days=3))
    assert notice.findings > 0 and in_loop > 0
    report = send_digest(config, night.store, day=DAY)
    assert report.messages[FGJ].summary["approaching"] == in_loop
    [text] = robots.texts()
    assert f"**即将到期 {in_loop} 个**" in text and "期限 2026年6月19日" in text
