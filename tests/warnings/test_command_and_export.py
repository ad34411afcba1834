"""`portalcheck warnings` and `portalcheck export warnings` in a real process: the listing, the three formats,
crawled text escaped; and the documented lead times are the defaults."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

from openpyxl import load_workbook

from portalcheck.core.config import WarningsConfig, load_config
from tests.checks.facts import PORTAL, SITE_CODE, Facts, days_ago
from tests.config_files import write_config_file
from tests.conftest import REPO

INJECTED = '=HYPERLINK("http://evil.example/","点此")'


def _setup(store, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    facts = Facts(store)
    unit = facts.unit(INJECTED)
    facts.seen_column(unit, "工作动态", "news", [days_ago(13)])
    other = facts.unit("沙河乡")
    facts.seen_column(other, "乡镇动态", "news", [days_ago(12)])
    return write_config_file(tmp_path, {
        "portal": {"name": "房县人民政府门户网站", "home": PORTAL, "site_code": SITE_CODE},
        "units": [{"name": "沙河乡", "site": PORTAL + "shx/"}]})


def _cli(config: Path, db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PORTALCHECK_DATABASE_URL": db_url}
    return subprocess.run([sys.executable, "-m", "portalcheck.cli", "--config", str(config), *args],
                          capture_output=True, text=True, env=env, timeout=120, cwd=REPO)


def test_command_lists_warnings_soonest_first_and_exits_zero(store, db_url: str, tmp_path: Path) -> None:
    config = _setup(store, tmp_path)
    result = _cli(config, db_url, "warnings", "--as-of", "2026-05-27T10:00")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "预警（截至2026-05-27 10:00）："
    assert lines[1].startswith("  2026-05-29（2天后）") and "栏目「工作动态」" in lines[1]
    assert lines[2].startswith("  2026-05-30（3天后）  沙河乡  栏目不更新：栏目「乡镇动态」")
    assert lines[-1].startswith("预警2条")
    only = _cli(config, db_url, "warnings", "--as-of", "2026-05-27T10:00", "--unit", "沙河乡", "--within", "2")
    assert only.stdout.splitlines()[-1].startswith("预警0条")
    wider = _cli(config, db_url, "warnings", "--as-of", "2026-05-27T10:00", "--unit", "沙河乡", "--within", "3")
    assert wider.stdout.splitlines()[-1].startswith("预警1条")
    unknown = _cli(config, db_url, "warnings", "--unit", "无此乡")
    assert unknown.returncode == 2 and "无此乡" in unknown.stderr


def test_export_writes_xlsx_csv_and_json_with_crawled_text_escaped(store, db_url: str, tmp_path: Path) -> None:
    config = _setup(store, tmp_path)
    paths = {}
    for fmt in ("xlsx", "csv", "json"):
        paths[fmt] = tmp_path / f"warnings.{fmt}"
        result = _cli(config, db_url, "export", "warnings", "--format", fmt, "--as-of", "2026-05-27T10:00",
                      "--out", str(paths[fmt]))
        assert result.returncode == 0, result.stderr
    sheet = load_workbook(paths["xlsx"]).active
    assert sheet.title == "预警清单"
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["预计不合格日期", "剩余天数", "单位", "预警事项", "对象"]
    first = [c for c in sheet[2]]
    assert first[2].value == "'" + INJECTED and first[2].data_type == "s"
    assert first[0].value.date().isoformat() == "2026-05-29" and first[1].value == 2
    with paths["csv"].open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert rows[1][:3] == ["2026-05-29", "2", "'" + INJECTED] and len(rows) == 3
    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert data["kind"] == "warnings" and "不计入通报" in data["note"]
    [first_row, _] = data["tables"]["warnings"]["rows"]
    assert first_row["rule"] == "column.stale" and first_row["fails_on"] == "2026-05-29"


def test_documented_lead_times_are_the_defaults() -> None:
    shipped = load_config(REPO / "config.yaml").warnings
    assert shipped == WarningsConfig()
    text = (REPO / "config.yaml").read_text(encoding="utf-8")
    assert all(f"  {key}:" in text for key in WarningsConfig.model_fields)
