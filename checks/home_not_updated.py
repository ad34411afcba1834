"""首页不更新: no new dated information on the portal home page within 14 days (indicators.md A3).

The home page is stored as the column 首页 (category home) of the 门户 pseudo-unit; its list
items are the home page's dated items. Items without a date count as not updated (2015 rule).
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.base import Check, CheckContext, FindingDraft, iso
from checks.facts.columns import column_states, newest_items


def run(ctx: CheckContext) -> Iterator[FindingDraft]:
    days = ctx.thresholds.home_stale_days
    for state in column_states(ctx):
        if state.category != "home":
            continue
        if not state.seen:
            ctx.skip(f"首页未抓取到（{state.visit_reason or '本次未访问'}），未检查更新情况",
                     unit_id=state.unit_id, column_id=state.column_id, url=state.url)
            continue
        ctx.checked_columns([state.column_id])
        stale_from = state.stale_from(ctx)
        if stale_from is not None and ctx.today < stale_from:
            continue
        if state.newest is None:
            detail = f"首页未发现标注发布日期的信息，按未更新计（首页应在{days}天内更新）"
        else:
            detail = (f"首页最近更新于{state.newest.isoformat()}，已{(ctx.today - state.newest).days}天未更新"
                      f"（首页应在{days}天内更新）")
        yield ctx.draft(
            detail, unit_id=state.unit_id, column_id=state.column_id, url=state.url,
            evidence={"newest": iso(state.newest), "items": state.items, "dated_items": state.dated,
                      "first_items": newest_items(ctx, [state.column_id], 5).get(state.column_id, []),
                      "visited_at": iso(state.visited_at), "http_status": state.visit_http},
        )


CHECK = Check(
    rule="home.not_updated",
    title="首页不更新",
    clause="国办秘函〔2019〕19号 单项否决 A3",
    severity="veto",
    scope="column",
    run=run,
    fix="首页应在两周内有新增信息，及时更新首页要闻动态。",
    description="监测时间点前2周内首页无新增信息；未标注日期的信息按未更新计。",
)
