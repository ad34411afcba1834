"""“我为政府网站找错”入口: missing, commented out or hidden, or pointing at another site's code.

Every page should carry the national error-report entry (indicators.md B1, F4) with the site's
标识码. One finding per unit (the site section), listing sample pages, not one per page. An
entry rendered as a plain “网站纠错” link counts as present: the parser says status=present.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.base import Check, CheckContext, FindingDraft
from checks.facts.marks import by_unit, expected_code, mark_groups, sample, unit_names

STATUS_TEXT = {"missing": "未设置", "commented_out": "已被注释", "hidden": "被隐藏"}


def run(ctx: CheckContext) -> Iterator[FindingDraft]:
    names = unit_names(ctx)
    groups = mark_groups(ctx, "error_report_status", "error_report_site_code")
    for unit_id, unit_groups in by_unit(groups).items():
        ctx.checked_units([unit_id])
        code = expected_code(ctx, unit_id)
        total = sum(g.pages for g in unit_groups)
        bad_status = [g for g in unit_groups if (g.values["error_report_status"] or "missing") != "present"]
        wrong_code = [g for g in unit_groups if g.values["error_report_status"] == "present"
                      and g.values["error_report_site_code"] and g.values["error_report_site_code"] != code]
        who = names.get(unit_id, "")
        if bad_status:
            count = sum(g.pages for g in bad_status)
            kinds = "、".join(sorted({STATUS_TEXT.get(g.values["error_report_status"] or "missing", "未设置")
                                     for g in bad_status}))
            yield ctx.draft(
                f"{who}：{count}/{total}个页面的“我为政府网站找错”入口{kinds}",
                unit_id=unit_id, discriminator="status",
                evidence={"pages_checked": total, "pages_failing": count, "samples": sample(bad_status)},
            )
        if wrong_code:
            count = sum(g.pages for g in wrong_code)
            seen = "、".join(sorted({g.values["error_report_site_code"] for g in wrong_code}))
            yield ctx.draft(
                f"{who}：{count}/{total}个页面的“我为政府网站找错”入口网站标识码为{seen}，与本网站标识码{code}不一致",
                unit_id=unit_id, discriminator="site_code",
                evidence={"expected": code, "pages_checked": total, "pages_failing": count,
                          "samples": sample(wrong_code)},
            )


CHECK = Check(
    rule="page.no_error_report",
    title="未按要求设置“我为政府网站找错”入口",
    clause="国办秘函〔2019〕19号 扣分指标 功能设计>“我为政府网站找错”；国办发〔2017〕47号",
    severity="deduct",
    points=1.0,
    scope="unit",
    run=run,
    fix="在全站页面底部按规范嵌入“我为政府网站找错”入口，site_code 填写本网站标识码。",
    description="页面未设置找错入口、入口被注释或隐藏，或入口的 site_code 与网站标识码不一致。",
)
