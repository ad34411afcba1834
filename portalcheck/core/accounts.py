"""The health of an account's collector: the states, which mean "gone" and which "not checked", and their
Chinese names. The collector (crawler/accounts) decides a state; the checks and the accounts table read it.

A 432 from Weibo or an expired login says nothing about the account: the checks must answer "未检查" for
it and tell the operator, never "长期未更新". Only `not_found`/`closed` are facts about the account itself.
"""

from __future__ import annotations

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
