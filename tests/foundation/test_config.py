"""config.yaml: valid files load with defaults; every mistake names file, line and key."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from portalcheck.core.config import ConfigError, load_config
from tests.config_files import MINIMAL_CONFIG, config_problems, write_config_file

from ..conftest import REPO

GOOD = MINIMAL_CONFIG + """\
  - name: 县财政局
    kind: 部门
    site: http://127.0.0.1:8650/bm/czj/
    columns:
      - name: 通知公告
        url: http://127.0.0.1:8650/bm/czj/tzgg/
        category: 通知公告
        render: js
"""


def write(tmp_path: Path, text: str) -> Path:
    return write_config_file(tmp_path, textwrap.dedent(text))


def problems(tmp_path: Path, text: str) -> list[str]:
    return config_problems(tmp_path, textwrap.dedent(text))


def test_minimal_unit_needs_only_name_and_site(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    assert config.units[0].name == "白鹤镇"
    assert config.units[0].columns == []


def test_thresholds_default_to_the_indicators(tmp_path: Path) -> None:
    thresholds = load_config(write(tmp_path, GOOD)).thresholds
    assert thresholds.home_stale_days == 14
    assert thresholds.column_windows.news == 14
    assert thresholds.column_windows.notice == 183
    assert thresholds.unreachable_failure_ratio == 0.05
    assert thresholds.blank_columns_veto == 5
    assert thresholds.probes_per_day == 20


def test_chinese_category_names_are_accepted(tmp_path: Path) -> None:
    column = load_config(write(tmp_path, GOOD)).units[1].columns[0]
    assert column.category == "notice"
    assert column.render == "js"


def test_bad_site_code_names_file_line_and_key(tmp_path: Path) -> None:
    found = problems(tmp_path, GOOD.replace('"3609990001"', '"36099900"'))
    assert len(found) == 1
    assert found[0].startswith(f"{tmp_path / 'config.yaml'}:4: portal.site_code:")
    assert "网站标识码" in found[0]


def test_unknown_key_is_reported_with_its_line(tmp_path: Path) -> None:
    found = problems(tmp_path, GOOD.replace("    site: http://127.0.0.1:8650/xzjd/bhz/", "    sitee: http://x/"))
    assert any(":7: units[0].sitee: 未知的配置项" in p for p in found)
    assert any(":6: units[0].site: 缺少必填项" in p for p in found)


def test_non_url_site_says_what_was_expected(tmp_path: Path) -> None:
    found = problems(tmp_path, GOOD.replace("http://127.0.0.1:8650/xzjd/bhz/", "ftp://example/"))
    assert found == [f"{tmp_path / 'config.yaml'}:7: units[0].site: 应为 http:// 或 https:// 开头的完整网址 "
                     "(expected an http(s) URL), 实际为 'ftp://example/'"]


def test_wrong_type_and_bad_choice_in_nested_sections(tmp_path: Path) -> None:
    text = GOOD + "crawl:\n  concurrency_per_host: many\nschedule:\n  full_crawl_weekday: someday\n"
    found = problems(tmp_path, text)
    assert any(":17: crawl.concurrency_per_host:" in p for p in found)
    assert any(":19: schedule.full_crawl_weekday: 取值无效" in p for p in found)


def test_duplicate_key_is_an_error_not_a_silent_override(tmp_path: Path) -> None:
    found = problems(tmp_path, GOOD + "crawl:\n  delay_seconds: 1\n  delay_seconds: 2\n")
    assert any(":18: crawl.delay_seconds: 重复的配置项" in p for p in found)


def test_yaml_syntax_error_gives_the_line(tmp_path: Path) -> None:
    found = problems(tmp_path, GOOD + "crawl: [unclosed\n")
    assert found[0].startswith(f"{tmp_path / 'config.yaml'}:") and "YAML 语法错误" in found[0]


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="找不到配置文件"):
        load_config(tmp_path / "nope.yaml")


def test_environment_overrides_database_and_relative_sqlite_is_beside_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load_config(write(tmp_path, GOOD))
    monkeypatch.delenv("PORTALCHECK_DATABASE_URL", raising=False)
    assert config.database_url() == f"sqlite:///{tmp_path / 'portalcheck.db'}"
    monkeypatch.setenv("PORTALCHECK_DATABASE_URL", "postgresql+psycopg://u@h/db")
    assert config.database_url() == "postgresql+psycopg://u@h/db"


def test_nightly_time_written_unquoted_is_read_as_a_time(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD + "schedule:\n  nightly_at: 01:30\n"))
    assert (config.schedule.nightly_at.hour, config.schedule.nightly_at.minute) == (1, 30)


def test_shipped_config_yaml_is_valid() -> None:
    config = load_config(REPO / "config.yaml")
    assert len(config.units) >= 12


def test_queue_batches_by_pages_by_default_and_still_reads_batch_hosts(tmp_path: Path) -> None:
    queue = load_config(write(tmp_path, GOOD + "queue: {}\n")).queue
    assert (queue.batch_pages, queue.unknown_unit_pages, queue.batch_hosts) == (24000, 300, 100)
    queue = load_config(write(tmp_path, GOOD + "queue:\n  batch_hosts: 3\n  batch_pages: 4000\n"
                                               "  unknown_unit_pages: 1000\n")).queue
    assert (queue.batch_pages, queue.unknown_unit_pages, queue.batch_hosts) == (4000, 1000, 3)
    assert any("batch_pages" in p for p in problems(tmp_path, GOOD + "queue:\n  batch_pages: 0\n"))


def test_the_shipped_yaml_files_document_every_queue_key() -> None:
    from portalcheck.core.config import QueueConfig

    for path in (REPO / "config.yaml", REPO / "portalcheck" / "demo" / "deployment.yaml", REPO / "README.md"):
        text = path.read_text(encoding="utf-8")
        missing = [key for key in QueueConfig.model_fields if key != "url" and f"{key}:" not in text]
        assert not missing, f"{path.name} does not document queue.{missing}"
