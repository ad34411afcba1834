"""Weibo through the m.weibo.cn JSON API, read by a logged-in browser context.

`api/container/getIndex?type=uid&value=UID` gives the profile (userInfo) and, in tabsInfo, the
containerid of the timeline (107603 + UID); `&containerid=…&page=N` gives timeline cards
(`card_type` 9 carries an `mblog`). Since 2025 calls without a session get HTTP 432; an expired
session gets `{"ok": -100, "url": "https://passport.weibo.cn/…"}`. Dates are relative to the moment
of reading ("刚刚", "昨天 12:30", "06-14"); see crawler.accounts.dates.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from crawler.accounts import health as H
from crawler.accounts.dates import parse_post_time
from crawler.accounts.model import AccountHarvest, AccountRef, PostRecord
from crawler.accounts.session import BrowserContextSession, Fetched
from crawler.accounts.text import html_to_text

_UID_IN_PATH = re.compile(r"/(?:u/|profile/|)(\d{5,})(?:[/?]|$)")
CHAT_WORDS = ("聊天", "私信", "发消息")


def uid_of(ref: AccountRef) -> str | None:
    """The numeric uid from config: `id`, or a weibo.com / m.weibo.cn profile or API URL."""
    if ref.id and ref.id.strip().isdigit():
        return ref.id.strip()
    if not ref.url:
        return None
    parts = urlsplit(ref.url)
    query = parse_qs(parts.query)
    for key in ("value", "uid"):
        if query.get(key, [""])[0].isdigit():
            return query[key][0]
    containerid = query.get("containerid", [""])[0]
    if containerid[:6] in ("100505", "107603", "230283") and containerid[6:].isdigit():
        return containerid[6:]
    match = _UID_IN_PATH.search(parts.path + ("?" if parts.query else ""))
    return match.group(1) if match else None


def is_weibo_api(ref: AccountRef, api_base: str) -> bool:
    """A weibo account read through the API (not through a feed bridge)."""
    if ref.platform != "weibo":
        return False
    if ref.url and not any(host in (urlsplit(ref.url).hostname or "") for host in
                           ("weibo.com", "weibo.cn", urlsplit(api_base).hostname or "")):
        return False
    return uid_of(ref) is not None


def _count(value: Any) -> int | None:
    """Counts are numbers or strings like "100万+"."""
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        match = re.match(r"^(\d+(?:\.\d+)?)(万|亿)?\+?$", value.strip())
        if match:
            return int(float(match[1]) * {"万": 10_000, "亿": 100_000_000}.get(match[2] or "", 1))
    return None


def _json(fetched: Fetched) -> tuple[dict[str, Any] | None, str | None, str | None]:
    """(data, health, detail): the parsed answer, or why there is none."""
    state = H.from_http(fetched.status) if fetched.error is None else H.SOURCE_ERROR
    if fetched.error:
        return None, state, f"网络错误 {fetched.error}"
    if state is not None:
        return None, state, f"HTTP {fetched.status}"
    try:
        data = json.loads(fetched.text)
    except json.JSONDecodeError:
        word = H.from_text(fetched.text, fetched.final_url)
        return None, word or H.SOURCE_ERROR, "返回的不是 JSON（可能是登录页或验证页）"
    if not isinstance(data, dict):
        return None, H.SOURCE_ERROR, "返回的 JSON 不是对象"
    if data.get("ok") == -100:
        return None, H.LOGIN_EXPIRED, f"ok: -100（需要登录）{data.get('url') or ''}".strip()
    word = H.from_text(str(data.get("msg") or ""), "")
    if data.get("ok") != 1 and word in (H.RATE_LIMITED, H.CLOSED):
        return None, word, str(data.get("msg"))
    return data, None, None


def posts_from_cards(cards: list[dict[str, Any]], fetched_at: datetime) -> list[PostRecord]:
    """Posts of a timeline page; card groups (card_type 11) are opened."""
    posts = []
    for card in cards:
        for inner in [card, *(card.get("card_group") or [])]:
            blog = inner.get("mblog") if inner.get("card_type") == 9 else None
            if not blog:
                continue
            bid = blog.get("bid") or blog.get("mid") or blog.get("id")
            posts.append(PostRecord(
                external_id=str(blog.get("id") or blog.get("mid")), published_at=parse_post_time(
                    blog.get("created_at"), fetched_at),
                text=html_to_text(blog.get("raw_text") or blog.get("text")) or None,
                url=f"https://m.weibo.cn/status/{bid}", raw_date=str(blog.get("created_at")),
                comments=_count(blog.get("comments_count")),
            ))
    return posts


def _interaction(user: dict[str, Any], posts: list[PostRecord]) -> tuple[bool | None, str | None]:
    menus = [m.get("name", "") for m in user.get("toolbar_menus") or [] if isinstance(m, dict)]
    if any(word in name for name in menus for word in CHAT_WORDS):
        return True, "主页提供“聊天”（私信）入口"
    if any((p.comments or 0) > 0 for p in posts):
        return True, "微博可评论（有评论）"
    return None, None


async def harvest_weibo(session: BrowserContextSession, ref: AccountRef, *, api_base: str, pages: int,
                        fetched_at: datetime) -> AccountHarvest:
    """Profile, then up to `pages` timeline pages; a refusal becomes the account's health."""
    base = api_base.rstrip("/")
    uid = uid_of(ref)
    result = AccountHarvest(ref, fetched_at, source="weibo_api", external_id=uid,
                            url=f"https://m.weibo.cn/u/{uid}")
    start = session.requests
    referer = f"{base}/u/{uid}"
    fetched = await session.get(f"{base}/api/container/getIndex?type=uid&value={uid}", referer=referer)
    data, state, detail = _json(fetched)
    if data is None:
        result.health, result.detail = state or H.SOURCE_ERROR, detail
        result.requests = session.requests - start
        return result
    user = (data.get("data") or {}).get("userInfo")
    if data.get("ok") != 1 or not user:
        msg = str(data.get("msg") or "")
        result.health = H.from_text(msg) if H.from_text(msg) in H.GONE else H.NOT_FOUND
        result.detail = msg or "平台未返回账号信息"
        result.requests = session.requests - start
        return result
    result.display_name = user.get("screen_name")
    result.posts_total = _count(user.get("statuses_count"))
    tabs = ((data.get("data") or {}).get("tabsInfo") or {}).get("tabs") or []
    containerid = next((str(t["containerid"]) for t in tabs if t.get("tab_type") == "weibo" and t.get("containerid")),
                       f"107603{uid}")
    for page in range(1, pages + 1):
        url = f"{base}/api/container/getIndex?type=uid&value={uid}&containerid={containerid}"
        fetched = await session.get(url + (f"&page={page}" if page > 1 else ""), referer=referer)
        data, state, detail = _json(fetched)
        if data is None:
            if page == 1:  # without the first page nothing can be said about the timeline
                result.health, result.detail = state or H.SOURCE_ERROR, detail
            else:
                result.detail = f"时间线第{page}页未能读取（{detail}），已用前{page - 1}页"
            break
        cards = (data.get("data") or {}).get("cards") or []
        found = posts_from_cards(cards, fetched_at)
        result.posts += found
        if not found:
            break
    result.interaction, result.interaction_evidence = _interaction(user, result.posts)
    result.requests = session.requests - start
    return result
