"""Column name -> category (news, notice, policy, …): each category has its own staleness window (A4)."""

from __future__ import annotations

from typing import Literal

from crawler.data import load

Category = Literal[
    "news", "notice", "policy", "personnel", "planning", "basic", "interaction", "service", "other"
]


def categorize(column_name: str, parent: str | None = None) -> Category:
    """First matching category of crawler/data/categories.yaml (the file's order settles overlaps). A name
    no keyword matches (工作进展情况, 进度数据) takes `parent`, its parent column's category: what a sub-column
    holds is what its parent is about (规划信息 › 工作进展情况 is 规划计划, not news)."""
    name = "".join(column_name.split())
    for entry in load("categories.yaml"):
        if any(k in name for k in entry["keywords"]):
            return entry["category"]  # type: ignore[no-any-return]
    return parent if parent and parent != "home" else "other"  # type: ignore[return-value]
