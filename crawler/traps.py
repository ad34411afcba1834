"""Crawler traps: calendars, session ids and endless query permutations, bounded and counted."""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import parse_qsl, urlsplit

SESSION_PARAM = re.compile(r"^(jsessionid|phpsessid|sid|sessionid|aspsessionid\w*|token|_t|timestamp|rnd|random)$",
                           re.IGNORECASE)
CALENDAR_VALUE = re.compile(r"^\d{4}[-/]?\d{1,2}([-/]?\d{1,2})?$")
MAX_URL_LENGTH = 1000
MAX_VARIANTS_PER_PATH = 50
MAX_CALENDAR_STEPS = 3


class TrapGuard:
    """Says whether a URL looks like one more step into a trap; remembers what it refused."""

    def __init__(self) -> None:
        self.variants: Counter[str] = Counter()
        self.calendar: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()

    def is_trap(self, url: str) -> bool:
        reason = self._reason(url)
        if reason:
            self.refused[reason] += 1
        return reason is not None

    def _reason(self, url: str) -> str | None:
        if len(url) > MAX_URL_LENGTH:
            return "long_url"
        parts = urlsplit(url)
        if ";jsessionid=" in parts.path.lower():
            return "session_id"
        params = parse_qsl(parts.query, keep_blank_values=True)
        if any(SESSION_PARAM.match(key) for key, _ in params):
            return "session_id"
        segments = [s for s in parts.path.split("/") if s]
        if len(segments) != len(set(segments)) and len(segments) - len(set(segments)) >= 2:
            return "repeated_path"
        if params:
            key = parts.netloc + parts.path
            if any(CALENDAR_VALUE.match(value) for _, value in params):
                self.calendar[key] += 1
                if self.calendar[key] > MAX_CALENDAR_STEPS:
                    return "calendar"
            self.variants[key] += 1
            if self.variants[key] > MAX_VARIANTS_PER_PATH:
                return "query_permutations"
        return None
