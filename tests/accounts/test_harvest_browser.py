"""The adapters harvest the real samples served on 127.0.0.1 through real chromium (Playwright).

Collector failures (cookieless 432, expired login, 418, spent budget) come back as health
states; accounts the platform says are gone come back as not_found/closed.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crawler.accounts import health as H
from crawler.accounts.dates import CHINA, parse_post_time
from crawler.accounts.harvest import account_refs, harvest_accounts
from crawler.accounts.model import AccountHarvest
from portalcheck.core.config import Config
from tests.servers import FixtureServer

from .fake_platforms import (
    ARTICLE_2018,
    EXPIRED_UID,
    FRESH_UID,
    MISSING_UID,
    THROTTLED_UID,
    wechat_server,
    weibo_server,
)
from .samples import WEIBO_UID

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"


def storage_state(path: Path) -> Path:
    """A Playwright storage state holding a Weibo session cookie for the loopback API."""
    cookie = {"name": "SUB", "value": "_2A25test", "domain": "127.0.0.1", "path": "/", "expires": -1,
              "httpOnly": True, "secure": False, "sameSite": "Lax"}
    path.write_text(json.dumps({"cookies": [cookie], "origins": []}), encoding="utf-8")
    return path


def make_config(tmp: Path, weibo: FixtureServer, wechat: FixtureServer, *, state: Path | None,
                budget: int = 300, units: list[dict[str, Any]] | None = None) -> Config:
    w, x = weibo.base_url, wechat.base_url
    units = units or [
        {"name": "沙河乡", "site": "http://127.0.0.1:9/shx/", "accounts": [
            {"platform": "weibo", "name": "沙河乡政务", "id": FRESH_UID},
            {"platform": "weibo", "name": "样本微博", "url": f"https://weibo.com/u/{WEIBO_UID}"},
            {"platform": "weibo", "name": "登录失效", "id": EXPIRED_UID},
            {"platform": "weibo", "name": "被限流", "id": THROTTLED_UID},
            {"platform": "weibo", "name": "已删除", "id": MISSING_UID}]},
        {"name": "团县委", "site": "http://127.0.0.1:9/txw/", "accounts": [
            {"platform": "wechat", "name": "青春房县", "url": f"{x}/wx/gqtzy.json"},
            {"platform": "wechat", "name": "青春房县（接口）", "url": f"{x}/wx/getmsg"},
            {"platform": "wechat", "name": "会话过期", "url": f"{x}/wx/expired"},
            {"platform": "wechat", "name": "栏目", "url": f"{x}/bm/wjj/gzh/"},
            {"platform": "wechat", "name": "健康青山", "url": f"{x}/feeds/fresh.xml"},
            {"platform": "wechat", "name": "无日期", "url": f"{x}/feeds/undated.xml"},
            {"platform": "toutiao", "name": "已关闭", "url": f"{x}/feeds/closed.xml"},
            {"platform": "wechat", "name": "封禁", "url": f"{x}/feeds/banned.html"},
            {"platform": "wechat", "name": "只有ID", "id": "gh_123"}]},
    ]
    return Config.model_validate({
        "portal": {"name": "房县人民政府门户网站", "home": "http://127.0.0.1:9/", "site_code": "4203250001"},
        "units": units,
        "crawl": {"chromium_path": CHROMIUM},
        "accounts": {"weibo_storage_state": str(state) if state else None, "weibo_api_base": w,
                     "request_spacing_seconds": {"weibo": 0.05, "wechat": 0.05, "feed": 0.0}, "jitter": 0.2,
                     "daily_budget": budget, "budget_file": str(tmp / "budget.json")},
    }).model_copy(update={"source": tmp / "config.yaml"})


def harvest(config: Config) -> dict[str, AccountHarvest]:
    async def collect() -> list[AccountHarvest]:
        return [h async for h in harvest_accounts(config, account_refs(config), chromium=CHROMIUM)]

    return {h.ref.name: h for h in asyncio.run(collect())}


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[FixtureServer, FixtureServer]]:
    now = datetime.now(UTC)
    dates = [email.utils.format_datetime(now - timedelta(days=d)) for d in (1, 3, 8)]
    with weibo_server() as weibo, wechat_server(dates) as wechat:
        yield weibo, wechat


@pytest.fixture(scope="module")
def logged_in(servers: tuple[FixtureServer, FixtureServer], tmp_path_factory: pytest.TempPathFactory
              ) -> dict[str, AccountHarvest]:
    tmp = tmp_path_factory.mktemp("harvest")
    return harvest(make_config(tmp, *servers, state=storage_state(tmp / "weibo.json")))


def test_weibo_with_a_session_reads_profile_and_timeline(logged_in: dict[str, AccountHarvest],
                                                         servers: tuple[FixtureServer, FixtureServer]) -> None:
    fresh = logged_in["沙河乡政务"]
    assert (fresh.health, fresh.source, fresh.external_id) == (H.OK, "weibo_api", FRESH_UID)
    assert fresh.display_name == "Dear-迪丽热巴" and fresh.posts_total == 1008 and len(fresh.posts) == 10
    assert fresh.fetched_at - fresh.newest < timedelta(minutes=1)  # "刚刚"
    assert fresh.interaction is True and "聊天" in fresh.interaction_evidence
    weibo, _ = servers
    assert weibo.count("/api/container/getIndex?type=uid&value=" + FRESH_UID) == 3  # profile, page 1, page 2


def test_year_less_sample_dates_are_read_relative_to_the_fetch_time(logged_in: dict[str, AccountHarvest]) -> None:
    sample = logged_in["样本微博"]
    assert sample.health == H.OK and sample.external_id == WEIBO_UID
    assert sample.newest == parse_post_time("06-14", sample.fetched_at)
    assert sample.newest <= sample.fetched_at and (sample.fetched_at - sample.newest).days < 366


def test_weibo_refusals_are_health_states(logged_in: dict[str, AccountHarvest]) -> None:
    assert logged_in["登录失效"].health == H.LOGIN_EXPIRED and "-100" in logged_in["登录失效"].detail
    assert logged_in["被限流"].health == H.RATE_LIMITED and logged_in["被限流"].detail == "HTTP 418"
    assert logged_in["已删除"].health == H.NOT_FOUND, logged_in["已删除"].detail
    assert logged_in["已删除"].detail == "用户不存在"
    assert all(not logged_in[n].posts for n in ("登录失效", "被限流", "已删除"))


def test_without_a_session_weibo_answers_432_and_nothing_is_judged(
        servers: tuple[FixtureServer, FixtureServer], tmp_path: Path) -> None:
    weibo, wechat = servers
    units = [{"name": "沙河乡", "site": "http://127.0.0.1:9/shx/", "accounts": [
        {"platform": "weibo", "name": "沙河乡政务", "id": FRESH_UID}]}]
    result = harvest(make_config(tmp_path, weibo, wechat, state=None, units=units))["沙河乡政务"]
    assert (result.health, result.detail, result.posts) == (H.RATE_LIMITED, "HTTP 432", [])
    assert H.is_alert(result.health)


def test_wechat_timelines_in_both_shapes(logged_in: dict[str, AccountHarvest]) -> None:
    for name in ("青春房县", "青春房县（接口）"):
        result = logged_in[name]
        assert (result.health, result.source, len(result.posts)) == (H.OK, "wechat_msg_list", 73)
        assert result.newest == datetime(2019, 9, 30, 6, 35, 8, tzinfo=CHINA)
    assert logged_in["会话过期"].health == H.LOGIN_EXPIRED


def test_unit_column_of_wechat_articles_reads_exact_times_from_article_pages(
        logged_in: dict[str, AccountHarvest]) -> None:
    result = logged_in["栏目"]
    assert (result.health, result.source) == (H.OK, "wechat_column")
    by_time = sorted(result.posts, key=lambda p: p.published_at, reverse=True)
    assert [p.published_at for p in by_time] == [datetime(2020, 2, 12, 22, 17, 54, tzinfo=CHINA),
                                                 datetime(2018, 12, 19, 18, 58, 45, tzinfo=CHINA)]
    assert by_time[1].title == "人生实苦，但请你足够相信" and len(by_time[1].text) > 1000
    assert result.display_name == "爱否科技" and result.interaction is True


def test_feeds_fresh_undated_closed_and_banned(logged_in: dict[str, AccountHarvest]) -> None:
    fresh = logged_in["健康青山"]
    assert (fresh.health, fresh.source, len(fresh.posts)) == (H.OK, "feed", 3)
    assert 0 < (fresh.fetched_at - fresh.newest).total_seconds() < 2 * 86400
    undated = logged_in["无日期"]
    assert undated.newest == datetime(2018, 12, 19, 18, 58, 45, tzinfo=CHINA)  # from the article page
    assert undated.posts[0].url.endswith(ARTICLE_2018)
    assert logged_in["已关闭"].health == H.NOT_FOUND and logged_in["已关闭"].detail == "HTTP 404"
    # Ban notices are read on the platforms' own hosts only: a unit's page is not judged by its words.
    assert logged_in["封禁"].health == H.SOURCE_ERROR
    assert logged_in["只有ID"].health == H.NO_SOURCE


def test_daily_budget_per_login_stops_requests_and_is_remembered(
        servers: tuple[FixtureServer, FixtureServer], tmp_path: Path) -> None:
    weibo, wechat = servers
    units = [{"name": "沙河乡", "site": "http://127.0.0.1:9/shx/", "accounts": [
        {"platform": "weibo", "name": f"账号{i}", "id": FRESH_UID} for i in range(3)]}]
    config = make_config(tmp_path, weibo, wechat, state=storage_state(tmp_path / "weibo.json"), budget=4,
                         units=units)
    first = harvest(config)
    assert [first[f"账号{i}"].health for i in range(3)] == [H.OK, H.BUDGET_EXHAUSTED, H.BUDGET_EXHAUSTED]
    saved = json.loads((tmp_path / "budget.json").read_text(encoding="utf-8"))
    assert list(saved.values())[0] == {"weibo:weibo.json": 4}
    again = harvest(config)  # the same day: nothing left for this login
    assert {h.health for h in again.values()} == {H.BUDGET_EXHAUSTED}
