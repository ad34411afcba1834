"""Writer for AccountItem: accounts and posts upserted, what the run saw kept on the crawl run.

`accounts.health` holds the latest state; the details a check needs beyond the schema (why a
collector failed, whether interaction was visible, the newest post this run) live in the
crawl run's `counts["accounts"]`, keyed by account id, like column visits for columns.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from crawler.accounts import health as H
from crawler.accounts.model import AccountItem
from storage.models import Account, CrawlRun, Post
from storage.upsert import upsert


def write_accounts(session: Any, items: list[AccountItem], pipeline: Any) -> None:
    """Called by StorePipeline.flush (EXTRA_WRITERS) with the buffered items of the accounts gatherer."""
    visits: dict[str, dict[str, Any]] = {}
    for item in items:
        harvest = item.harvest
        ref = harvest.ref
        unit_id = pipeline.unit_ids.get(ref.unit)
        if unit_id is None:
            continue
        row = {"unit_id": unit_id, "platform": ref.platform, "name": ref.name, "url": ref.url or harvest.url,
               "external_id": harvest.external_id or ref.id, "health": harvest.health,
               "checked_at": harvest.fetched_at}
        update = ["url", "health", "checked_at"] + (["external_id"] if harvest.external_id else [])
        [account_id] = upsert(session, Account, [row], keys=["unit_id", "platform", "name"], update=update,
                              returning="id")
        posts = {p.external_id: p for p in harvest.posts}
        rows = [{"account_id": account_id, "external_id": p.external_id, "url": p.url, "title": p.title,
                 "text": p.text, "published_at": p.published_at, "first_seen": harvest.fetched_at}
                for p in posts.values()]
        upsert(session, Post, rows, keys=["account_id", "external_id"],
               update=["url", "title", "text", "published_at"])
        visits[str(account_id)] = harvest.visit()
        pipeline.stats.inc_value(f"portalcheck/accounts/{harvest.health}")
    if visits and pipeline.run_id is not None:
        run = session.get(CrawlRun, pipeline.run_id)
        counts = dict(run.counts or {})
        seen = {**counts.get("accounts", {}), **visits}
        health = Counter(v["health"] for v in seen.values())
        alerts = [f"{v['unit']} {v['name']}（{v['platform']}）：{H.HEALTH_ZH.get(v['health'], v['health'])}"
                  f"{'，' + v['detail'] if v.get('detail') else ''}" for v in seen.values() if H.is_alert(v["health"])]
        run.counts = {**counts, "accounts": seen, "account_health": dict(health), "account_alerts": alerts,
                      "account_requests": sum(v.get("requests") or 0 for v in seen.values())}
