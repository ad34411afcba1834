"""`portalcheck notice issue|list|show` against a real store: the notice number, its count and deadline in
Chinese; the existing `export notice` is a different command and stays as it was."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from checks import run_checks
from portalcheck.core.config import Config
from storage.session import Store
from tests.checks.facts import AS_OF, PORTAL, SITE_CODE, Facts, days_ago
from tests.config_files import write_config_file
from tests.conftest import REPO

SETTINGS = {"portal": {"name": "房县人民政府门户网站", "home": PORTAL, "site_code": SITE_CODE},
            "units": [{"name": "白鹤镇", "site": PORTAL + "bhz/", "kind": "乡镇"}]}


def cli(config: Path, db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PORTALCHECK_DATABASE_URL": db_url}
    return subprocess.run([sys.executable, "-m", "portalcheck.cli", "--config", str(config), *args], env=env,
                          capture_output=True, text=True, timeout=120, cwd=REPO)


def test_notice_issue_prints_number_count_and_deadline_and_list_show_it(store: Store, db_url: str,
                                                                       tmp_path: Path) -> None:
    facts = Facts(store)
    unit = facts.unit()
    facts.seen_column(unit, "工作动态", "news", [days_ago(30)])
    facts.seen_column(unit, "乡镇要闻", "news", [days_ago(60)])
    run_checks(store, Config.model_validate(SETTINGS), AS_OF, only=["column.stale"])
    config = write_config_file(tmp_path, SETTINGS)
    issued = cli(config, db_url, "notice", "issue", "--deadline", "2099-06-19", "--by", "督查甲")
    assert issued.returncode == 0, issued.stderr
    assert "已下发第1期通报：问题2个，整改期限2099年6月19日" in issued.stdout
    default = cli(config, db_url, "notice", "issue")  # ten working days by default
    assert default.returncode == 0 and "已下发第2期通报：问题2个" in default.stdout
    listed = cli(config, db_url, "notice", "list")
    assert listed.returncode == 0 and "第1期" in listed.stdout and "第2期" in listed.stdout
    shown = cli(config, db_url, "notice", "show", "1")
    assert shown.returncode == 0, shown.stderr
    assert "问题2个，整改期限2099年6月19日" in shown.stdout and shown.stdout.count("白鹤镇　[未整改]") == 2
    assert cli(config, db_url, "notice", "show", "9").returncode != 0
    past = cli(config, db_url, "notice", "issue", "--deadline", date(2020, 1, 1).isoformat())
    assert past.returncode != 0 and "早于今天" in past.stderr
