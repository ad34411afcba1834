"""What the message spider hands to the pipeline: one record per message, already masked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(slots=True)
class MessageItem:
    unit: str  # the unit whose site holds the board (the portal for portal-level boards)
    board_name: str
    board_url: str
    board_kind: str  # consultation | petition | discipline | interview | survey
    external_id: str
    url: str | None
    title: str | None
    question: str | None
    asked_at: datetime | None
    handling_unit: str | None
    status_word: str | None
    reply: str | None
    replied_at: datetime | None
    satisfaction: str | None
    category: str | None


@dataclass(slots=True)
class BoardItem:
    """What a run saw of one board (its list page, its 写信 page); later items for a URL add to earlier ones.

    Kept in the run's counts["boards"]: the store has no board table, and a board's state is a fact
    about this run (interaction.no_channel reads the newest run's)."""

    url: str
    facts: dict[str, object]
