"""RSS 2.0 and Atom: self-hosted bridges (we-mp-rss, wewe-rss, RSSHub for 头条号/抖音) and plain feeds.

JSON Feed (wewe-rss's .json) is crawler.accounts.jsonfeed's.

Parsed by feedparser (namespaced variants such as dc:date, content:encoded and slash:comments included);
dates stay ours (crawler.accounts.dates), since bridges write Chinese and relative dates feedparser does
not know.
"""

from __future__ import annotations

import hashlib
import io
from datetime import datetime
from typing import Any

import feedparser

from crawler.accounts.dates import parse_post_time
from crawler.accounts.model import PostRecord
from crawler.accounts.text import html_to_text

# The text is already decoded: say so, or feedparser would trust the XML declaration's charset.
DATE_KEYS = ("published", "updated", "created")
_DECODED = {"content-type": "application/xml; charset=utf-8"}


class NotAFeed(ValueError):
    """The answer is not RSS or Atom."""


def looks_like_feed(text: str) -> bool:
    head = text.lstrip()[:2000].lower()
    return head.startswith(("<?xml", "<rss", "<feed", "<rdf")) and ("<rss" in head or "<feed" in head
                                                                    or "<rdf" in head)


class Feed:
    """A parsed feed: its title and items, newest first as the feed gives them."""

    def __init__(self, title: str | None, posts: list[PostRecord], interaction: bool | None):
        self.title = title
        self.posts = posts
        self.interaction = interaction  # True when items carry a comments link or count


def _body(entry: Any) -> str | None:
    content = entry.get("content")
    return content[0].get("value") if content else entry.get("summary")


def _comment_count(entry: Any) -> int | None:
    count = str(entry.get("slash_comments") or "").strip()
    return int(count) if count.isdigit() else None


def parse_feed(text: str, fetched_at: datetime) -> Feed:
    """Items of an RSS 2.0 channel or an Atom feed; raises NotAFeed for anything else."""
    # A stream, never the string itself: feedparser would fetch a URL or open a file path given as text.
    parsed = feedparser.parse(io.BytesIO(text.encode("utf-8")), response_headers=_DECODED)
    if not parsed.get("version"):
        raise NotAFeed(str(parsed.get("bozo_exception") or "neither RSS nor Atom"))
    posts, comments_seen = [], False
    for entry in parsed.entries:
        # Read as stored: FeedParserDict.get("updated") falls back to "published" with a DeprecationWarning.
        raw_date = next((dict.get(entry, key) for key in DATE_KEYS if dict.get(entry, key)), None)
        link = entry.get("link")
        body = _body(entry)
        ident = entry.get("id") or link or hashlib.sha1(f"{entry.get('title')}|{body}".encode()).hexdigest()
        count = _comment_count(entry)
        comments_seen = comments_seen or count is not None or bool(entry.get("comments"))
        posts.append(PostRecord(
            external_id=ident[:500], published_at=parse_post_time(raw_date, fetched_at),
            title=html_to_text(entry.get("title")) or None, text=html_to_text(body) or None, url=link,
            raw_date=raw_date, comments=count,
        ))
    return Feed(parsed.feed.get("title"), posts, True if comments_seen else None)
