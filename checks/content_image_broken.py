"""图片无法显示: images whose file is missing or unreachable (indicators B2: link availability "incl.
images"). One finding per broken image and unit, with the pages showing it (a footer icon is one
finding, not one per page); the same dead-target rule as link.dead, which leaves images to this check.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from checks.base import Check, CheckContext, FindingDraft, iso
from checks.link_dead import dead_condition, why_dead
from storage.models import Link, LinkTarget, Page

KIND_TEXT = {"home": "首页", "unit_home": "单位首页", "list": "栏目页", "article": "文章", "sitemap": "网站地图"}


def run(ctx: CheckContext) -> Iterator[FindingDraft]:
    scope = ctx.unit_filter(Page.unit_id)
    ctx.checked_units(ctx.session.execute(select(Page.unit_id).where(scope).distinct()).scalars().all())
    rows = ctx.session.execute(
        select(Page.unit_id, LinkTarget.url, Page.url, Page.title, Page.kind, LinkTarget.http_status,
               LinkTarget.error, LinkTarget.soft_404, LinkTarget.checked_at)
        .join(Link, Link.page_id == Page.id).join(LinkTarget, LinkTarget.id == Link.target_id)
        .where(scope, Link.tag == "img", dead_condition())
        .order_by(LinkTarget.url, Page.unit_id, Page.url)
    ).all()
    by_image: dict[tuple[int | None, str], list] = {}
    for row in rows:
        by_image.setdefault((row[0], row[1]), []).append(row)
    for (unit_id, src), pages in by_image.items():
        _, _, page_url, title, kind, status, error, soft_404, checked_at = pages[0]
        if len(pages) == 1:
            where = f"《{title}》" if kind == "article" and title else KIND_TEXT.get(kind, "页面")
        else:
            where = f"{len(pages)}个页面"
        yield ctx.draft(
            f"{where}中的图片{src}无法显示（{why_dead(status, error, bool(soft_404))}）",
            unit_id=unit_id, url=src,
            evidence={"src": src, "http_status": status, "error": error, "soft_404": bool(soft_404),
                      "checked_at": iso(checked_at), "pages": [p[2] for p in pages[:20]],
                      "page_titles": [p[3] for p in pages[:5]], "pages_count": len(pages)},
        )


CHECK = Check(
    rule="content.image_broken",
    title="图片无法显示",
    clause="国办秘函〔2019〕19号 扣分指标 功能设计>可用性（链接可用性，含图片）",
    severity="deduct",
    points=0.1,
    scope="page",
    run=run,
    fix="修复或删除无法显示的图片。",
    description="页面中的图片返回404/5xx、无法连接或超时，每张图片按一个不可用链接计（多个页面共用的图片只计一次）。",
)
