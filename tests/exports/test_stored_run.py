"""Exports read what `portalcheck check` decided and stored (check_runs); they never judge again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from checks.base import CheckContext
from checks.figures import account_rows
from checks.results import latest_run
from portalcheck.core.config import Config
from portalcheck.exports import NoCheckRun, export
from storage.models import CheckRun
from storage.session import Store, open_store

from ..conftest import REPO, fresh_database
from .conftest import Exported

JUDGED = ("columns", "summary", "messages", "accounts")


def lenient(config: Config) -> Config:
    """The same deployment with every window so long that nothing would be stale, late or dormant."""
    t = config.thresholds
    windows = t.column_windows.model_copy(update={name: 100_000 for name in type(t.column_windows).model_fields})
    thresholds = t.model_copy(update={
        "column_windows": windows, "account_stale_days": 100_000, "account_dormant_days": 100_000,
        "message_reply_working_days": 10_000, "message_reply_complex_working_days": 10_000,
        "stale_key_columns_veto": 1_000, "long_stale_columns_veto": 1_000, "blank_columns_veto": 1_000})
    return config.model_copy(update={"thresholds": thresholds})


def _tables(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))["tables"]


def test_the_check_run_stores_its_verdicts_and_figures_with_its_findings(exported: Exported) -> None:
    store = Store(exported.db_url)
    try:
        with store.session() as session:
            rows = session.scalars(select(CheckRun)).all()
            run = latest_run(session, exported.period.as_of)
    finally:
        store.dispose()
    assert len(rows) == 1 and run is not None and run.id == rows[0].id
    assert run.units is None and "column.stale" in run.rules and "account.not_updated" in run.rules
    assert run.verdicts.site.verdict == "不合格" and run.verdicts.site.vetoes
    assert {c["verdict"] for c in run.columns} >= {"合格", "未更新", "空白"}
    assert {a["name"] for a in run.accounts} == {a.name for u in exported.portal.units for a in u.accounts}
    poor = {t["path"] for t in exported.portal.truth() if t["rule"] == "message.reply_poor"}
    assert len(run.messages.poor) == len(poor) and run.messages.unanswered


def test_a_threshold_changed_after_the_check_does_not_change_the_exports(exported: Exported) -> None:
    changed = lenient(exported.config)
    store = Store(exported.db_url)
    try:  # judged again with the changed thresholds, no account would be stale: the change matters
        with store.session() as session:
            again = account_rows(CheckContext.from_config(session, changed, exported.period.as_of))
    finally:
        store.dispose()
    assert not any("account.not_updated" in row["failed"] for row in again)
    for kind in JUDGED:
        as_checked = exported.export(kind, "json", f"checked-{kind}.json")
        after = export(changed, kind, exported.folder / f"changed-{kind}.json", fmt="json", period=exported.period)
        assert _tables(after) == _tables(as_checked), kind
    columns = _tables(exported.folder / "changed-columns.json")["units"]["rows"]
    assert any(row["stale"] for row in columns) and any(row["verdict"] == "不合格" for row in columns)
    accounts = _tables(exported.folder / "changed-accounts.json")["accounts"]["rows"]
    failing = [row for row in accounts if row["verdict"] == "不合格"]
    assert failing and all(row["problems"] for row in failing)  # 存在问题 names the failed checks
    assert any("未更新" in row["problems"] for row in failing)


def test_an_export_without_a_check_run_tells_the_inspector_to_run_check_first(
        exported: Exported, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for db_url in fresh_database(tmp_path):
        open_store(db_url).dispose()  # the schema, no crawl, no check
        monkeypatch.setenv("PORTALCHECK_DATABASE_URL", db_url)
        for kind in (*JUDGED, "notice"):
            with pytest.raises(NoCheckRun, match="请先运行 portalcheck check"):
                export(exported.config, kind, tmp_path / f"{kind}.out", fmt="md" if kind == "notice" else "json",
                       period=exported.period)
            assert not (tmp_path / f"{kind}.out").exists()
        env = {**os.environ, "PORTALCHECK_DATABASE_URL": db_url}
        result = subprocess.run([sys.executable, "-m", "portalcheck.cli", "--config", str(exported.config_path),
                                 "export", "accounts", "--out", str(tmp_path / "a.xlsx")], env=env,
                                capture_output=True, text=True, timeout=120, cwd=REPO)
        said = result.stderr.replace("\n", "")  # the console wraps long lines
        assert result.returncode == 1 and "尚无检查结果" in said and "请先运行 portalcheck check" in said
