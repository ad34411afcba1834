"""空白栏目: a column that exists, was seen in full, and lists nothing without saying why.

A column with genuinely no information must say so on its page (e.g. "本栏目暂无信息");
otherwise it is blank (indicators.md A4.3). Only a fully seen column can be judged blank: a
partial or failed visit is "not checked".
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.base import Check, CheckContext, FindingDraft, iso
from checks.facts.columns import column_states

# Columns that are not lists of information (互动、服务 entries) are not judged blank.
LIST_CATEGORIES = ("news", "notice", "policy", "personnel", "planning", "basic", "other")


def run(ctx: CheckContext) -> Iterator[FindingDraft]:
    for state in column_states(ctx):
        if state.category not in LIST_CATEGORIES:
            continue
        if state.visit_status != "full":
            ctx.skip(f"栏目未完整抓取（{state.visit_status or '未访问'}：{state.visit_reason or '无'}），未检查是否空白",
                     unit_id=state.unit_id, column_id=state.column_id, url=state.url)
            continue
        ctx.checked_columns([state.column_id])
        flags = state.page_flags or {}
        if state.items_this_run > 0 or flags.get("empty_notice"):
            continue
        if flags.get("soft_404") or flags.get("under_construction") or flags.get("redirected_home"):
            continue  # a broken column page is column.broken, not blank
        yield ctx.draft(
            f"「{state.name}」栏目无任何信息，且未说明原因（空白栏目）",
            unit_id=state.unit_id, column_id=state.column_id, url=state.url,
            evidence={"column": state.name, "category": state.category, "items": 0,
                      "visit": state.visit_status, "visited_at": iso(state.visited_at),
                      "http_status": state.visit_http or state.page_http, "page_url": state.page_url},
        )


CHECK = Check(
    rule="column.blank",
    title="空白栏目",
    clause="国办秘函〔2019〕19号 单项否决 A4.3（按栏目计数）",
    severity="info",
    scope="column",
    run=run,
    fix="补充栏目内容；确无信息的，应在栏目页面注明“本栏目暂无信息”及原因，或撤并该栏目。",
    description="栏目完整抓取但无任何信息，且页面未注明“本栏目暂无信息”等说明；≥5个单项否决。",
)
