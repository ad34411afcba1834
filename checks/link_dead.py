"""死链: links (and images, scripts, frames) that do not work, one finding per dead target and unit.

Images are content.image_broken's. Dead: 404/410, 5xx, DNS failure, refused connection, timeout (15 s), soft 404 (indicators.md
B2). 403 and 429 only say the server refused a robot: "unverified", never dead. Links on the
home page weigh more (首页链接可用性) and external targets are reported apart.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import and_, case, false, func, or_, select

from checks.base import Check, CheckContext, FindingDraft, iso
from storage.models import Column, Link, LinkTarget, Page

DEAD_ERRORS = ("dns", "refused", "timeout")
UNVERIFIED_STATUS = (403, 429)
ERROR_TEXT = {"dns": "域名无法解析", "refused": "连接被拒绝", "timeout": "访问超时"}
TAG_TEXT = {"a": "链接", "img": "图片", "script": "脚本", "link": "样式表", "iframe": "内嵌框架"}


def dead_condition():  # type: ignore[no-untyped-def]
    return and_(
        LinkTarget.checked_at.is_not(None),
        or_(LinkTarget.http_status.in_((404, 410)), LinkTarget.http_status >= 500,
            LinkTarget.error.in_(DEAD_ERRORS),
            and_(LinkTarget.soft_404.is_not(None), LinkTarget.soft_404 != false())),
    )


def why_dead(status: int | None, error: str | None, soft_404: bool) -> str:
    if error in ERROR_TEXT:
        return ERROR_TEXT[error]
    if soft_404 and (status is None or status < 400):
        return "页面显示“页面不存在”（软404）"
    return f"返回HTTP {status}"


def run(ctx: CheckContext) -> Iterator[FindingDraft]:
    scope = ctx.unit_filter(Page.unit_id)
    units = ctx.session.execute(select(Page.unit_id).where(scope).distinct()).scalars().all()
    ctx.checked_units(units)
    unverified = ctx.session.execute(
        select(Page.unit_id, func.count(func.distinct(LinkTarget.id)))
        .join(Link, Link.page_id == Page.id).join(LinkTarget, LinkTarget.id == Link.target_id)
        .where(scope, LinkTarget.http_status.in_(UNVERIFIED_STATUS)).group_by(Page.unit_id)
    ).all()
    for unit_id, count in unverified:
        ctx.skip(f"{count}个链接返回403/429（服务器拒绝检测），无法确认是否可用", unit_id=unit_id)
    rows = ctx.session.execute(
        select(LinkTarget.url, LinkTarget.is_external, LinkTarget.http_status, LinkTarget.error,
               LinkTarget.soft_404, LinkTarget.checked_at, Page.unit_id, Page.url, Page.kind, Link.tag, Link.text)
        .join(Link, Link.target_id == LinkTarget.id).join(Page, Page.id == Link.page_id)
        # A dead link to a column page is that column's column.broken finding, a broken image is
        # content.image_broken: neither is deducted twice (indicators §0.2).
        .where(scope, dead_condition(), LinkTarget.url.not_in(select(Column.url)), Link.tag != "img")
        .order_by(LinkTarget.url, Page.unit_id, case((Page.kind == "home", 0), else_=1), Page.url)
    ).all()
    grouped: dict[tuple[str, int | None], list] = {}
    for row in rows:
        grouped.setdefault((row[0], row[6]), []).append(row)
    for (target, unit_id), links in grouped.items():
        _url, external, status, error, soft_404, checked_at = links[0][:6]
        pages = sorted({r[7] for r in links})
        on_home = any(r[8] == "home" for r in links)
        tags = sorted({r[9] for r in links})
        what = "、".join(TAG_TEXT.get(t, t) for t in tags)
        where = "首页" if on_home else f"{len(pages)}个页面"
        kind = "外部" if external else "站内"
        yield ctx.draft(
            f"{where}上的{kind}{what}{target}无法访问（{why_dead(status, error, bool(soft_404))}）",
            unit_id=unit_id, url=target, points=1.0 if on_home else 0.1,
            evidence={"target": target, "http_status": status, "error": error, "soft_404": bool(soft_404),
                      "external": bool(external), "on_home": on_home, "tags": tags,
                      "pages": pages[:20], "pages_count": len(pages), "checked_at": iso(checked_at),
                      "link_texts": sorted({r[10] for r in links if r[10]})[:5]},
        )


CHECK = Check(
    rule="link.dead",
    title="链接不可用（死链）",
    clause="国办秘函〔2019〕19号 扣分指标 功能设计>可用性（首页及其他页面链接可用性）",
    severity="deduct",
    points=0.1,
    scope="page",
    run=run,
    fix="修复或删除失效的链接和附件。",
    description="链接返回404/410/5xx、域名无法解析、连接被拒绝、超时或软404；首页链接单独计数，外部链接单独标注；"
    "403/429视为无法验证。",
)
