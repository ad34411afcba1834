"""Scan the stored posts of readable accounts for words (serious errors, sensitive words).

Both account.* word rules read posts the same way and report one finding per account and word,
with the sentences and the posts it appears in; only the matcher and the wording differ.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from checks.base import CheckContext, iso
from checks.facts.accounts import AccountState, account_states
from checks.facts.pages import sentence_at
from storage.models import Post


@dataclass
class WordHits:
    """Every occurrence of one word in one account's posts."""

    state: AccountState
    word: str
    info: object  # what the matcher knows of the word (right form, kind …)
    posts: list[tuple[str | None, datetime | None]] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.posts)

    def evidence(self) -> dict[str, object]:
        return {"account": self.state.name, "platform": self.state.platform, "count": self.count,
                "sentences": list(dict.fromkeys(self.sentences))[:5],
                "posts": [{"url": u, "published_at": iso(p)} for u, p in self.posts[:10]]}


Matcher = Callable[[str], Iterator[tuple[int, int, str, object]]]


def scan_posts(ctx: CheckContext, matcher: Matcher) -> Iterator[WordHits]:
    """Run `matcher` (text → (start, end, word, info)…) over every post up to `as_of`."""
    states = {s.account_id: s for s in account_states(ctx)}
    if not states:
        return
    ctx.checked_units({s.unit_id for s in states.values() if s.posts})
    found: dict[tuple[int, str], WordHits] = {}
    query = (select(Post.account_id, Post.url, Post.title, Post.text, Post.published_at)
             .where(Post.account_id.in_(states), Post.published_at <= ctx.as_of)
             .order_by(Post.account_id, Post.published_at.desc()).execution_options(yield_per=500))
    for account_id, url, title, body, published in ctx.session.execute(query):
        text = f"{title or ''}\n{body or ''}"
        for start, end, word, info in matcher(text):
            hits = found.setdefault((account_id, word), WordHits(states[account_id], word, info))
            hits.posts.append((url, published))
            hits.sentences.append(sentence_at(text, start, end))
    yield from found.values()
