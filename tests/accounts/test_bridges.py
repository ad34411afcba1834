"""WeChat-to-RSS bridges a county self-hosts: wewe-rss (.atom, .rss, JSON Feed .json) and we-mp-rss (.rss).

The samples in fixtures/bridge_*.* are written after each bridge's output (see fixtures/SOURCES.md):
wewe-rss writes UTC (`2026-12-02T10:30:00.000Z`, `GMT`), we-mp-rss writes Beijing time (`+0800`). They are
read at one fixed moment, READ; 青山发布 last posted the evening before, 青山市场监管 twenty days before.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from checks import run_checks
from crawler.accounts import health as H
from crawler.accounts.dates import CHINA
from crawler.accounts.feed import NotAFeed, looks_like_feed, parse_feed
from crawler.accounts.harvest import account_refs, harvest_accounts
from crawler.accounts.jsonfeed import json_feed_version, looks_like_json_feed, parse_json_feed
from crawler.accounts.model import AccountHarvest
from crawler.accounts.wechat import NotAMessageList, load_message_list
from portalcheck.core.config import Config
from storage.models import Finding
from storage.session import Store
from tests.servers import FixtureServer, send

from .samples import text
from .test_checks_and_table import Harvests

READ = datetime(2026, 12, 3, 12, 0, tzinfo=CHINA)
WEWE = "MP_WXS_3941646452"
WE_MP = "MP_WXS_3078361433"
WEWE_TITLES = ["青山县召开2026年冬季森林防火工作部署会", "关于开展2027年度城乡居民基本医疗保险集中参保缴费工作的通告",
               "县十八届人大常委会第三十次会议召开", "即日起，县城公交2路、5路线路调整"]
WEWE_IDS = ["q3Xv8LmNpR2sT5wYzA7bCd", "Hk9JmP2rQ4tV6xZ1aC3eFg", "Lp5NqS7uW9yB2dF4hJ6kMn", "Ty1Uv3Wx5Za7Bc9De2Fg4H"]
# Beijing time; the last one is 2026-11-24T23:45Z in the feed: a UTC date one day early.
WEWE_TIMES = [datetime(2026, 12, 2, 18, 30, tzinfo=CHINA), datetime(2026, 12, 1, 9, 15, tzinfo=CHINA),
              datetime(2026, 11, 28, 20, 5, tzinfo=CHINA), datetime(2026, 11, 25, 7, 45, tzinfo=CHINA)]
# What wewe-rss's GET /feeds answers (its list of subscribed accounts): JSON, but no feed and no timeline.
WEWE_FEED_LIST = json.dumps([{"id": WEWE, "mpName": "青山发布", "mpCover": "https://mmbiz.qpic.cn/x/0",
                              "mpIntro": "青山县人民政府新闻办公室官方微信公众号", "status": 1,
                              "syncTime": 1796211000, "updateTime": 1796211000}], ensure_ascii=False)


def wewe_parse(name: str) -> Any:
    body = text(name)
    return parse_json_feed(body, READ) if name.endswith(".json") else parse_feed(body, READ)


@pytest.mark.parametrize("name", ["bridge_wewe_rss.atom", "bridge_wewe_rss.rss", "bridge_wewe_rss.json"])
def test_wewe_rss_atom_rss_and_json_feed_give_the_same_posts_in_beijing_time(name: str) -> None:
    feed = wewe_parse(name)
    assert feed.title == "青山发布" and feed.interaction is None
    assert [p.title for p in feed.posts] == WEWE_TITLES
    assert [p.published_at for p in feed.posts] == WEWE_TIMES
    assert [p.published_at.date().isoformat() for p in feed.posts][-1] == "2026-11-25"
    assert [p.url for p in feed.posts] == [f"https://mp.weixin.qq.com/s/{i}" for i in WEWE_IDS]
    # Atom's <id> and JSON's "id" are the bare article id; RSS's <guid> is the link.
    expected = [f"https://mp.weixin.qq.com/s/{i}" for i in WEWE_IDS] if name.endswith(".rss") else WEWE_IDS
    assert [p.external_id for p in feed.posts] == expected


def test_wewe_rss_fulltext_atom_keeps_the_article_text_without_its_stylesheet() -> None:
    first = wewe_parse("bridge_wewe_rss.atom").posts[0]
    assert first.text.startswith("12月2日下午，青山县召开2026年冬季森林防火工作部署会。")
    assert "font-size" not in first.text and "<" not in first.text
    assert wewe_parse("bridge_wewe_rss.json").posts[0].text is None  # summary mode: no body at all


def test_we_mp_rss_feed_reads_beijing_dates_titles_links_and_content_encoded() -> None:
    body = text("bridge_we_mp_rss.rss")
    assert looks_like_feed(body) and not looks_like_json_feed(body)
    feed = parse_feed(body, READ)
    assert feed.title == "青山市场监管" and len(feed.posts) == 3
    first = feed.posts[0]
    assert first.title == "青山县市场监督管理局关于2026年第三季度食品安全监督抽检情况的通告"
    assert first.published_at == datetime(2026, 11, 13, 17, 20, tzinfo=CHINA)
    assert first.raw_date == "Fri, 13 Nov 2026 17:20:00 +0800"
    assert first.url == first.external_id == "https://mp.weixin.qq.com/s/Ab3De5Fg7Hi9Jk1Lm3No5P"
    assert first.text.startswith("根据《中华人民共和国食品安全法》") and "<" not in first.text  # content:encoded
    assert [p.published_at.date().isoformat() for p in feed.posts] == ["2026-11-13", "2026-11-06", "2026-10-30"]


def test_older_we_mp_rss_dates_without_a_zone_are_beijing_time() -> None:
    """Releases before the +08:00 fix formatted a naive local time with %z: nothing after the seconds."""
    body = text("bridge_we_mp_rss.rss").replace("17:20:00 +0800", "17:20:00 ")
    assert parse_feed(body, READ).posts[0].published_at == datetime(2026, 11, 13, 17, 20, tzinfo=CHINA)


def test_json_feed_1_1_prefers_date_published_and_reads_content_html() -> None:
    body = json.dumps({
        "version": "https://jsonfeed.org/version/1.1", "title": "青山发布", "language": "zh-CN",
        "items": [{"id": "1", "url": "https://mp.weixin.qq.com/s/a", "title": "<b>通知</b>",
                   "content_html": "<p>正文&amp;附件</p>", "date_published": "2026-12-02T18:30:00+08:00",
                   "date_modified": "2026-12-03T01:00:00Z", "authors": [{"name": "青山县融媒体中心"}]},
                  {"id": 2, "content_text": "纯文本", "date_modified": "2026-12-01T09:15:00+08:00"},
                  {"title": "无日期", "external_url": "https://www.qingshan.gov.cn/a.html"}, "not an item"],
    }, ensure_ascii=False)
    assert looks_like_json_feed(body) and json_feed_version(json.loads(body)) == "1.1"
    first, second, third = parse_json_feed(body, READ).posts
    assert (first.title, first.text, first.published_at) == ("通知", "正文&附件", WEWE_TIMES[0])
    assert (second.external_id, second.text, second.published_at) == ("2", "纯文本", WEWE_TIMES[1])
    assert third.published_at is None and third.url == third.external_id == "https://www.qingshan.gov.cn/a.html"


def test_json_that_is_neither_a_json_feed_nor_a_timeline_is_refused_not_read_as_silence() -> None:
    for body in (WEWE_FEED_LIST, '{"version": "2.0", "items": []}', '{"statusCode": 400, "message": "不存在该feed！"}'):
        assert not looks_like_json_feed(body)
        with pytest.raises(NotAFeed):
            parse_json_feed(body, READ)
    with pytest.raises(NotAMessageList):  # before: a list of feeds was a timeline of zero posts
        load_message_list(WEWE_FEED_LIST)
    with pytest.raises(NotAFeed, match="items"):
        parse_json_feed('{"version": "https://jsonfeed.org/version/1", "title": "x"}', READ)
    assert not looks_like_json_feed(text("wechat_general_msg_list_gqtzy.jsonl"))
    messages, _ = load_message_list('{"list": []}')  # a real timeline page may be empty
    assert messages == []


def bridge_server() -> FixtureServer:
    """wewe-rss and we-mp-rss on one loopback port, with their Content-Types."""
    def serve(name: str, content_type: str) -> Any:
        return lambda handler: send(handler, 200, text(name), content_type=content_type)

    return FixtureServer({
        f"/feeds/{WEWE}.atom": serve("bridge_wewe_rss.atom", "application/atom+xml; charset=utf-8"),
        f"/feeds/{WEWE}.rss": serve("bridge_wewe_rss.rss", "application/rss+xml; charset=utf-8"),
        f"/feeds/{WEWE}.json": serve("bridge_wewe_rss.json", "application/feed+json; charset=utf-8"),
        f"/feed/{WE_MP}.rss": serve("bridge_we_mp_rss.rss", "application/xml"),
        "/feeds": lambda handler: send(handler, 200, WEWE_FEED_LIST, content_type="application/json; charset=utf-8"),
    })


def bridge_config(tmp: Path, base: str) -> Config:
    return Config.model_validate({
        "portal": {"name": "青山县人民政府门户网站", "home": "http://127.0.0.1:9/", "site_code": "4300000001"},
        "units": [
            {"name": "县政府办公室", "site": "http://127.0.0.1:9/zfb/", "accounts": [
                {"platform": "wechat", "name": "青山发布", "url": f"{base}/feeds/{WEWE}.atom"},
                {"platform": "wechat", "name": "青山发布（RSS）", "url": f"{base}/feeds/{WEWE}.rss?limit=30&page=1"},
                {"platform": "wechat", "name": "青山发布（JSON）", "url": f"{base}/feeds/{WEWE}.json?limit=30"},
                {"platform": "wechat", "name": "填错地址", "url": f"{base}/feeds"}]},
            {"name": "县市场监督管理局", "site": "http://127.0.0.1:9/scjg/", "accounts": [
                {"platform": "wechat", "name": "青山市场监管", "url": f"{base}/feed/{WE_MP}.rss?limit=30&offset=0"}]},
        ],
        "crawl": {"chromium_path": "/usr/bin/chromium"},
        "accounts": {"request_spacing_seconds": {"weibo": 0.05, "wechat": 0.05, "feed": 0.0}, "jitter": 0.2,
                     "budget_file": str(tmp / "budget.json")},
    }).model_copy(update={"source": tmp / "config.yaml"})


@pytest.mark.browser
def test_bridges_served_on_loopback_are_harvested_and_judged(tmp_path: Path, store: Store) -> None:
    with bridge_server() as server:
        config = bridge_config(tmp_path, server.base_url)

        async def collect() -> list[AccountHarvest]:
            return [h async for h in harvest_accounts(config, account_refs(config), chromium="/usr/bin/chromium",
                                                      clock=lambda: READ.astimezone(UTC))]

        harvests = asyncio.run(collect())
        assert ("GET", f"/feeds/{WEWE}.json?limit=30") in server.log  # paging parameters reach the bridge
    got = {h.ref.name: h for h in harvests}
    for name in ("青山发布", "青山发布（RSS）", "青山发布（JSON）"):
        result = got[name]
        assert (result.health, result.source, result.display_name) == (H.OK, "feed", "青山发布"), result.detail
        assert [p.title for p in result.posts] == WEWE_TITLES and result.newest == WEWE_TIMES[0]
    stale = got["青山市场监管"]
    assert (stale.health, stale.display_name, len(stale.posts)) == (H.OK, "青山市场监管", 3)
    assert stale.newest == datetime(2026, 11, 13, 17, 20, tzinfo=CHINA)
    wrong = got["填错地址"]
    assert wrong.health == H.SOURCE_ERROR and not wrong.posts
    assert wrong.detail.startswith("无法识别的 JSON：既不是 JSON Feed 也不是公众号消息列表")

    Harvests(store).run(harvests, READ.astimezone(UTC))
    report = run_checks(store, config, READ.astimezone(UTC), only=["account.not_updated"])
    with store.session() as session:
        findings = {f.evidence["account"]: f.detail for f in session.query(Finding)}
    assert set(findings) == {"青山市场监管"}
    assert findings["青山市场监管"] == "微信公众号“青山市场监管”最近发布于2026-11-13，已20天未更新（监测时间点前14天内应有更新）"
    reasons = [n.reason for n in report.not_checked if n.rule == "account.not_updated"]
    assert reasons == ["微信公众号“填错地址”未能采集（采集来源出错：无法识别的 JSON：既不是 JSON Feed 也不是公众号消息列表"
                       "（列表的条目都不含 comm_msg_info，不是公众号推送）），未检查"]
