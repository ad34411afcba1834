"""Cell safety, periods and the command line, without a crawl where none is needed."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest

from portalcheck.core.personal import mask_numbers
from portalcheck.exports import Period, safe_cell
from portalcheck.exports.evidence import evidence_text
from portalcheck.exports.writers import sheet_title

from ..conftest import REPO
from .conftest import Exported


@pytest.mark.parametrize("text", ["=1+1", "+86", "-2", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("x")'])
def test_formula_prefixes_are_escaped(text: str) -> None:
    assert safe_cell(text) == "'" + text


def test_plain_values_are_left_alone() -> None:
    assert safe_cell("青山县") == "青山县" and safe_cell(-3) == -3 and safe_cell(None) is None


def test_personal_numbers_are_masked() -> None:
    text = mask_numbers("张三 身份证 110101199003077578 手机 13812345678 电话 0795-8812345")
    assert "110101********7578" in text and "138****5678" in text and "0795-8812345" in text


def test_evidence_is_summarised_in_chinese() -> None:
    text = evidence_text({"category": "news", "newest": "2026-01-01", "age_days": 40, "window_days": 14,
                          "first_items": [{"title": "乡镇动态", "date": "2026-01-01"}], "visit": "full"})
    assert text == "栏目类别：动态要闻类；最新信息日期：2026-01-01；未更新天数：40；更新时限（天）：14；最新信息：乡镇动态（2026-01-01）"


def test_period_defaults_and_label() -> None:
    period = Period.make(date_to=dt.date(2020, 5, 29))
    assert period.date_from == dt.date(2020, 1, 1) and period.label() == "2020年元至5月份"
    assert Period.make(dt.date(2020, 3, 5), dt.date(2020, 4, 1)).label() == "2020年3月5日至2020年4月1日"
    with pytest.raises(ValueError):
        Period.make(dt.date(2020, 5, 1), dt.date(2020, 4, 1))


def test_sheet_titles_are_valid_and_unique() -> None:
    taken: set[str] = set()
    assert sheet_title("a/b", taken) == "a_b"
    assert sheet_title("a/b", taken) == "a_b(2)"
    assert len(sheet_title("很" * 40, taken)) == 31


def _cli(exported: Exported, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PORTALCHECK_DATABASE_URL": exported.db_url}
    return subprocess.run([sys.executable, "-m", "portalcheck.cli", "--config", str(exported.config_path), "export",
                           *args], env=env, capture_output=True, text=True, timeout=120, cwd=REPO)


def test_command_writes_every_format_with_a_period(exported: Exported) -> None:
    period = exported.period
    for kind, fmt in [("findings", "csv"), ("publications", "xlsx"), ("summary", "json"), ("notice", "md")]:
        out = exported.folder / f"cli-{kind}.{fmt}"
        result = _cli(exported, kind, "--format", fmt, "--from", period.date_from.isoformat(), "--to",
                      period.date_to.isoformat(), "--out", str(out))
        assert result.returncode == 0, result.stderr
        assert out.stat().st_size > 100 and "已导出" in result.stderr


def test_command_refuses_a_format_the_kind_has_not(exported: Exported) -> None:
    result = _cli(exported, "publications", "--format", "docx", "--out", str(exported.folder / "x.docx"))
    assert result.returncode != 0 and "不支持" in result.stderr


def test_demo_writes_every_export(exported: Exported, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from rich.console import Console

    from portalcheck.demo_run import _export

    config = exported.config.model_copy(update={"exports": exported.config.exports.model_copy(
        update={"folder": str(tmp_path)})})
    _export(config, Console(stderr=True))
    names = {p.name for p in tmp_path.iterdir()}
    assert {"findings.xlsx", "findings.csv", "findings.json"} <= names
    for stem in ("publications", "columns", "summary"):
        assert {f"{stem}.xlsx", f"{stem}.csv", f"{stem}.json"} <= names
    assert {"notice.docx", "notice.md"} <= names
