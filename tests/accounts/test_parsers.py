"""Adapters' parsing on the real samples: Weibo cards, WeChat timelines and articles, feeds."""

from __future__ import annotations

from datetime import datetime

import pytest

from crawler.accounts import health as H
from crawler.accounts.dates import CHINA
from crawler.accounts.feed import NotAFeed, looks_like_feed, parse_feed
from crawler.accounts.model import AccountRef
from crawler.accounts.wechat import load_message_list, parse_article, posts_from_messages
from crawler.accounts.weibo import posts_from_cards, uid_of

from .samples import rss, text, wechat_envelope, weibo_cards

READ_2019 = datetime(2019, 6, 20, 12, tzinfo=CHINA)


def test_weibo_timeline_sample_gives_ten_posts_with_2019_dates() -> None:
    posts = posts_from_cards(weibo_cards()["data"]["cards"], READ_2019)
    assert len(posts) == 10
    assert [p.raw_date for p in posts[:3]] == ["06-14", "06-14", "06-11"]
    assert max(p.published_at for p in posts) == datetime(2019, 6, 14, tzinfo=CHINA)
    assert min(p.published_at for p in posts) == datetime(2019, 6, 1, tzinfo=CHINA)
    first = posts[0]
    assert first.external_id == "4383183661430868" and first.url == "https://m.weibo.cn/status/HyTZc60ew"
    assert first.text.startswith("搬完这块砖") and "[偷笑]" in first.text and "<" not in first.text
    assert any(p.comments == 1_000_000 for p in posts)  # "100万+"


@pytest.mark.parametrize(("url", "uid"), [
    ("https://weibo.com/u/1669879400", "1669879400"),
    ("https://weibo.com/1669879400?refer_flag=1", "1669879400"),
    ("https://m.weibo.cn/u/1669879400?uid=1669879400&luicode=10000011", "1669879400"),
    ("https://m.weibo.cn/profile/1669879400", "1669879400"),
    ("https://m.weibo.cn/api/container/getIndex?type=uid&value=1669879400", "1669879400"),
    ("https://m.weibo.cn/p/index?containerid=1076031669879400", "1669879400"),
    ("https://weibo.com/qingshanxian", None),
])
def test_weibo_uid_from_config_urls(url: str, uid: str | None) -> None:
    assert uid_of(AccountRef("沙河乡", "weibo", "沙河乡政务", url=url)) == uid


def test_wechat_timeline_json_lines_sample() -> None:
    messages, envelope = load_message_list(text("wechat_general_msg_list_gqtzy.jsonl"))
    posts = posts_from_messages(messages)
    assert (len(messages), len(posts), envelope) == (30, 73, {})
    assert max(p.published_at for p in posts) == datetime(2019, 9, 30, 6, 35, 8, tzinfo=CHINA)
    assert min(p.published_at for p in posts) == datetime(2019, 9, 24, 10, 41, 17, tzinfo=CHINA)
    assert posts[0].url.startswith("http://mp.weixin.qq.com/s?__biz=MzA3NTE5MzQzMA==&mid=2655077856&idx=1")
    assert posts[0].external_id == "MzA3NTE5MzQzMA==:2655077856:1"
    assert len({p.external_id for p in posts}) == 73


def test_wechat_timeline_in_its_getmsg_envelope_gives_the_same_posts() -> None:
    messages, envelope = load_message_list(wechat_envelope().decode("utf-8"))
    assert envelope["ret"] == 0 and len(posts_from_messages(messages)) == 73


@pytest.mark.parametrize(("name", "title", "account", "when"), [
    ("wechat_article_2018.htm", "人生实苦，但请你足够相信", "军渡君", datetime(2018, 12, 19, 18, 58, 45, tzinfo=CHINA)),
    ("wechat_article_2020.html", "三星 Galaxy S20 系列手机正式发布", "爱否科技",
     datetime(2020, 2, 12, 22, 17, 54, tzinfo=CHINA)),
])
def test_wechat_article_pages_give_exact_time_account_title_and_body(name: str, title: str, account: str,
                                                                       when: datetime) -> None:
    article = parse_article(text(name), "https://mp.weixin.qq.com/s?__biz=X&mid=1&idx=1", READ_2019)
    assert (article.title, article.account, article.published_at) == (title, account, when)
    assert len(article.text) > 1000 and article.comments_enabled is True


def test_wechat_article_without_comment_id_shows_no_message_function() -> None:
    page = text("wechat_article_2018.htm").replace('comment_id = "597685887488573440" || "597685887488573440" * 1',
                                                   'comment_id = "0" || "0" * 1')
    assert parse_article(page, "https://mp.weixin.qq.com/s/x", READ_2019).comments_enabled is False


def test_rss_and_atom_feeds() -> None:
    feed = parse_feed(rss("健康青山", [("通知", "https://mp.weixin.qq.com/s/a", "Mon, 30 Dec 2024 10:00:00 +0800")],
                          comments=True), READ_2019)
    assert feed.title == "健康青山" and feed.interaction is True
    assert feed.posts[0].published_at == datetime(2024, 12, 30, 10, tzinfo=CHINA)
    atom = ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>青山发布</title>'
            '<entry><title>要闻</title><id>tag:1</id><link href="https://www.toutiao.com/a1/"/>'
            '<updated>2024-12-30T02:00:00Z</updated><summary>&lt;b&gt;正文&lt;/b&gt;</summary></entry></feed>')
    parsed = parse_feed(atom, READ_2019)
    assert looks_like_feed(atom) and parsed.title == "青山发布" and parsed.interaction is None
    post = parsed.posts[0]
    assert (post.external_id, post.url, post.text) == ("tag:1", "https://www.toutiao.com/a1/", "正文")
    assert post.published_at == datetime(2024, 12, 30, 10, tzinfo=CHINA)
    with pytest.raises(NotAFeed):
        parse_feed("<html><body>不是订阅源</body></html>", READ_2019)


def test_health_from_answers() -> None:
    assert H.from_http(432) == H.from_http(418) == H.from_http(429) == H.RATE_LIMITED
    assert H.from_http(404) == H.NOT_FOUND and H.from_http(200) is None and H.from_http(503) == H.SOURCE_ERROR
    assert H.from_text("", "https://passport.weibo.cn/signin/welcome?entry=mweibo") == H.LOGIN_EXPIRED
    assert H.from_text("<p>此帐号已被封禁</p>") == H.CLOSED
    assert H.from_text("请求过于频繁，请稍后再试") == H.RATE_LIMITED
    assert H.is_alert(H.RATE_LIMITED) and not H.is_alert(H.NOT_FOUND) and not H.is_alert(H.OK)
