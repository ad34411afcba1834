"""空白栏目（数量）: five or more blank columns fail the website (indicators.md A4.3)."""

from __future__ import annotations

from collections.abc import Iterator

from checks import column_blank
from checks.base import Check, CheckContext, FindingDraft


def run(ctx: CheckContext) -> Iterator[FindingDraft]:
    blanks = list(column_blank.run(ctx.for_rule("column.blank")))
    threshold = ctx.thresholds.blank_columns_veto
    units = {state.unit_id for state in ctx.cache["column_states"]}
    ctx.checked_units(units)
    groups: dict[int | None, list[FindingDraft]] = {u: [] for u in units}
    for draft in blanks:
        groups.setdefault(draft.unit_id, []).append(draft)
    if ctx.unit_ids is None:
        ctx.checked_units([None])
        groups[None] = blanks
    names = {s.unit_id: s.unit_name for s in ctx.cache["column_states"]}
    for unit_id, drafts in groups.items():
        if len(drafts) < threshold:
            continue
        who = names.get(unit_id, "") if unit_id is not None else "门户网站（含各单位栏目）"
        yield ctx.draft(
            f"{who}：空白栏目共{len(drafts)}个（达到{threshold}个即单项否决）",
            unit_id=unit_id,
            evidence={"count": len(drafts), "threshold": threshold,
                      "columns": [{"column": d.evidence["column"], "url": d.url} for d in drafts]},
        )


CHECK = Check(
    rule="column.blank_count",
    title="空白栏目（数量达到否决线）",
    clause="国办秘函〔2019〕19号 单项否决 A4.3",
    severity="veto",
    scope="unit",
    run=run,
    fix="逐一补充或撤并所列空白栏目，使空白栏目数量降至否决线以下。",
    description="完整抓取但无信息且无说明的栏目≥5个。",
)
