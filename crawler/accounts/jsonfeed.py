"""JSON Feed 1.0 / 1.1 (https://jsonfeed.org): what wewe-rss serves at /feeds/<mp id>.json.

feedparser reads RSS and Atom only, and a JSON body would otherwise be taken for a WeChat
`general_msg_list` timeline; a JSON Feed names itself by its `version` URL, so it is told apart
before that. Items become the same PostRecords as RSS/Atom items (crawler.accounts.feed.Feed).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from crawler.accounts.dates import parse_post_time
from crawler.accounts.feed import Feed, NotAFeed
from crawler.accounts.model import PostRecord
from crawler.accounts.text import html_to_text

VERSION_PREFIX = "https://jsonfeed.org/version/"
# wewe-rss (npm `feed`) writes only date_modified, holding the publish time; the spec's own field comes first.
DATE_KEYS = ("date_published", "date_modified")
BODY_KEYS = ("content_html", "content_text", "summary")


def _load(text: str) -> Any:
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return None


def json_feed_version(data: Any) -> str | None:
    """"1", "1.1" … when `data` is a JSON Feed object, else None."""
    if isinstance(data, dict) and isinstance(data.get("version"), str):
        version = data["version"].strip()
        if version.rstrip("/").startswith(VERSION_PREFIX.rstrip("/")):
            return version.rstrip("/").rsplit("/", 1)[-1]
    return None


def looks_like_json_feed(text: str) -> bool:
    stripped = text.lstrip()
    return stripped.startswith("{") and "jsonfeed.org/version" in stripped[:4000] and \
        json_feed_version(_load(stripped)) is not None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _post(item: dict[str, Any], fetched_at: datetime) -> PostRecord:
    raw_date = next((_text(item.get(key)) for key in DATE_KEYS if _text(item.get(key))), None)
    link = _text(item.get("url")) or _text(item.get("external_url"))
    body = next((_text(item.get(key)) for key in BODY_KEYS if _text(item.get(key))), None)
    ident = item.get("id")
    ident = str(ident) if ident not in (None, "") else (
        link or hashlib.sha1(f"{item.get('title')}|{body}".encode()).hexdigest())
    return PostRecord(external_id=ident[:500], published_at=parse_post_time(raw_date, fetched_at),
                      title=html_to_text(_text(item.get("title"))) or None, text=html_to_text(body) or None,
                      url=link, raw_date=raw_date)


def parse_json_feed(text: str, fetched_at: datetime) -> Feed:
    """Items of a JSON Feed, in the feed's order; raises NotAFeed for anything else."""
    data = _load(text.strip())
    if json_feed_version(data) is None:
        raise NotAFeed("not a JSON Feed (no https://jsonfeed.org/version/… in `version`)")
    items = data.get("items")
    if not isinstance(items, list):
        raise NotAFeed("JSON Feed without an `items` list")
    posts = [_post(item, fetched_at) for item in items if isinstance(item, dict)]
    return Feed(_text(data.get("title")), posts, None)
