"""网站标识码: present in the footer, well formed, and the same in footer text and SiteIDCode.

Both places should agree with each other and with the site's registered code (indicators.md
F3); a disagreement usually means a template copied from another site. A wrong code in the
找错 entry is page.no_error_report's finding, not counted twice here.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.base import Check, CheckContext, FindingDraft
from checks.facts.marks import by_unit, expected_code, mark_groups, sample, unit_names
from portalcheck.config import SITE_CODE_RE

PLACES = {"site_code_text": "页面底部", "site_id_meta": "SiteIDCode标签"}


def run(ctx: CheckContext) -> Iterator[FindingDraft]:
    names = unit_names(ctx)
    groups = mark_groups(ctx, *PLACES)
    for unit_id, unit_groups in by_unit(groups).items():
        ctx.checked_units([unit_id])
        code = expected_code(ctx, unit_id)
        total = sum(g.pages for g in unit_groups)
        who = names.get(unit_id, "")
        missing, malformed, disagreeing = [], [], []
        for group in unit_groups:
            text = (group.values["site_code_text"] or "").strip()
            if not text:
                missing.append(group)
            elif not SITE_CODE_RE.match(text):
                malformed.append(group)
            seen = {(group.values[p] or "").strip() for p in PLACES} - {""}
            if seen - {code}:
                disagreeing.append(group)
        if missing:
            count = sum(g.pages for g in missing)
            yield ctx.draft(f"{who}：{count}/{total}个页面底部未列明网站标识码", unit_id=unit_id,
                            discriminator="missing",
                            evidence={"expected": code, "pages_checked": total, "pages_failing": count,
                                      "samples": sample(missing)})
        if malformed:
            count = sum(g.pages for g in malformed)
            values = "、".join(sorted({g.values["site_code_text"].strip() for g in malformed})[:3])
            yield ctx.draft(f"{who}：{count}/{total}个页面底部网站标识码格式不规范（{values}，应为10位数字或bm加8位数字）",
                            unit_id=unit_id, discriminator="malformed",
                            evidence={"expected": code, "pages_checked": total, "pages_failing": count,
                                      "samples": sample(malformed)})
        if disagreeing:
            count = sum(g.pages for g in disagreeing)
            parts = sorted({f"{PLACES[p]}{g.values[p].strip()}" for g in disagreeing for p in PLACES
                            if (g.values[p] or "").strip() and g.values[p].strip() != code})
            yield ctx.draft(f"{who}：{count}/{total}个页面的网站标识码与本网站标识码{code}不一致（{'、'.join(parts[:4])}）",
                            unit_id=unit_id, discriminator="disagree",
                            evidence={"expected": code, "pages_checked": total, "pages_failing": count,
                                      "samples": sample(disagreeing)})


CHECK = Check(
    rule="footer.site_code",
    title="网站标识码缺失、不规范或不一致",
    clause="国办发〔2017〕47号 网页设计规范；国办秘函〔2019〕19号 扣分指标 功能设计>网站标识",
    severity="deduct",
    points=0.5,
    scope="unit",
    run=run,
    fix="在全站页面底部列明正确的网站标识码，并与 SiteIDCode 标签、找错入口保持一致。",
    description="页面底部应列明网站标识码（10位数字或bm加8位数字），且与 SiteIDCode 标签、找错入口一致。",
)
