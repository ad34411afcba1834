"""Loopback stand-ins for m.weibo.cn and for WeChat sources, serving the real samples.

The Weibo API answers like the real one since 2025: HTTP 432 without a session cookie,
`{"ok": -100}` for a session that expired, 418 when it throttles, `{"ok": 0}` for no such user.
"""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.servers import FixtureServer, send

from .samples import WEIBO_UID, raw, rss, wechat_envelope, weibo_cards_dated, weibo_profile

FRESH_UID, EXPIRED_UID, THROTTLED_UID, MISSING_UID = "3000000001", "3000000002", "3000000003", "3000000004"
JSON = "application/json; charset=utf-8"


def _json(handler: BaseHTTPRequestHandler, data: Any, status: int = 200) -> None:
    send(handler, status, json.dumps(data, ensure_ascii=False), content_type=JSON)


def weibo_server() -> FixtureServer:
    profile = weibo_profile()
    fresh_profile = json.loads(json.dumps(profile).replace(WEIBO_UID, FRESH_UID))
    timelines = {
        WEIBO_UID: raw("weibo_getIndex_cards1.json"),  # untouched: "06-14" … "06-01"
        FRESH_UID: weibo_cards_dated(["刚刚", "5分钟前", "3小时前", "昨天 12:30", "前天 09:00"]),
    }

    def get_index(handler: BaseHTTPRequestHandler) -> None:
        if "SUB=" not in (handler.headers.get("Cookie") or ""):
            send(handler, 432, "", content_type="text/html")
            return
        query = {k: v[0] for k, v in parse_qs(urlsplit(handler.path).query).items()}
        uid = query.get("value", "")
        if uid == EXPIRED_UID:
            _json(handler, {"ok": -100, "url": "https://passport.weibo.cn/signin/welcome?entry=mweibo&r=x"})
        elif uid == THROTTLED_UID:
            send(handler, 418, "", content_type="text/html")
        elif uid not in timelines:
            _json(handler, {"ok": 0, "msg": "用户不存在"})
        elif "containerid" not in query:
            _json(handler, profile if uid == WEIBO_UID else fresh_profile)
        elif query.get("page", "1") == "1":
            send(handler, 200, timelines[uid], content_type=JSON)
        else:
            _json(handler, {"ok": 0, "msg": "这里还没有内容", "data": {"cards": []}})

    def config(handler: BaseHTTPRequestHandler) -> None:
        _json(handler, {"ok": 1, "data": {"login": "SUB=" in (handler.headers.get("Cookie") or "")}})

    return FixtureServer({"/api/container/getIndex": get_index, "/api/config": config})


ARTICLE_2018 = "/s?__biz=MzI5MTQxOTI0Mw==&mid=2247484456&idx=1&sn=9717e0d313c579de30d2ec7574122ece"
ARTICLE_2020 = "/s?__biz=MjM5NzE1NTMyNg==&mid=2650934104&idx=1&sn=0"


def wechat_server(fresh_dates: list[str]) -> FixtureServer:
    """WeChat timelines, article pages, a unit's column of articles, bridge feeds."""
    articles = {ARTICLE_2018: raw("wechat_article_2018.htm"), ARTICLE_2020: raw("wechat_article_2020.html")}

    def article(handler: BaseHTTPRequestHandler) -> None:
        body = articles.get(handler.path)
        send(handler, 200 if body else 404, body or "")

    server = FixtureServer({})
    base = server.base_url
    column = ("<html><body><ul class='nav'><a href='/'>首页</a></ul><ul class='list'>"
              f"<li><a href='{base}{ARTICLE_2020}'>三星发布</a><span>2020-02-12</span></li>"
              f"<li><a href='{ARTICLE_2018}'>人生实苦</a><span>2018-12-19</span></li></ul></body></html>")
    server.routes.update({
        "/wx/gqtzy.json": raw("wechat_general_msg_list_gqtzy.jsonl"),
        "/wx/getmsg": lambda h: send(h, 200, wechat_envelope(), content_type=JSON),
        "/wx/expired": lambda h: _json(h, {"ret": -3, "errmsg": "no session", "cookie_count": 0}),
        "/s": article,
        "/bm/wjj/gzh/": column,
        "/feeds/fresh.xml": rss("健康青山", [(f"第{i}条", f"https://mp.weixin.qq.com/s/tok{i:012d}", d)
                                            for i, d in enumerate(fresh_dates)]),
        "/feeds/undated.xml": rss("军渡", [("人生实苦", base + ARTICLE_2018, "")]),
        "/feeds/banned.html": "<html><body><p>此帐号已被封禁，内容无法查看</p></body></html>",
    })
    return server
