"""The demo's stand-in for the m.weibo.cn JSON API (`accounts.weibo_api_base` points here).

It answers like the real API: a profile with its timeline containerid, timeline pages of
`card_type 9` cards whose `created_at` is written the way Weibo writes it relative to the moment
of the request ("刚刚", "5分钟前", "3小时前", "昨天 12:30", "06-14", "2024-06-14"), `{"ok": 0,
"msg": "用户不存在"}` for a closed account and HTTP 432 for the account the demo shows blocked.
Unlike the real API it does not insist on a logged-in cookie: the demo has no Weibo login.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable

from .model import Account

CST = dt.timezone(dt.timedelta(hours=8))
JSON = "application/json; charset=utf-8"


def created_at(when: dt.datetime, now: dt.datetime) -> str:
    """Weibo's own relative wording of a post time."""
    age = now - when
    if age < dt.timedelta(minutes=1):
        return "刚刚"
    if age < dt.timedelta(hours=1):
        return f"{int(age.total_seconds() // 60)}分钟前"
    if when.date() == now.date():
        return f"{int(age.total_seconds() // 3600)}小时前"
    if when.date() == now.date() - dt.timedelta(days=1):
        return f"昨天 {when:%H:%M}"
    return f"{when:%m-%d}" if when.year == now.year else f"{when:%Y-%m-%d}"


def profile(acc: Account) -> dict:
    return {"ok": 1, "data": {
        "userInfo": {"id": int(acc.uid or 0), "screen_name": acc.name, "statuses_count": len(acc.posts),
                     "verified": True, "verified_reason": f"{acc.unit.name}官方微博",
                     "toolbar_menus": [{"type": "link", "name": "聊天"}]},
        "tabsInfo": {"tabs": [{"tab_type": "profile", "containerid": f"230283{acc.uid}"},
                              {"tab_type": "weibo", "containerid": f"107603{acc.uid}"}]}}}


def timeline(acc: Account, now: dt.datetime) -> dict:
    cards = []
    for title, when in acc.posts:
        mid = str(int(hashlib.sha1(f"{acc.uid}{when.isoformat()}".encode()).hexdigest()[:12], 16))
        cards.append({"card_type": 9, "mblog": {
            "id": mid, "mid": mid, "bid": mid[:9], "created_at": created_at(when.replace(tzinfo=CST), now),
            "text": f"【{title}】详情请关注{acc.name}。", "comments_count": 2, "reposts_count": 1}})
    return {"ok": 1, "data": {"cards": cards, "cardlistInfo": {"page": None}}}


def api_handler(accounts: list[Account], respond: Callable[[int, bytes, str], object]) -> Callable:
    """GET /weibo/api/container/getIndex?type=uid&value=UID[&containerid=…][&page=N]."""
    by_uid = {a.uid: a for a in accounts if a.uid}

    def handle(query: dict[str, list[str]]) -> object:
        uid = query.get("value", [""])[0]
        acc = by_uid.get(uid)
        if acc is not None and acc.state == "blocked":
            return respond(432, b"", "text/html")
        if acc is None or acc.state == "closed":
            body = {"ok": 0, "msg": "用户不存在"}
        elif "containerid" not in query:
            body = profile(acc)
        elif query.get("page", ["1"])[0] == "1":
            body = timeline(acc, dt.datetime.now(CST))
        else:
            body = {"ok": 0, "msg": "这里还没有内容", "data": {"cards": []}}
        return respond(200, json.dumps(body, ensure_ascii=False).encode("utf-8"), JSON)

    return handle
