"""WeChat official accounts: the `general_msg_list` timeline and article pages (mp.weixin.qq.com/s).

The timeline JSON (profile_ext?action=getmsg) wraps a JSON *string* `general_msg_list` holding
`{"list": [...]}`; tools that save it write one message per line (JSON Lines) or an array: all
three are accepted. A push (`comm_msg_info.datetime`) carries one or more articles.
Article pages print their time only in scripts (`var ct = "1581517074"`), the account name in
`#js_name` and the body in `#js_content`; `comment_id` is "0" when the account has no 留言.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import lxml.html

from crawler.accounts.dates import from_timestamp, parse_post_time
from crawler.accounts.model import PostRecord
from crawler.accounts.text import html_to_text

_VAR_RE = {name: re.compile(rf"var\s+{name}\s*=\s*(?P<value>[^;\n]+)") for name in
           ("ct", "msg_title", "nickname", "publish_time", "msg_link", "biz", "mid", "idx", "msg_desc")}
_COMMENT_ID_RE = re.compile(r"comment_id\s*=\s*(?P<value>[^;\n]+)")
_QUOTED = re.compile(r"\"((?:[^\"\\\\]|\\\\.)*)\"|'((?:[^'\\\\]|\\\\.)*)'")
WECHAT_ARTICLE_HOSTS = ("mp.weixin.qq.com",)
_TOKEN_PATH = re.compile(r"^/s/[\w-]{10,}$")


class NotAMessageList(ValueError):
    """The JSON is not a WeChat timeline."""


def _script_value(text: str, pattern: re.Pattern[str]) -> str | None:
    """The last non-empty string literal of `var x = "" || "" || "value"` (WeChat's template idiom)."""
    match = pattern.search(text)
    if not match:
        return None
    values = [a or b for a, b in _QUOTED.findall(match["value"]) if (a or b)]
    return html_lib.unescape(values[-1]) if values else None


def _messages(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, dict) and "general_msg_list" in data:
        inner = data["general_msg_list"]
        inner = json.loads(inner) if isinstance(inner, str) else inner
        return list(inner.get("list") or [])
    if isinstance(data, dict) and "list" in data:
        return _pushes(data["list"])
    if isinstance(data, dict) and "comm_msg_info" in data:
        return [data]
    if isinstance(data, list):
        return _pushes(data)
    raise NotAMessageList("没有 general_msg_list、list 或 comm_msg_info 字段")


def _pushes(items: Any) -> list[dict[str, Any]]:
    """Pushes of a bare list; a list of anything else (a bridge's list of feeds, an API's rows) is no timeline,
    or it would be read as an account that never posts."""
    messages = [m for m in items if isinstance(m, dict)] if isinstance(items, list) else []
    if items and not any("comm_msg_info" in m for m in messages):
        raise NotAMessageList("列表的条目都不含 comm_msg_info，不是公众号推送")
    return messages


def load_message_list(text: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The messages and the envelope (ret, can_msg_continue …) of a timeline answer."""
    stripped = text.strip()
    try:
        data = json.loads(stripped)
    except json.JSONDecodeError:
        try:
            data = [json.loads(line) for line in stripped.splitlines() if line.strip()]
        except json.JSONDecodeError as exc:
            raise NotAMessageList(f"不是有效的 JSON（{exc}）") from None
    envelope = data if isinstance(data, dict) else {}
    if envelope.get("ret") not in (None, 0) and "general_msg_list" not in envelope:
        return [], envelope  # a refusal (ret -3 "no session", -6 frequency control …): the caller decides
    return _messages(data), envelope


def _article_url(raw: str | None) -> str | None:
    if not raw:
        return None
    return html_lib.unescape(raw.replace("\\/", "/")).split("#")[0] or None


def article_id(url: str | None, fallback: str) -> str:
    """biz/mid/idx identify an article whatever the rest of its (signed) URL says."""
    if url:
        query = parse_qs(urlsplit(url).query)
        if query.get("mid") and query.get("idx"):
            return f"{query.get('__biz', [''])[0]}:{query['mid'][0]}:{query['idx'][0]}"
        return url[:500]
    return fallback


def posts_from_messages(messages: list[dict[str, Any]]) -> list[PostRecord]:
    """One post per article of every push (a push of 3 articles gives 3 posts, same time)."""
    posts: list[PostRecord] = []
    for message in messages:
        info = message.get("comm_msg_info") or {}
        when = from_timestamp(int(info["datetime"])) if info.get("datetime") else None
        ext = message.get("app_msg_ext_info")
        articles = [ext, *(ext.get("multi_app_msg_item_list") or [])] if ext else []
        if not articles and info.get("content"):  # a text-only push
            posts.append(PostRecord(external_id=f"msg:{info.get('id')}", published_at=when,
                                    text=info["content"], raw_date=str(info.get("datetime"))))
        for number, article in enumerate(articles, start=1):
            if article.get("del_flag") not in (None, 1):
                continue  # deleted by the publisher
            url = _article_url(article.get("content_url"))
            posts.append(PostRecord(
                external_id=article_id(url, f"msg:{info.get('id')}:{number}"), published_at=when,
                title=html_lib.unescape(article.get("title") or "") or None,
                text=article.get("digest") or None, url=url, raw_date=str(info.get("datetime")),
            ))
    return posts


@dataclass(slots=True)
class Article:
    """What an article page says about itself."""

    url: str
    title: str | None
    account: str | None
    published_at: datetime | None
    text: str
    comments_enabled: bool | None

    def post(self) -> PostRecord:
        return PostRecord(external_id=article_id(self.url, self.url), published_at=self.published_at,
                          title=self.title, text=self.text or None, url=self.url,
                          raw_date=self.published_at.isoformat() if self.published_at else None)


def is_article_page(text: str) -> bool:
    return "js_content" in text and ("var ct" in text or "msg_title" in text)


def parse_article(text: str, url: str, fetched_at: datetime) -> Article:
    """Title, account, exact time (`ct`, else `publish_time`), body and 留言 of an article page."""
    root = lxml.html.fromstring(text)
    ct = _script_value(text, _VAR_RE["ct"])
    published = from_timestamp(int(ct)) if ct and ct.isdigit() else parse_post_time(
        _script_value(text, _VAR_RE["publish_time"]), fetched_at)
    title = _script_value(text, _VAR_RE["msg_title"])
    if not title:
        nodes = root.xpath('//*[@id="activity-name"]')
        title = nodes[0].text_content().strip() if nodes else None
    names = root.xpath('//*[@id="js_name"]')
    account = names[0].text_content().strip() if names else None
    account = account or _script_value(text, _VAR_RE["nickname"])
    body_nodes = root.xpath('//*[@id="js_content"]')
    body = html_to_text(lxml.html.tostring(body_nodes[0], encoding="unicode")) if body_nodes else ""
    comment_id = _script_value(text, _COMMENT_ID_RE)
    comments = None if comment_id is None else comment_id.strip() not in ("", "0")
    return Article(url, title, account, published, body, comments)


def is_article_link(url: str) -> bool:
    """mp.weixin.qq.com/s?__biz=… or /s/<token>, wherever it is served (mirrors, test servers)."""
    parts = urlsplit(url)
    if parts.hostname in WECHAT_ARTICLE_HOSTS and parts.path.startswith("/s"):
        return True
    return (parts.path == "/s" and "__biz=" in parts.query) or bool(_TOKEN_PATH.match(parts.path))


def column_article_links(text: str, base_url: str, limit: int) -> list[tuple[str, str | None]]:
    """(url, raw date) of the articles a unit's own column lists, WeChat links first, in page order."""
    root = lxml.html.fromstring(text)
    seen: dict[str, str | None] = {}
    for anchor in root.xpath("//a[@href]"):
        url = urljoin(base_url, anchor.get("href").strip())
        if is_article_link(url) and url not in seen:
            parent = anchor.getparent()
            row_text = parent.text_content() if parent is not None else ""
            match = re.search(r"\d{4}-\d{1,2}-\d{1,2}", row_text)
            seen[url] = match.group(0) if match else None
    return list(seen.items())[:limit]
