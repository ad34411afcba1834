"""图片无法显示: images on a page whose file is missing or unreachable (indicators B2: link availability
"incl. images"). One finding per page, listing its broken images; the same dead-target rule as link.dead.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from checks.base import Check, CheckContext, FindingDraft, iso
from checks.link_dead import dead_condition, why_dead
from storage.models import Link, LinkTarget, Page

KIND_TEXT = {"home": "首页", "unit_home": "单位首页", "list": "栏目页", "article": "文章"}


def run(ctx: CheckContext) -> Iterator[FindingDraft]:
    scope = ctx.unit_filter(Page.unit_id)
    ctx.checked_units(ctx.session.execute(select(Page.unit_id).where(scope).distinct()).scalars().all())
    rows = ctx.session.execute(
        select(Page.unit_id, Page.url, Page.title, Page.kind, LinkTarget.url, LinkTarget.http_status,
               LinkTarget.error, LinkTarget.soft_404, LinkTarget.checked_at)
        .join(Link, Link.page_id == Page.id).join(LinkTarget, LinkTarget.id == Link.target_id)
        .where(scope, Link.tag == "img", dead_condition())
        .order_by(Page.url, LinkTarget.url)
    ).all()
    by_page: dict[tuple[int | None, str], list] = {}
    for row in rows:
        by_page.setdefault((row[0], row[1]), []).append(row)
    for (unit_id, url), images in by_page.items():
        title, kind = images[0][2], images[0][3]
        first = images[0]
        where = f"《{title}》" if kind == "article" and title else KIND_TEXT.get(kind, "页面")
        yield ctx.draft(
            f"{where}中有{len(images)}张图片无法显示（如{first[4]}：{why_dead(first[5], first[6], bool(first[7]))}）",
            unit_id=unit_id, url=url, points=0.1 * len(images),
            evidence={"page_title": title, "page_kind": kind,
                      "images": [{"src": r[4], "http_status": r[5], "error": r[6], "soft_404": bool(r[7]),
                                  "checked_at": iso(r[8])} for r in images[:20]],
                      "images_count": len(images)},
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
    description="页面中的图片返回404/5xx、无法连接或超时，每张图片按一个不可用链接计。",
)
