"""What every platform adapter hands back: the account's facts and its posts, in one shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crawler.accounts import health as H


@dataclass(frozen=True, slots=True)
class AccountRef:
    """An account as config lists it (unit + platform + name is its identity in the store)."""

    unit: str
    platform: str
    name: str
    url: str | None = None
    id: str | None = None


@dataclass(slots=True)
class PostRecord:
    external_id: str
    published_at: datetime | None
    title: str | None = None
    text: str | None = None
    url: str | None = None
    raw_date: str | None = None  # as the platform printed it ("06-14", "昨天 12:30")
    comments: int | None = None  # comment count where the platform shows one


@dataclass(slots=True)
class AccountHarvest:
    """One account read once: health first, then whatever could be read.

    `interaction` is True/False when the platform shows whether the account offers comments,
    private messages or a consultation entry, None when this source cannot tell.
    """

    ref: AccountRef
    fetched_at: datetime
    health: str = H.OK
    detail: str | None = None  # why the health is what it is (HTTP 432, "ok: -100" …)
    source: str | None = None  # weibo_api | wechat_msg_list | wechat_column | feed
    external_id: str | None = None
    display_name: str | None = None
    url: str | None = None
    posts: list[PostRecord] = field(default_factory=list)
    posts_total: int | None = None  # what the platform says it holds (statuses_count)
    interaction: bool | None = None
    interaction_evidence: str | None = None
    requests: int = 0

    @property
    def newest(self) -> datetime | None:
        return max((p.published_at for p in self.posts if p.published_at), default=None)

    def visit(self) -> dict[str, Any]:
        """What this run saw of the account, as kept in the crawl run's record (JSON)."""
        newest = self.newest
        return {
            "unit": self.ref.unit, "platform": self.ref.platform, "name": self.ref.name,
            "health": self.health, "detail": self.detail, "source": self.source,
            "fetched_at": self.fetched_at.isoformat(), "newest": newest.isoformat() if newest else None,
            "posts": len(self.posts), "posts_total": self.posts_total, "interaction": self.interaction,
            "interaction_evidence": self.interaction_evidence, "requests": self.requests,
            "display_name": self.display_name,
        }


@dataclass(slots=True)
class AccountItem:
    """The item the accounts gatherer yields to the store pipeline."""

    harvest: AccountHarvest
