"""Column name -> category (news, notice, policy, …): each category has its own staleness window (A4)."""

from __future__ import annotations

from typing import Literal

from crawler.data import load

Category = Literal[
    "news", "notice", "policy", "personnel", "planning", "basic", "interaction", "service", "other"
]


def categorize(column_name: str) -> Category:
    """First matching category of crawler/data/categories.yaml (the file's order settles overlaps)."""
    name = "".join(column_name.split())
    for entry in load("categories.yaml"):
        if any(k in name for k in entry["keywords"]):
            return entry["category"]  # type: ignore[no-any-return]
    return "other"
