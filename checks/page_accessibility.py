"""适老化/信息无障碍: axe-core's WCAG 2.1 A/AA violations on the audited pages (the home page and one page per
column category per unit, crawler/accessibility.py), and the home page's 关怀版/无障碍 entry.

Only the impacts the deployment counts (thresholds.accessibility_impacts, by default critical and serious) make
a finding: one per unit, violations counted by impact, each rule with its WCAG criteria and sample elements.
A page axe could not run on is not checked.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from checks.base import Check, CheckContext, FindingDraft
from checks.facts.marks import unit_names
from storage.models import AccessibilityAudit

IMPACT_ZH = {"critical": "严重", "serious": "较重", "moderate": "中等", "minor": "轻微"}


def run(ctx: CheckContext) -> Iterator[FindingDraft]:
    names = unit_names(ctx)
    counted = set(ctx.thresholds.accessibility_impacts)
    audits = ctx.session.execute(
        select(AccessibilityAudit.unit_id, AccessibilityAudit.url, AccessibilityAudit.kind,
               AccessibilityAudit.error, AccessibilityAudit.care_entry, AccessibilityAudit.violations)
        .where(AccessibilityAudit.audited_at <= ctx.as_of, ctx.unit_filter(AccessibilityAudit.unit_id))
        .order_by(AccessibilityAudit.unit_id, AccessibilityAudit.url)).all()
    per_unit: dict[int | None, list[Any]] = {}
    for audit in audits:
        if audit.error:
            ctx.skip(f"无障碍检测未能运行：{audit.error}", unit_id=audit.unit_id, url=audit.url)
            continue
        per_unit.setdefault(audit.unit_id, []).append(audit)
        if audit.kind == "home":
            ctx.checked_pages([(audit.unit_id, audit.url)])
            if not audit.care_entry:
                yield ctx.draft(f"{names.get(audit.unit_id, '')}：首页未提供“关怀版”或“无障碍”浏览入口",
                                unit_id=audit.unit_id, url=audit.url, discriminator="care_entry",
                                evidence={"page": audit.url})
    for unit_id, unit_audits in per_unit.items():
        ctx.checked_units([unit_id])
        impacts: Counter[str] = Counter()
        rules: dict[str, dict[str, Any]] = {}
        for audit in unit_audits:
            for v in audit.violations or []:
                if v.get("impact") not in counted:
                    continue
                impacts[v["impact"]] += v.get("count", 1)
                rule = rules.setdefault(v["id"], {"rule": v["id"], "impact": v["impact"], "help": v.get("help"),
                                                  "wcag": v.get("wcag", []), "elements": 0, "pages": []})
                rule["elements"] += v.get("count", 1)
                if len(rule["pages"]) < 3:
                    rule["pages"].append({"url": audit.url, "nodes": v.get("nodes", [])[:3]})
        if not rules:
            continue
        by_impact = "，".join(f"{IMPACT_ZH.get(i, i)}{impacts[i]}处" for i in IMPACT_ZH if impacts[i])
        shown = "、".join(sorted(rules)[:4])
        yield ctx.draft(f"{names.get(unit_id, '')}：抽检{len(unit_audits)}个页面存在无障碍问题（{by_impact}；{shown}）",
                        unit_id=unit_id, discriminator="violations",
                        evidence={"pages_checked": len(unit_audits), "impacts": dict(impacts),
                                  "rules": sorted(rules.values(), key=lambda r: (-r["elements"], r["rule"]))[:10]})


CHECK = Check(
    rule="page.accessibility",
    title="网站适老化及无障碍问题",
    clause="工信部信管〔2020〕200号 互联网应用适老化及无障碍改造；GB/T 37668-2019 信息技术 互联网内容无障碍可访问性"
           "技术要求与测试方法（WCAG 2.1 A/AA）",
    severity="info",
    scope="unit",
    run=run,
    fix="按 GB/T 37668-2019 修改页面（图片替代文本、表单标签、颜色对比度、语言声明等），首页提供“关怀版”或“无障碍”入口。",
    description="axe-core 在首页及各单位每类栏目抽检页面中发现的 WCAG 2.1 A/AA 问题（按影响程度计数，列出规则和元素），"
                "以及首页未提供关怀版/无障碍入口。",
)
