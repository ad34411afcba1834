"""网上问政 message states: the words boards show (已办结, 办理中, 已转交 …) and what each means.

The crawler stores a message's own status word; the checks and the messages table ask what it means.
"""

from __future__ import annotations

from typing import Literal

from portalcheck.core.resources import package_yaml

StatusGroup = Literal["closed", "in_progress", "transferred", "invalid"]


def status_words() -> dict[str, list[str]]:
    """Group → the status words of that group (portalcheck/core/data/message_status.yaml)."""
    return package_yaml("portalcheck.core.data", "message_status.yaml")["status"]  # type: ignore[no-any-return]


def status_group(word: str | None) -> StatusGroup | None:
    """closed | in_progress | transferred | invalid for a status word."""
    if not word:
        return None
    for group, words in status_words().items():
        if word in words:
            return group  # type: ignore[return-value]
    return None
