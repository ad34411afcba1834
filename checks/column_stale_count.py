"""栏目不更新（数量）: the veto is a count — ≥5 stale key columns, or ≥10 long-stale columns.

Key columns are 动态要闻 and first-level 通知公告/政策文件 (A4.1); long-stale columns are those
whose window is six months or more and that exceed it (A4.2, 应更新但长期未更新). Counted per unit
(for the unit's 通报) and over the whole portal (the website verdict, only when every unit is in scope).
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.base import Check, CheckContext, FindingDraft
from checks.facts.columns import ColumnState, column_states


def stale_counts(ctx: CheckContext, states: list[ColumnState]) -> tuple[list[ColumnState], list[ColumnState]]:
    key = [s for s in states if s.is_key() and s.is_stale(ctx)]
    long = [s for s in states if s.is_long_window(ctx) and s.is_stale(ctx)]
    return key, long


def _drafts(ctx: CheckContext, unit_id: int | None, who: str, url: str | None,
            states: list[ColumnState]) -> Iterator[FindingDraft]:
    key, long = stale_counts(ctx, states)
    t = ctx.thresholds
    listing = [{"column": s.name, "unit": s.unit_name, "category": s.category,
                "newest": s.newest.isoformat() if s.newest else None, "url": s.url} for s in key]
    if len(key) >= t.stale_key_columns_veto:
        yield ctx.draft(
            f"{who}动态要闻类栏目2周内未更新、通知公告/政策文件类一级栏目6个月内未更新的栏目共{len(key)}个"
            f"（达到{t.stale_key_columns_veto}个即单项否决）",
            unit_id=unit_id, url=url, discriminator="key",
            evidence={"count": len(key), "threshold": t.stale_key_columns_veto, "columns": listing},
        )
    if len(long) >= t.long_stale_columns_veto:
        yield ctx.draft(
            f"{who}应更新但长期未更新的栏目共{len(long)}个（达到{t.long_stale_columns_veto}个即单项否决）",
            unit_id=unit_id, url=url, discriminator="long",
            evidence={"count": len(long), "threshold": t.long_stale_columns_veto,
                      "columns": [{"column": s.name, "unit": s.unit_name, "category": s.category,
                                   "newest": s.newest.isoformat() if s.newest else None, "url": s.url}
                                  for s in long]},
        )


def run(ctx: CheckContext) -> Iterator[FindingDraft]:
    states = [s for s in column_states(ctx) if s.category != "home"]
    by_unit: dict[int, list[ColumnState]] = {}
    for state in states:
        by_unit.setdefault(state.unit_id, []).append(state)
    for unit_id, unit_states in by_unit.items():
        ctx.checked_units([unit_id])
        yield from _drafts(ctx, unit_id, f"{unit_states[0].unit_name}：", None, unit_states)
    if ctx.unit_ids is None:  # the portal-wide count needs every unit
        ctx.checked_units([None])
        yield from _drafts(ctx, None, "门户网站（含各单位栏目）：", None, states)


CHECK = Check(
    rule="column.stale_count",
    title="栏目不更新（数量达到否决线）",
    clause="国办秘函〔2019〕19号 单项否决 A4.1/A4.2",
    severity="veto",
    scope="unit",
    run=run,
    fix="逐一更新所列未更新栏目，使未更新栏目数量降至否决线以下。",
    description="动态要闻2周、通知公告/政策文件一级栏目6个月未更新的栏目≥5个，或应更新但长期未更新的栏目≥10个。",
)
