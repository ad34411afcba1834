"""信息发布不规范: one column's articles that do not follow the column's own form, and impossible dates.

An inspector reads a column as a series: when most of its articles state 来源 and a date, the ones
that do not are the column's mistakes; a list date that disagrees with the article's own date, or
images of wildly different displayed widths in one article, are the same kind of slip. A date
later than the check, or one that changed since an earlier crawl, is a forged or mistyped date
(A1(5), 伪造发稿日期). One day of tolerance covers time zones.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from checks.base import Check, CheckContext, FindingDraft, iso
from storage.models import Column, ListItem, Page

SERIES_MIN = 5  # articles a column needs before its "usual form" means anything
SERIES_SHARE = 0.8  # share of the column's articles that must carry a field for its absence to be a slip
IMAGE_WIDTH_RATIO = 3  # widest / narrowest displayed image in one article
IMAGE_MIN_WIDTH = 50  # icons and spacers are not content images
FIELD_TEXT = {"source": "来源", "published_at": "发布日期"}


def _future_dates(ctx: CheckContext) -> Iterator[FindingDraft]:
    limit = ctx.today + timedelta(days=1)
    items = ctx.session.execute(
        select(Column.unit_id, Column.name, ListItem.url, ListItem.title, ListItem.published_on, ListItem.raw_date)
        .join(Column, Column.id == ListItem.column_id)
        .where(ListItem.published_on > limit, ctx.unit_filter(Column.unit_id))
    ).all()
    for unit_id, column, url, title, published, raw in items:
        yield ctx.draft(f"「{column}」栏目中《{title}》的发布日期为{published.isoformat()}，晚于检查日期（需核实）",
                        unit_id=unit_id, url=url, discriminator="future_date",
                        evidence={"problem": "future_date", "column": column, "title": title,
                                  "published_on": iso(published), "raw_date": raw})
    pages = ctx.session.execute(
        select(Page.unit_id, Page.url, Page.title, Page.published_at, Page.fetched_at)
        .where(Page.published_at > ctx.as_of + timedelta(days=1), ctx.unit_filter(Page.unit_id))
    ).all()
    for unit_id, url, title, published, fetched_at in pages:
        yield ctx.draft(f"《{title or url}》的发布时间为{published.date().isoformat()}，晚于检查日期（需核实）",
                        unit_id=unit_id, url=url, discriminator="future_date",
                        evidence={"problem": "future_date", "title": title, "published_at": iso(published),
                                  "fetched_at": iso(fetched_at)})


def _missing_fields(ctx: CheckContext) -> Iterator[FindingDraft]:
    articles = (Page.kind == "article", Page.http_status == 200, Page.column_id.is_not(None),
                ctx.unit_filter(Page.unit_id))
    series = ctx.session.execute(
        select(Page.column_id, func.count(), func.count(Page.source), func.count(Page.published_at))
        .where(*articles).group_by(Page.column_id).having(func.count() >= SERIES_MIN)
    ).all()
    for field, position in (("source", 2), ("published_at", 3)):
        columns = [row[0] for row in series if row[1] > row[position] >= SERIES_SHARE * row[1]]
        if not columns:
            continue
        attribute = getattr(Page, field)
        rows = ctx.session.execute(
            select(Page.unit_id, Page.url, Page.title, Column.name, Page.column_id, Page.fetched_at)
            .join(Column, Column.id == Page.column_id)
            .where(*articles, Page.column_id.in_(columns), attribute.is_(None))
        ).all()
        shares = {row[0]: (row[position], row[1]) for row in series}
        for unit_id, url, title, column, column_id, fetched_at in rows:
            having, total = shares[column_id]
            yield ctx.draft(
                f"《{title or url}》缺少{FIELD_TEXT[field]}，而「{column}」栏目其他文章均标注了{FIELD_TEXT[field]}",
                unit_id=unit_id, url=url, discriminator=f"missing_{field}",
                evidence={"problem": f"missing_{field}", "column": column, "title": title,
                          "column_articles": total, "column_articles_with_field": having,
                          "fetched_at": iso(fetched_at)},
            )


def _date_mismatches(ctx: CheckContext) -> Iterator[FindingDraft]:
    zone = ZoneInfo(ctx.timezone)
    rows = ctx.session.execute(
        select(Column.unit_id, Column.name, Page.url, Page.title, ListItem.published_on, ListItem.raw_date,
               Page.published_at)
        .join(Column, Column.id == ListItem.column_id).join(Page, Page.url == ListItem.url)
        .where(ListItem.published_on.is_not(None), Page.published_at.is_not(None), Page.kind == "article",
               ctx.unit_filter(Column.unit_id))
        .execution_options(yield_per=2000)  # a province's million dated articles, not held at once
    )
    for unit_id, column, url, title, listed, raw, published in rows:
        own = published.astimezone(zone).date()
        if abs((own - listed).days) > 1:
            yield ctx.draft(
                f"「{column}」栏目列表中《{title or url}》的日期为{listed.isoformat()}，正文发布日期却是{own.isoformat()}",
                unit_id=unit_id, url=url, discriminator="date_mismatch",
                evidence={"problem": "date_mismatch", "column": column, "title": title,
                          "list_date": iso(listed), "list_raw_date": raw, "article_date": iso(own)},
            )


def _article_flags(ctx: CheckContext) -> Iterator[FindingDraft]:
    """What one article's own flags show: images of very different widths, a date changed between crawls."""
    rows = ctx.session.execute(
        select(Page.unit_id, Page.url, Page.title, Page.flags)
        .where(Page.kind == "article", Page.http_status == 200, ctx.unit_filter(Page.unit_id))
        .execution_options(yield_per=1000)
    )
    for unit_id, url, title, flags in rows:
        flags = flags or {}
        widths = [w for image in flags.get("images") or [] if (w := image.get("width")) and w >= IMAGE_MIN_WIDTH]
        if len(widths) >= 2 and max(widths) >= IMAGE_WIDTH_RATIO * min(widths):
            yield ctx.draft(
                f"《{title or url}》中图片显示尺寸差异过大（宽{min(widths)}至{max(widths)}像素）",
                unit_id=unit_id, url=url, discriminator="image_sizes",
                evidence={"problem": "image_sizes", "title": title, "widths": widths},
            )
        if history := flags.get("date_history"):
            last = history[-1]
            yield ctx.draft(
                f"《{title or url}》的发布日期在两次检查之间被修改（由{last['from'][:10]}改为{last['to'][:10]}，需核实）",
                unit_id=unit_id, url=url, discriminator="date_changed",
                evidence={"problem": "date_changed", "title": title, "changes": history},
            )


def run(ctx: CheckContext) -> Iterator[FindingDraft]:
    scope = ctx.unit_filter(Page.unit_id)
    ctx.checked_units(ctx.session.execute(select(Page.unit_id).where(scope).distinct()).scalars().all())
    ctx.checked_units(ctx.session.execute(select(Column.unit_id).where(ctx.unit_filter(Column.unit_id)).distinct())
                      .scalars().all())
    yield from _future_dates(ctx)
    yield from _missing_fields(ctx)
    yield from _date_mismatches(ctx)
    yield from _article_flags(ctx)


CHECK = Check(
    rule="content.format",
    title="信息发布不规范",
    clause="国办秘函〔2019〕19号 扣分指标 发布解读>内容准确、规范；单项否决 A1（弄虚作假：伪造发稿日期）",
    severity="deduct",
    points=0.1,
    scope="page",
    run=run,
    fix="按栏目统一标注来源和发布日期，核实并更正与列表不一致或晚于检查日期的日期，统一正文图片尺寸。",
    description="同一栏目多数文章标注来源、日期而个别文章缺失；列表日期与正文日期不一致；同一文章图片尺寸差异过大；"
    "发布日期晚于检查日期或在两次抓取之间被修改（可能为伪造或录入错误，需核实）。",
)
