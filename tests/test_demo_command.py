"""`portalcheck demo` end to end: serve the demo portal, crawl, check, export — and the findings
are exactly the demo's deliberate defects (indicators' count vetoes at site level included)."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from portalcheck.core.config import load_config
from portalcheck.demo import DemoPortal

from .conftest import REPO, fresh_database

CHECKED_ELSEWHERE = ("media.",)  # accounts come with their own issue
NOT_FINDINGS = {"unit.no_publication", "expected_ok", "expected_not_checked"}  # table figures, negative cases
COLUMN_RULES = ("column.stale", "column.blank", "column.broken", "content.duplicate")  # keyed by column
PAGE_RULES = ("content.garbled", "content.serious_error", "content.sensitive", "content.truncated",
              "content.format", "message.unanswered",
              "message.reply_poor")  # findings keyed by the page they are on


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[subprocess.CompletedProcess[str], Path]]:
    folder = tmp_path_factory.mktemp("demo_command")
    shutil.copy(REPO / "config.yaml", folder / "config.yaml")
    for db_url in fresh_database(folder):
        env = {**os.environ, "PORTALCHECK_DATABASE_URL": db_url}
        result = subprocess.run([sys.executable, "-m", "portalcheck.cli", "--config", str(folder / "config.yaml"),
                                 "demo", "--port", "0"], env=env, capture_output=True, text=True, timeout=300)
        yield result, folder


def finding_key(finding: dict, base: str) -> tuple:
    rule = finding["rule"]
    if rule in COLUMN_RULES:
        return rule, finding["unit"], finding["column"]
    if rule in ("link.dead", "content.image_broken", *PAGE_RULES):
        return rule, finding["unit"], finding["url"].replace(base, "")
    return rule, finding["unit"], None


def truth_key(defect: dict, portal_name: str) -> tuple:
    rule = defect["rule"]
    unit = defect["unit"] if defect["unit"] != "青山县人民政府" else portal_name
    if rule in COLUMN_RULES:
        return rule, unit, defect["column"]
    if rule in ("link.dead", "content.image_broken"):  # keyed by the target that does not work
        return rule, unit, defect["target"]
    if rule in PAGE_RULES:
        return rule, unit, defect["path"]
    return rule, unit, None


def test_demo_command_succeeds_and_prints_a_summary(demo_run) -> None:  # type: ignore[no-untyped-def]
    result, _ = demo_run
    assert result.returncode == 0, result.stderr[-3000:]
    assert "抓取结果" in result.stderr and "合计：发现问题" in result.stdout + result.stderr
    assert "示例门户已停止" in result.stderr


def test_demo_takes_evidence_pictures_and_links_them_from_the_findings_xlsx(demo_run) -> None:  # type: ignore[no-untyped-def]
    import re

    from openpyxl import load_workbook

    result, folder = demo_run
    taken = re.search(r"证据截图：(\d+)张，未能截图(\d+)张", result.stdout + result.stderr)
    assert taken and int(taken[1]) > 20 and int(taken[2]) == 0, (result.stdout + result.stderr)[-2000:]
    assert len(list((folder / "evidence").glob("*/*.png"))) > 0
    sheet = load_workbook(folder / "exports" / "findings.xlsx")["问题清单"]
    assert sheet.cell(1, sheet.max_column).value == "证据截图"
    assert any(row[-1].hyperlink for row in sheet.iter_rows(min_row=2))


def test_demo_command_writes_exports_in_three_formats(demo_run) -> None:  # type: ignore[no-untyped-def]
    _, folder = demo_run
    for name in ("findings.xlsx", "findings.csv", "findings.json"):
        assert (folder / "exports" / name).stat().st_size > 100


def test_demo_findings_are_exactly_the_deliberate_defects(demo_run) -> None:  # type: ignore[no-untyped-def]
    _, folder = demo_run
    config = load_config(folder / "config.yaml")
    findings = json.loads((folder / "exports" / "findings.json").read_text(encoding="utf-8"))
    for finding in findings:
        assert {"rule", "severity", "unit", "column", "url", "detail", "first_seen", "last_seen",
                "status"} <= set(finding)
    served_at = re.compile(r"^http://127\.0\.0\.1:(?!9/)\d+")  # the demo's port; :9 is a dead link target
    found = {finding_key({**f, "url": served_at.sub("", f["url"] or "")}, "") for f in findings
             if f["unit"] is not None}
    expected = {truth_key(d, config.portal.name) for d in DemoPortal().truth()
                if d["rule"] not in NOT_FINDINGS and not d["rule"].startswith(CHECKED_ELSEWHERE)}
    assert found - expected == set(), "reported but not a deliberate defect"
    assert expected - found == set(), "deliberate defect not found"
    site_level = {f["rule"] for f in findings if f["unit"] is None}
    assert site_level <= {"column.stale_count", "column.blank_count"}


def test_demo_that_could_not_read_its_portal_fails_and_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A crawl whose every request failed still 'finishes'; the demo must not then report its findings as a
    success (an installed package once lost a template and every request of its demo failed, exit code 0)."""
    from rich.console import Console

    from portalcheck.demo_run import EXIT_FAILED, run_stages

    with socket.socket() as probe:  # a port nothing listens on: every request is refused
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    configured = load_config(REPO / "config.yaml").portal.home.rstrip("/")
    text = (REPO / "config.yaml").read_text(encoding="utf-8").replace(configured, dead)
    (tmp_path / "config.yaml").write_text(text, encoding="utf-8")
    for db_url in fresh_database(tmp_path):
        monkeypatch.setenv("PORTALCHECK_DATABASE_URL", db_url)
        console = Console(record=True, width=240)
        code = run_stages(load_config(tmp_path / "config.yaml"), console)
        output = console.export_text()
        assert code == EXIT_FAILED, output[-3000:]
        # every unit whose columns come from discovery (config lists the others' columns): none was read
        discovered = sum(1 for unit in load_config(tmp_path / "config.yaml").units if not unit.columns)
        assert f"示例运行失败：{discovered}个单位未能读取栏目" in output


def test_demo_prints_its_warnings_and_writes_them_apart_from_the_findings(demo_run) -> None:  # type: ignore[no-untyped-def]
    result, folder = demo_run
    [count] = re.findall(r"预警(\d+)条", result.stderr)
    data = json.loads((folder / "exports" / "warnings.json").read_text(encoding="utf-8"))
    rows = data["tables"]["warnings"]["rows"]
    assert int(count) == len(rows) >= 3
    warned = {(r["rule"], r["unit"], r["subject"]) for r in rows}
    # planted in site.yaml / model.py inside their lead times (dates relative to today)
    assert ("column.stale", "上龛乡", "栏目「乡镇动态」") in warned
    assert ("account.not_updated", "县卫生健康局", "微信公众号“健康青山”") in warned
    assert any(r["rule"] == "message.unanswered" for r in rows)
    findings = json.loads((folder / "exports" / "findings.json").read_text(encoding="utf-8"))
    assert not [f for f in findings if f["rule"] == "column.stale" and f["column"] == "乡镇动态" and f["unit"] == "上龛乡"]
    assert not [f for f in findings if f["rule"] == "account.not_updated" and "健康青山" in f["detail"]]
    assert (folder / "exports" / "warnings.xlsx").stat().st_size > 100
    assert (folder / "exports" / "warnings.csv").stat().st_size > 100
