"""栏目无法访问: the column's own page is an error page, a soft 404, 建设中, or bounces to the home page.

Counted apart from stale and blank (indicators.md A4: "columns whose page is a redirect or 404").
Transient failures (timeout, reset, TLS, robots) say nothing about the column: not checked.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.base import Check, CheckContext, FindingDraft, iso
from checks.facts.columns import column_states

BROKEN_FLAGS = {
    "soft_404": "页面显示“页面不存在”等错误信息（软404）",
    "under_construction": "页面显示“正在建设中”",
    "redirected_home": "跳转到首页",
}


def _http_broken(status: int | None) -> bool:
    return status is not None and (status in (404, 410) or status >= 500)


def run(ctx: CheckContext) -> Iterator[FindingDraft]:
    for state in column_states(ctx):
        if state.category == "home":
            continue
        flags = state.page_flags or {}
        status = state.visit_http if state.visit_http is not None else state.page_http
        reasons = []
        if _http_broken(status):
            reasons.append(f"返回HTTP {status}")
        reasons += [text for flag, text in BROKEN_FLAGS.items() if flags.get(flag)]
        if not reasons and not state.seen:
            ctx.skip(f"栏目页面未能访问（{state.visit_reason or state.page_error or '本次未访问'}），未检查",
                     unit_id=state.unit_id, column_id=state.column_id, url=state.url)
            continue
        ctx.checked_columns([state.column_id])
        if not reasons:
            continue
        yield ctx.draft(
            f"「{state.name}」栏目无法正常访问：{'；'.join(reasons)}",
            unit_id=state.unit_id, column_id=state.column_id, url=state.url,
            evidence={"column": state.name, "http_status": status, "flags": {k: True for k in BROKEN_FLAGS
                                                                               if flags.get(k)},
                      "page_url": state.page_url, "visit": state.visit_status, "reason": state.visit_reason,
                      "fetched_at": iso(state.page_fetched_at or state.visited_at)},
        )


CHECK = Check(
    rule="column.broken",
    title="栏目无法访问",
    clause="国办秘函〔2019〕19号 扣分指标 功能设计>可用性（栏目链接不可用）",
    severity="deduct",
    points=1.0,
    scope="column",
    run=run,
    fix="修复栏目链接，使栏目页面可正常访问；已撤销的栏目应从导航中删除。",
    description="栏目页面返回404/410/5xx、软404、“建设中”或跳转首页。",
)
