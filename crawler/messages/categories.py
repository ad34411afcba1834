"""Message → categories (疫情防控, 社保医保, …) by the keyword sets of crawler/data/messages_categories.yaml.

Plain substring matching: board messages are short and the keywords specific; where a keyword sits
inside a longer word of another meaning (交通银行) the set lists that word under `except`.
Word segmentation (jieba, 2.5 s to load) would buy nothing the exceptions do not.
"""

from __future__ import annotations

from crawler.data import load

SEPARATOR = ","


def categorize_message(title: str | None, question: str | None) -> list[str]:
    """Every category whose keyword occurs in the title or question; [其他] when none does."""
    data = load("messages_categories.yaml")
    text = "".join(f"{title or ''} {question or ''}".split())
    found = []
    for entry in data["categories"]:
        cleaned = text
        for word in entry.get("except", []):
            cleaned = cleaned.replace(word, "")
        if any(keyword in cleaned for keyword in entry["keywords"]):
            found.append(entry["name"])
    return found or [data["other"]]


def category_names() -> list[str]:
    """All categories in table order, 其他 last."""
    data = load("messages_categories.yaml")
    return [entry["name"] for entry in data["categories"]] + [data["other"]]


def join(categories: list[str], limit: int = 50) -> str:
    """Comma-joined for messages.category (String(50)): whole names only, never a cut one."""
    out = ""
    for name in categories:
        candidate = f"{out}{SEPARATOR}{name}" if out else name
        if len(candidate) > limit:
            break
        out = candidate
    return out


def split(value: str | None) -> list[str]:
    return [part for part in (value or "").split(SEPARATOR) if part]
