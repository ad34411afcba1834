"""`portalcheck init` as a new county runs it: against the bundled demo portal served on loopback (its answer is the
bundled demo config), against the real 平潭 政务公开 slice, `--check` after the portal changed, and an existing file
left alone. The CLI runs in a subprocess (Twisted's reactor cannot restart in one process)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from portalcheck.core.config import Config, load_config
from portalcheck.demo import serve_demo

from ..crawl.pingtan_slice import SLICE, SliceFacts, slice_routes
from ..servers import FixtureServer

REPO = Path(__file__).resolve().parents[2]
DEMO_CONFIG = REPO / "portalcheck" / "demo" / "config.yaml"
DEMO_BASE = "http://127.0.0.1:8650"


def init(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("PORTALCHECK_CONFIG", None)
    return subprocess.run([sys.executable, "-m", "portalcheck.cli", *args], env=env, capture_output=True,
                          text=True, timeout=240, cwd=cwd)


def demo_config_at(base_url: str, folder: Path) -> Path:
    """The bundled demo config, pointed at the demo portal served on this test's port."""
    path = folder / "demo-config.yaml"
    path.write_text(DEMO_CONFIG.read_text(encoding="utf-8").replace(DEMO_BASE, base_url), encoding="utf-8")
    return path


def register(config: Config) -> dict[str, set[tuple]]:
    """What init is asked to draft, order and comments aside."""
    return {
        "units": {(u.name, u.kind, u.site) for u in config.units},
        "boards": {(b.name, b.url, b.kind) for b in config.message_boards},
        "accounts": {(u.name, a.platform, a.name, a.url, a.id) for u in config.units for a in u.accounts},
        "portal": {(config.portal.name, config.portal.home, config.portal.site_code)},
    }


@dataclass
class Drafted:
    base_url: str
    expected: Path
    draft: Path
    result: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def demo_draft(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Drafted]:
    folder = tmp_path_factory.mktemp("init_demo")
    with serve_demo(port=0) as server:
        draft = folder / "config.yaml"
        result = init("init", server.base_url + "/", "--out", str(draft), "--delay", "0.1")
        assert result.returncode == 0, result.stdout + result.stderr[-3000:]
        yield Drafted(server.base_url, demo_config_at(server.base_url, folder), draft, result)


def test_init_of_the_demo_portal_drafts_the_bundled_demo_config(demo_draft: Drafted) -> None:
    drafted, expected = register(load_config(demo_draft.draft)), register(load_config(demo_draft.expected))
    expected["portal"] = {(name, demo_draft.base_url + "/", code) for name, _, code in expected["portal"]}
    assert drafted["units"] == expected["units"]  # 5 乡镇 and 9 部门 with their sites
    assert drafted["boards"] == expected["boards"]  # 县长信箱, consultation
    assert drafted["accounts"] == expected["accounts"]  # Weibo ids from profile links, feeds by caption platform
    assert drafted["portal"] == expected["portal"]  # name and 网站标识码 from the page and its footer


def test_init_prints_a_chinese_summary_by_kind_board_and_platform(demo_draft: Drafted) -> None:
    out = demo_draft.result.stdout
    assert "共14个：乡镇5个，部门9个" in out
    assert "县长信箱（咨询投诉）" in out
    assert "共9个：微信3个，微博5个，头条号1个" in out
    assert "3609990001" in out
    assert "未能确定（" not in out  # the demo portal says everything the config needs


def test_the_draft_is_a_commented_config(demo_draft: Drafted) -> None:
    text = demo_draft.draft.read_text(encoding="utf-8")
    assert text.startswith("# portalcheck 配置草稿")
    assert "# 门户网站" in text and "# 互动交流" in text


def test_an_existing_config_is_not_overwritten_without_force(tmp_path: Path) -> None:
    existing = tmp_path / "config.yaml"
    existing.write_text("# the county's own config\n", encoding="utf-8")
    refused = init("init", "http://127.0.0.1:9/", "--out", str(existing))  # refused before any request
    assert refused.returncode == 1
    assert "已存在" in refused.stderr
    assert existing.read_text(encoding="utf-8") == "# the county's own config\n"


def test_force_replaces_an_existing_config_with_the_draft(tmp_path: Path) -> None:
    existing = tmp_path / "config.yaml"
    existing.write_text("# the county's own config\n", encoding="utf-8")
    with serve_demo(port=0) as server:
        forced = init("init", server.base_url + "/", "--out", str(existing), "--force", "--delay", "0")
    assert forced.returncode == 0, forced.stderr[-3000:]
    assert len(load_config(existing).units) == 14


def test_a_portal_that_does_not_answer_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "config.yaml"
    result = init("init", "http://127.0.0.1:9/", "--out", str(out), "--delay", "0")
    assert result.returncode == 1
    assert "门户首页未能读取" in result.stderr
    assert not out.exists()


def test_check_reports_a_unit_the_portal_added_and_one_it_removed(tmp_path: Path) -> None:
    with serve_demo(port=0) as server:
        config = demo_config_at(server.base_url, tmp_path)
        text = config.read_text(encoding="utf-8")
        # The config predates 中坝乡's site (the portal added it) …
        text = text.replace(f"  - name: 中坝乡\n    kind: 乡镇\n    site: {server.base_url}/xzjd/zbx/\n", "")
        config.write_text(text, encoding="utf-8")
        # … and 上龛乡 merged into a neighbour: the portal no longer lists it and its site is gone.
        server.portal.retire_unit("skx")
        result = init("--config", str(config), "init", "--check", "--delay", "0")
    assert result.returncode == 1, result.stdout + result.stderr[-3000:]
    out = result.stdout
    assert f"+ 中坝乡（乡镇）{server.base_url}/xzjd/zbx/" in out
    assert "- 上龛乡：HTTP 404" in out
    assert "白鹤镇" not in out  # units in both, answering, are not listed


def test_check_of_a_config_that_matches_the_portal_reports_no_drift(tmp_path: Path) -> None:
    with serve_demo(port=0) as server:
        result = init("--config", str(demo_config_at(server.base_url, tmp_path)), "init", "--check", "--delay", "0")
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert "配置与门户一致" in result.stdout


# --- the real 平潭 政务公开 slice --------------------------------------------------------------------------------

needs_slice = pytest.mark.skipif(not SLICE.is_dir(), reason="the 平潭 slice (../shared/samples) is not here")


@pytest.fixture(scope="module")
def pingtan_draft(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Drafted]:
    if not SLICE.is_dir():
        pytest.skip("the 平潭 slice (../shared/samples) is not here")
    folder = tmp_path_factory.mktemp("init_pingtan")
    with FixtureServer(slice_routes()) as server:
        draft = folder / "config.yaml"
        result = init("init", server.base_url + "/zwgk/", "--out", str(draft), "--delay", "0")
        assert result.returncode == 0, result.stdout + result.stderr[-3000:]
        yield Drafted(server.base_url, draft, draft, result)


@needs_slice
def test_init_of_the_pingtan_slice_reads_its_site_code_and_name(pingtan_draft: Drafted) -> None:
    config = load_config(pingtan_draft.draft)
    assert config.portal.site_code == "3590000001"
    assert config.portal.name == "平潭综合实验区党工委管委会"  # the <title>'s government part
    assert "3590000001" in pingtan_draft.result.stdout


@needs_slice
def test_init_of_the_pingtan_slice_lists_every_column_its_index_links(pingtan_draft: Drafted) -> None:
    out = pingtan_draft.result.stdout
    links = SliceFacts().index_column_links  # 46 folder links, path → the index's text for it
    sections, inner = re.search(r"首页栏目分区（(\d+)个）", out), re.search(r"其下栏目（(\d+)个）", out)
    assert sections and inner and int(sections[1]) + int(inner[1]) == len(links) == 46
    # Named as the crawler names them: /zwgk/tjxx/ is linked as 数据发布 and as the 统计信息 tab.
    assert [name for path, name in links.items() if path != "/zwgk/tjxx/" and name not in out] == []
    assert "统计信息" in out
    assert "首页栏目分区（14个）" in out


@needs_slice
def test_pingtan_accounts_without_a_feed_are_left_as_todo(pingtan_draft: Drafted) -> None:
    text = pingtan_draft.draft.read_text(encoding="utf-8")
    config = load_config(pingtan_draft.draft)
    # No unit list on the 政务公开 index: the portal itself is the one unit, its WeChat account commented out.
    assert [(u.kind, u.site) for u in config.units] == [("门户", pingtan_draft.base_url + "/zwgk/")]
    assert "# - {platform: wechat, name: 平潭发布, url: 订阅源地址}" in text
    out = pingtan_draft.result.stdout
    assert "微信账号“平潭发布”" in out and "需要订阅源地址" in out
    assert "“闽政通APP”是应用或小程序" in out


@needs_slice
def test_pingtan_boards_get_the_kinds_the_message_crawler_gives_their_names(pingtan_draft: Drafted) -> None:
    boards = {b.name: b.kind for b in load_config(pingtan_draft.draft).message_boards}
    assert boards == {"在线访谈": "interview", "网上调查": "survey", "民意征集": "survey"}


# --- navigation only scripts draw ------------------------------------------------------------------------------


def test_unit_lists_drawn_by_scripts_are_read_through_chromium(tmp_path: Path) -> None:
    home = (Path(__file__).parent / "fixtures" / "script_drawn_home.html").read_bytes()
    unit_page = "<html><head><title>{}</title></head><body><h1>{}</h1></body></html>"
    routes: dict[str, object] = {"/": home}
    for path, name in {"/xzjd/bhz/": "白鹤镇", "/xzjd/shx/": "沙河乡", "/bm/czj/": "县财政局"}.items():
        routes[path] = unit_page.format(name, name)
    out = tmp_path / "config.yaml"
    with FixtureServer(routes) as server:
        result = init("init", server.base_url + "/", "--out", str(out), "--delay", "0")
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    units = {(u.name, u.kind, u.site) for u in load_config(out).units}
    assert units == {("白鹤镇", "乡镇", server.base_url + "/xzjd/bhz/"), ("沙河乡", "乡镇", server.base_url + "/xzjd/shx/"),
                     ("县财政局", "部门", server.base_url + "/bm/czj/")}
    assert "1个页面的导航由脚本生成，已用浏览器读取" in result.stdout
