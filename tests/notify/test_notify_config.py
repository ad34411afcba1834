"""notifications: in config.yaml: the shipped example loads; a mistake names file, line and key, and a target
address (which holds a key) is never echoed back."""

from __future__ import annotations

from datetime import time
from pathlib import Path

from portalcheck.core.config import load_config
from tests.config_files import MINIMAL_CONFIG, config_problems, write_config_file

from ..conftest import REPO

BASE = MINIMAL_CONFIG


def problems(tmp_path: Path, text: str) -> list[str]:
    return config_problems(tmp_path, BASE + text)


def test_the_shipped_example_loads_once_uncommented(tmp_path: Path) -> None:
    text = (REPO / "config.yaml").read_text(encoding="utf-8")
    assert text == (REPO / "portalcheck/demo/deployment.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    start = lines.index("# notifications:")
    block = [lines[start][2:]]
    for line in lines[start + 1:]:  # the block's own lines: indented under `# notifications:`
        if not line.startswith("#   "):
            break
        block.append(line[2:])
    block = [line.replace("县发改局", "白鹤镇").replace("    白鹤镇: [\"https://oapi", "    县统计局: [\"https://oapi")
             for line in block]
    block = [line for line in block if not line.startswith("    县统计局")]
    path = write_config_file(tmp_path, BASE + "\n".join(block) + "\n")
    settings = load_config(path).notifications
    assert settings is not None and settings.digest_time == time(8, 0) and settings.retries == 3
    assert settings.units["白鹤镇"][0].startswith("https://qyapi.weixin.qq.com/")


def test_an_unknown_key_names_file_line_and_key(tmp_path: Path) -> None:
    found = problems(tmp_path, "notifications:\n  office: []\n  retry: 3\n")
    assert len(found) == 1 and found[0].endswith("config.yaml:10: notifications.retry: 未知的配置项 (unknown key): 请检查拼写")


def test_a_unit_not_in_units_is_named_with_its_line(tmp_path: Path) -> None:
    found = problems(tmp_path, "notifications:\n  units:\n    白鹤镇: []\n    黑鹤镇: [json://127.0.0.1/x]\n")
    assert len(found) == 1 and "config.yaml:11: notifications.units.黑鹤镇: 配置中没有这个单位" in found[0]


def test_a_bad_address_is_refused_without_showing_it(tmp_path: Path) -> None:
    found = problems(tmp_path, "notifications:\n  office: [\"qyapi.weixin.qq.com/send?key=SECRETKEY123\"]\n")
    assert len(found) == 1 and "config.yaml:9: notifications.office[0]:" in found[0]
    assert "SECRETKEY123" not in found[0]


def test_an_unquoted_digest_time_is_read_as_a_time(tmp_path: Path) -> None:
    path = write_config_file(tmp_path, BASE + "notifications:\n  digest_time: 07:45\n")
    assert load_config(path).notifications.digest_time == time(7, 45)


def test_the_scheduler_sends_the_digest_daily_only_when_notifications_are_configured(tmp_path: Path) -> None:
    import scheduler

    path = write_config_file(tmp_path, BASE)
    assert "digest" not in [spec.id for spec in scheduler.job_specs(load_config(path))]
    path.write_text(BASE + "notifications:\n  digest_time: \"08:15\"\n  office: [json://127.0.0.1/x]\n", "utf-8")
    [digest] = [spec for spec in scheduler.job_specs(load_config(path)) if spec.id == "digest"]
    assert digest.title == "发送各单位每日通知" and digest.when_zh == "每天 08:15"
    assert str(digest.trigger.fields[5]) == "8" and str(digest.trigger.fields[6]) == "15"  # hour, minute
