"""党政机关网站标识 (the red conac badge) in the footer of every page (indicators.md F2)."""

from __future__ import annotations

from collections.abc import Iterator

from checks.base import Check, CheckContext, FindingDraft
from checks.facts.marks import by_unit, mark_groups, sample, unit_names


def run(ctx: CheckContext) -> Iterator[FindingDraft]:
    names = unit_names(ctx)
    for unit_id, groups in by_unit(mark_groups(ctx, "conac")).items():
        ctx.checked_units([unit_id])
        total = sum(g.pages for g in groups)
        missing = [g for g in groups if not g.values["conac"]]
        if not missing:
            continue
        count = sum(g.pages for g in missing)
        yield ctx.draft(
            f"{names.get(unit_id, '')}：{count}/{total}个页面底部未展示党政机关网站标识",
            unit_id=unit_id, discriminator="missing",
            evidence={"pages_checked": total, "pages_failing": count, "samples": sample(missing)},
        )


CHECK = Check(
    rule="footer.conac",
    title="页面底部未展示党政机关网站标识",
    clause="国办发〔2017〕47号 网页设计规范；国办秘函〔2019〕19号 扣分指标 功能设计>网站标识",
    severity="deduct",
    points=0.5,
    scope="unit",
    run=run,
    fix="在全站页面底部展示党政机关网站标识，并链接至开办主体信息。",
    description="全站页面底部功能区应展示党政机关网站标识（bszs.conac.cn 或 dcs.conac.cn 脚本）。",
)
