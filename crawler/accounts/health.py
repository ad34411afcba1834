"""How a collector tells its health from an answer (HTTP status, page words); the states themselves are
portalcheck.core.accounts'.

A 432 from Weibo or an expired login says nothing about the account: the checks must answer
"未检查" for it and tell the operator, never "长期未更新". Only `not_found`/`closed` are facts
about the account itself (it was removed or deregistered while still listed).
"""

from __future__ import annotations

from typing import Any

from crawler.data import load
from portalcheck.core.accounts import (
    BUDGET_EXHAUSTED,
    CLOSED,
    GONE,
    HEALTH_STATES,
    HEALTH_ZH,
    LOGIN_EXPIRED,
    NO_SOURCE,
    NOT_CHECKED,
    NOT_FOUND,
    OK,
    OPERATOR_ACTION,
    RATE_LIMITED,
    SOURCE_ERROR,
)

# The states are re-exported: collectors name them as health.OK, health.RATE_LIMITED …
__all__ = [
    "OK", "NOT_FOUND", "CLOSED", "LOGIN_EXPIRED", "RATE_LIMITED", "SOURCE_ERROR", "BUDGET_EXHAUSTED", "NO_SOURCE",
    "HEALTH_STATES", "GONE", "NOT_CHECKED", "HEALTH_ZH", "OPERATOR_ACTION", "from_http", "from_text", "is_alert", "markers",
]

BLOCK_STATUSES = frozenset({418, 429, 432})
GONE_STATUSES = frozenset({404, 410})


def markers() -> dict[str, Any]:
    """Words in a platform's answer that reveal the state (crawler/data/account_markers.yaml)."""
    return load("account_markers.yaml")  # type: ignore[no-any-return]


def from_http(status: int | None) -> str | None:
    """The health an HTTP status alone proves, or None when the body must be read."""
    if status is None:
        return SOURCE_ERROR
    if status in BLOCK_STATUSES:
        return RATE_LIMITED
    if status in GONE_STATUSES:
        return NOT_FOUND
    if status == 401:
        return LOGIN_EXPIRED
    if status == 403:  # a WAF's refusal: we were not let in, the account may be fine
        return RATE_LIMITED
    if status >= 400:
        return SOURCE_ERROR
    return None


def from_text(text: str, final_url: str = "") -> str | None:
    """The health the words of a page (or its redirect target) reveal, or None."""
    words = markers()
    lowered = final_url.lower()
    if any(part in lowered for part in words["login_url_parts"]):
        return LOGIN_EXPIRED
    if any(part in lowered for part in words["captcha_url_parts"]):
        return RATE_LIMITED
    head = text[:20000]
    for state in (RATE_LIMITED, CLOSED, NOT_FOUND, LOGIN_EXPIRED):
        if any(word in head for word in words["text"][state]):
            return state
    return None


def is_alert(health: str | None) -> bool:
    return health in NOT_CHECKED
