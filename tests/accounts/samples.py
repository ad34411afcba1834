"""The real samples (tests/accounts/fixtures) and variations built from them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

FIXTURES = Path(__file__).resolve().parent / "fixtures"
WEIBO_UID = "1669879400"


def raw(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def text(name: str) -> str:
    return raw(name).decode("utf-8")


def weibo_profile() -> dict[str, Any]:
    return json.loads(raw("weibo_getIndex_userInfo.json"))


def weibo_cards() -> dict[str, Any]:
    return json.loads(raw("weibo_getIndex_cards1.json"))


def weibo_cards_dated(created_at: list[str]) -> bytes:
    """The real timeline page with its `created_at` values replaced (newest first)."""
    data = weibo_cards()
    for card, value in zip(data["data"]["cards"], created_at, strict=False):
        card["mblog"]["created_at"] = value
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def wechat_envelope() -> bytes:
    """The JSON Lines sample wrapped as profile_ext?action=getmsg answers it (general_msg_list is a string)."""
    items = [json.loads(line) for line in text("wechat_general_msg_list_gqtzy.jsonl").splitlines() if line.strip()]
    inner = json.dumps({"list": items}, ensure_ascii=False)
    return json.dumps({"ret": 0, "errmsg": "ok", "msg_count": len(items), "can_msg_continue": 1,
                       "general_msg_list": inner, "next_offset": 30}, ensure_ascii=False).encode("utf-8")


def rss(title: str, items: list[tuple[str, str, str]], comments: bool = False) -> str:
    """RSS 2.0 like we-mp-rss / RSSHub write it: (title, link, RFC 822 date) newest first."""
    body = "".join(
        f"<item><title>{t}</title><link>{escape(link)}</link><guid>{escape(link)}</guid><pubDate>{d}</pubDate>"
        f"<description><![CDATA[<p>{t}</p>]]></description>"
        + (f"<comments>{escape(link)}#comments</comments>" if comments else "") + "</item>"
        for t, link, d in items)
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>http://example.invalid/</link>{body}</channel></rss>")
