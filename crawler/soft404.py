"""Error pages served with HTTP 200 ("soft 404"): they must count as link errors, not as columns."""

from __future__ import annotations

import re

from crawler.data import load

_CODE_IN_TITLE = re.compile(r"(?<!\d)40[034](?!\d)")
# Only short pages are judged by their text: a real article may quote "页面不存在" in its body.
MAX_TEXT = 3000


def looks_like_soft_404(title: str | None, text: str | None) -> bool:
    phrases = load("phrases.yaml")["soft_404"]
    title = "".join((title or "").split())
    if _CODE_IN_TITLE.search(title) or any("".join(p.split()) in title for p in phrases):
        return True
    body = "".join((text or "").split())
    return len(body) <= MAX_TEXT and any("".join(p.split()) in body for p in phrases)
