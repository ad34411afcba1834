"""RSS 2.0 and Atom: self-hosted bridges (we-mp-rss, wewe-rss, RSSHub for 头条号/抖音) and plain feeds.

Tag names are matched by local name so that namespaced variants (dc:date, content:encoded,
atom:link, slash:comments) need no table of namespaces.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from datetime import datetime

from crawler.accounts.dates import parse_post_time
from crawler.accounts.model import PostRecord
from crawler.accounts.text import html_to_text


class NotAFeed(ValueError):
    """The answer is not RSS or Atom."""


def looks_like_feed(text: str) -> bool:
    head = text.lstrip()[:2000].lower()
    return head.startswith(("<?xml", "<rss", "<feed", "<rdf")) and ("<rss" in head or "<feed" in head
                                                                    or "<rdf" in head)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def _child(node: ET.Element, *names: str) -> ET.Element | None:
    for child in node:
        if _local(child.tag) in names:
            return child
    return None


def _text(node: ET.Element, *names: str) -> str | None:
    for name in names:
        child = _child(node, name)
        if child is not None and (child.text or "").strip():
            return child.text.strip()
    return None


def _link(node: ET.Element) -> str | None:
    for child in node:
        if _local(child.tag) == "link":
            if child.get("href") and child.get("rel", "alternate") == "alternate":
                return child.get("href")
            if (child.text or "").strip():
                return child.text.strip()
    return None


class Feed:
    """A parsed feed: its title and items, newest first as the feed gives them."""

    def __init__(self, title: str | None, posts: list[PostRecord], interaction: bool | None):
        self.title = title
        self.posts = posts
        self.interaction = interaction  # True when items carry a comments link or count


def parse_feed(text: str, fetched_at: datetime) -> Feed:
    """Items of an RSS 2.0 channel or an Atom feed; raises NotAFeed for anything else."""
    try:
        root = ET.fromstring(_strip_declaration(text))
    except ET.ParseError as exc:
        raise NotAFeed(str(exc)) from None
    kind = _local(root.tag)
    if kind == "rss" or kind == "rdf":
        channel = _child(root, "channel")
        if channel is None:
            raise NotAFeed("rss without channel")
        title = _text(channel, "title")
        entries = [n for n in (list(channel) + list(root)) if _local(n.tag) == "item"]
    elif kind == "feed":
        title = _text(root, "title")
        entries = [n for n in root if _local(n.tag) == "entry"]
    else:
        raise NotAFeed(f"root element {kind}")
    posts, comments_seen = [], False
    for entry in entries:
        raw_date = _text(entry, "pubdate", "published", "updated", "date", "issued")
        link = _link(entry)
        ident = _text(entry, "guid", "id") or link or hashlib.sha1(ET.tostring(entry)).hexdigest()
        body = _text(entry, "encoded", "content", "description", "summary")
        count = _text(entry, "comments")
        if count is not None:
            comments_seen = True
        posts.append(PostRecord(
            external_id=ident[:500], published_at=parse_post_time(raw_date, fetched_at),
            title=html_to_text(_text(entry, "title")) or None, text=html_to_text(body) or None, url=link,
            raw_date=raw_date, comments=int(count) if count and count.isdigit() else None,
        ))
    return Feed(title, posts, True if comments_seen else None)


def _strip_declaration(text: str) -> str:
    """ElementTree refuses a str with an encoding declaration; the text is already decoded."""
    text = text.lstrip()
    end = text.find("?>")
    return text[end + 2:] if text.startswith("<?xml") and end > 0 else text
