"""栏目不更新: a column with a fixed update window whose newest item is older than the window.

Windows by category (indicators.md A4, G): 动态要闻 14 days, 通知公告/政策文件 6 months,
人事/规划计划/基础信息 1 year. Each stale column is one finding; the veto itself is a count
(column.stale_count). A column not seen in the latest crawl is reported as not checked.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.base import Check, CheckContext, FindingDraft, iso, window_text
from checks.facts.columns import CATEGORY_LABELS, column_states, newest_items, units_without_columns


def run(ctx: CheckContext) -> Iterator[FindingDraft]:
    stale = []
    states = column_states(ctx)
    for unit_id, name in units_without_columns(ctx, states).items():
        ctx.skip(f"{name}未发现任何栏目，未检查栏目更新情况", unit_id=unit_id)
    for state in states:
        if state.window_days(ctx) is None:
            continue
        if not state.seen:
            ctx.skip(f"栏目未抓取到（{state.visit_reason or '本次未访问'}），未检查更新情况",
                     unit_id=state.unit_id, column_id=state.column_id, url=state.url)
            continue
        ctx.checked_columns([state.column_id])
        if state.is_stale(ctx):
            stale.append(state)
    samples = newest_items(ctx, [s.column_id for s in stale])
    for state in stale:
        window = state.window_days(ctx) or 0
        label = CATEGORY_LABELS[state.category]
        rule_text = f"（{label}栏目应在{window_text(window)}内更新）"
        if state.newest is None:
            detail = f"「{state.name}」栏目列表中的信息均未标注发布日期，按未更新计{rule_text}"
        else:
            detail = (f"「{state.name}」栏目最近更新于{state.newest.isoformat()}，"
                      f"已{state.age_days(ctx)}天未更新{rule_text}")
        yield ctx.draft(
            detail, unit_id=state.unit_id, column_id=state.column_id, url=state.url,
            evidence={
                "column": state.name, "category": state.category, "level": state.level,
                "window_days": window, "newest": iso(state.newest), "age_days": state.age_days(ctx),
                "items": state.items, "dated_items": state.dated, "undated_only": state.newest is None,
                "first_items": samples.get(state.column_id, []), "visit": state.visit_status,
                "visited_at": iso(state.visited_at), "http_status": state.visit_http,
                "key_column": state.is_key(),
            },
        )


CHECK = Check(
    rule="column.stale",
    title="栏目不更新",
    clause="国办秘函〔2019〕19号 单项否决 A4.1/A4.2（按栏目计数）",
    severity="info",
    scope="column",
    run=run,
    fix="及时更新栏目信息；确无信息可发布的栏目应撤并，不得长期不更新。",
    description="动态要闻类14天、通知公告/政策文件类一级栏目6个月、人事/规划计划/基础信息类1年未更新；"
    "每个栏目计入栏目不更新数量（≥5个或长期未更新≥10个单项否决）。",
)
