"""The health of an account's collector, kept apart from what the account published.

A 432 from Weibo or an expired login says nothing about the account: the checks must answer
"未检查" for it and tell the operator, never "长期未更新". Only `not_found`/`closed` are facts
about the account itself (it was removed or deregistered while still listed).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

OK = "ok"
NOT_FOUND = "not_found"  # the platform says there is no such account (or the feed/page is gone)
CLOSED = "closed"  # the platform says the account was closed, banned or migrated
LOGIN_EXPIRED = "login_expired"  # our session is no longer logged in
RATE_LIMITED = "rate_limited"  # 432/418/429, captcha, "请求过于频繁"
SOURCE_ERROR = "source_error"  # timeout, 5xx, unparseable answer: our source is broken, not the account
BUDGET_EXHAUSTED = "budget_exhausted"  # today's request budget for this login is spent
NO_SOURCE = "no_source"  # config gives nothing we know how to read for this platform

HEALTH_STATES = (OK, NOT_FOUND, CLOSED, LOGIN_EXPIRED, RATE_LIMITED, SOURCE_ERROR, BUDGET_EXHAUSTED, NO_SOURCE)
GONE = frozenset({NOT_FOUND, CLOSED})
NOT_CHECKED = frozenset({LOGIN_EXPIRED, RATE_LIMITED, SOURCE_ERROR, BUDGET_EXHAUSTED, NO_SOURCE})

HEALTH_ZH = {
    OK: "正常", NOT_FOUND: "账号不存在", CLOSED: "账号已关闭", LOGIN_EXPIRED: "登录已失效",
    RATE_LIMITED: "被平台限制访问", SOURCE_ERROR: "采集来源出错", BUDGET_EXHAUSTED: "今日请求额度已用完",
    NO_SOURCE: "未配置可采集的来源",
}
# What the operator should do about a collector that could not read an account.
OPERATOR_ACTION = {
    LOGIN_EXPIRED: "请运行 portalcheck accounts login weibo 重新登录",
    RATE_LIMITED: "请稍后再试，或调大 accounts.request_spacing_seconds",
    SOURCE_ERROR: "请检查采集来源（订阅源/接口）是否可用",
    BUDGET_EXHAUSTED: "明日额度恢复后自动继续，或调大 accounts.daily_budget",
    NO_SOURCE: "请在配置中为该账号填写订阅源地址或账号ID",
}
BLOCK_STATUSES = frozenset({418, 429, 432})
GONE_STATUSES = frozenset({404, 410})


@cache
def markers() -> dict[str, Any]:
    """Words in a platform's answer that reveal the state (crawler/data/account_markers.yaml)."""
    return yaml.safe_load((Path(__file__).parent.parent / "data" / "account_markers.yaml").read_text(encoding="utf-8"))


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
