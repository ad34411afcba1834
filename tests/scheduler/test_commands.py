"""`portalcheck schedule --dry-run` and `portalcheck recheck --unit X` as an inspector uses them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import scheduler
from portalcheck.core.config import load_config
from portalcheck.demo import serve_demo

from ..crawl.runner import query
from .helpers import cli, plant_missed_run, write_config


def test_dry_run_prints_the_next_run_of_every_job(tmp_path: Path, db_url: str) -> None:
    with serve_demo(port=0) as server:
        config = write_config(server, tmp_path, db_url, schedule={
            "probe_interval_seconds": None, "probe_interval_minutes": 60, "recheck_poll_seconds": 30,
            "full_crawl_weekday": "sat"})
    result = cli(config, db_url, "schedule", "--dry-run")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any("每晚增量抓取、检查与导出（nightly）：每天 01:30（周六除外）；下次运行 " in line for line in lines)
    assert any("每周全量抓取、检查与导出（weekly_full）：每周六 01:30；下次运行 " in line for line in lines)
    assert "可用性监测（probe）：每 60 分钟（随机延后至多 6 分钟）；下次运行：启动后立即" in lines
    assert "处理复查请求（recheck_queue）：每 30 秒；下次运行：启动后立即" in lines
    assert query(db_url, "SELECT count(*) FROM apscheduler_jobs") == [(0,)], "a dry run schedules nothing"

    aps = scheduler.build_scheduler(load_config(config))
    aps.start(paused=True)
    scheduler.install_jobs(aps, load_config(config))
    aps.shutdown(wait=False)
    plant_missed_run(config, "nightly", days=3)
    again = cli(config, db_url, "schedule", "--dry-run")
    assert "启动后补跑一次" in again.stdout


def test_probe_jitter_never_leaves_fewer_than_twenty_probes_a_day(tmp_path: Path, db_url: str) -> None:
    with serve_demo(port=0) as server:
        for minutes in (60, 70, 72):
            path = write_config(server, tmp_path, db_url, schedule={
                "probe_interval_seconds": None, "probe_interval_minutes": minutes})
            interval, jitter = scheduler.probe_timing(load_config(path))
            assert interval + jitter <= 72 * 60, (minutes, jitter)


@pytest.mark.slow
def test_recheck_prints_before_and_after_and_resolves_the_fixed_column(tmp_path: Path, db_url: str) -> None:
    with serve_demo(port=0) as server:
        config = write_config(server, tmp_path, db_url)
        assert cli(config, db_url, "crawl").returncode == 0
        assert cli(config, db_url, "check").returncode == 0
        server.portal.publish("fgj", "gzdt", "县发改局召开整改工作推进会", date.today())
        result = cli(config, db_url, "recheck", "--unit", "县发改局")
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert out.startswith("复查单位：县发改局")
    assert "本次已整改 1 个" in out
    resolved_block = out.split("已整改（1）：")[1].split("\n\n")[0]
    assert "[栏目不更新] 工作动态" in resolved_block and "整改时间" in resolved_block
    [(status, resolved_at)] = query(db_url, """SELECT f.status, f.resolved_at FROM findings f
        JOIN columns c ON c.id = f.column_id WHERE f.rule = 'column.stale' AND c.name = '工作动态'
        AND f.unit_id = (SELECT id FROM units WHERE name = '县发改局')""")
    assert status == "resolved" and resolved_at is not None


def test_recheck_of_an_unknown_unit_names_the_configured_ones(tmp_path: Path, db_url: str) -> None:
    with serve_demo(port=0) as server:
        config = write_config(server, tmp_path, db_url)
    result = cli(config, db_url, "recheck", "--unit", "不存在镇")
    assert result.returncode == 2
    assert "县发改局" in result.stderr and "不存在镇" in result.stderr
