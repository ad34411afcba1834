"""The state of every listed new-media account as of the check time, read once per check run.

The account checks all start from the same facts: the collector's health (accounts.health),
the newest post not after `as_of`, and what the latest accounts crawl saw (interaction,
failure detail), kept in that crawl run's counts["accounts"]. An account whose collector was
blocked is "not checked" for every content rule, never stale.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from checks.base import CheckContext
from portalcheck.core.accounts import GONE, HEALTH_ZH, NOT_CHECKED, OK
from storage.models import Account, CrawlRun, Post, Unit

PLATFORM_ZH = {"wechat": "微信公众号", "weibo": "微博", "toutiao": "头条号", "douyin": "抖音", "kuaishou": "快手",
               "feed": "新媒体", "other": "新媒体"}
RECENT_RUNS = 30


@dataclass(slots=True)
class AccountState:
    account_id: int
    unit_id: int
    unit_name: str
    platform: str
    name: str
    url: str | None
    health: str | None
    checked_at: datetime | None
    newest: datetime | None = None
    posts: int = 0
    visit: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{PLATFORM_ZH.get(self.platform, self.platform)}“{self.name}”"

    @property
    def subject(self) -> str:
        """What a finding about this account is attached to (its URL, else a stable pseudo-URL)."""
        return self.url or f"account:{self.platform}:{self.name}"

    @property
    def readable(self) -> bool:
        return self.health == OK

    @property
    def gone(self) -> bool:
        return self.health in GONE

    def newest_local(self, timezone: str) -> date | None:
        return None if self.newest is None else self.newest.astimezone(ZoneInfo(timezone)).date()

    def age_days(self, ctx: CheckContext) -> int | None:
        newest = self.newest_local(ctx.timezone)
        return None if newest is None else (ctx.today - newest).days

    def silent_from(self, ctx: CheckContext, days: int) -> date | None:
        """The first day the account has been silent longer than `days` if it posts nothing more (None:
        no post at all); silent_accounts and the warnings (checks/warnings/) both judge by it."""
        newest = self.newest_local(ctx.timezone)
        return None if newest is None else newest + timedelta(days=days + 1)

    def not_checked_reason(self) -> str:
        word = HEALTH_ZH.get(self.health or "", "尚未采集")
        detail = self.visit.get("detail")
        return f"{self.label}未能采集（{word}{'：' + detail if detail else ''}），未检查"


def _visits(ctx: CheckContext) -> tuple[dict[int, dict[str, Any]], set[int] | None]:
    """Newest visit per account id, and the accounts still listed (None: cannot tell)."""
    runs = ctx.session.execute(
        select(CrawlRun.unit_filter, CrawlRun.counts).where(
            CrawlRun.counts["spider"].as_string() == "accounts", CrawlRun.started_at <= ctx.as_of)
        .order_by(CrawlRun.id.desc()).limit(RECENT_RUNS)).all()
    visits: dict[int, dict[str, Any]] = {}
    listed: set[int] | None = None
    for unit_filter, counts in runs:  # newest first
        seen = {int(k): v for k, v in ((counts or {}).get("accounts") or {}).items()}
        for account_id, visit in seen.items():
            visits.setdefault(account_id, visit)
        if listed is None or unit_filter:
            listed = (listed or set()) | set(seen)
        if not unit_filter and seen:
            break  # the newest run over every unit lists every account still configured
    return visits, listed


def account_states(ctx: CheckContext) -> list[AccountState]:
    if "account_states" in ctx.cache:
        return ctx.cache["account_states"]
    newest = dict(ctx.session.execute(
        select(Post.account_id, func.max(Post.published_at)).where(Post.published_at <= ctx.as_of)
        .group_by(Post.account_id)).all())
    counts = dict(ctx.session.execute(select(Post.account_id, func.count()).group_by(Post.account_id)).all())
    visits, listed = _visits(ctx)
    rows = ctx.session.execute(
        select(Account.id, Account.unit_id, Unit.name, Account.platform, Account.name, Account.url, Account.health,
               Account.checked_at).join(Unit, Unit.id == Account.unit_id)
        .where(ctx.unit_filter(Account.unit_id)).order_by(Account.id)).all()
    states = []
    for account_id, unit_id, unit_name, platform, name, url, health, checked_at in rows:
        if listed is not None and account_id not in listed:
            continue  # taken out of config: no longer ours to judge
        states.append(AccountState(account_id, unit_id, unit_name, platform, name, url, health, checked_at,
                                   newest.get(account_id), counts.get(account_id, 0), visits.get(account_id, {})))
    ctx.cache["account_states"] = states
    return states


def skip_unreadable(ctx: CheckContext, state: AccountState) -> bool:
    """Record "not checked" for an account the collector could not read; True when skipped."""
    if state.readable:
        return False
    if state.gone:
        ctx.skip(f"{state.label}{HEALTH_ZH[state.health or '']}，见 account.unreachable", unit_id=state.unit_id,
                 url=state.subject)
    else:
        ctx.skip(state.not_checked_reason(), unit_id=state.unit_id, url=state.subject)
    return True


def silent_accounts(ctx: CheckContext, days: int) -> Iterator[tuple[AccountState, int | None]]:
    """(state, days since the newest post or None) of every readable account without a post within
    `days` of the check; every readable account is recorded as looked at, unreadable ones as skipped."""
    for state in account_states(ctx):
        if skip_unreadable(ctx, state):
            continue
        ctx.checked_pages([(state.unit_id, state.subject)])
        silent_from = state.silent_from(ctx, days)
        if silent_from is None or ctx.today >= silent_from:
            yield state, state.age_days(ctx)


def is_blocked(state: AccountState) -> bool:
    return state.health in NOT_CHECKED or state.health is None
