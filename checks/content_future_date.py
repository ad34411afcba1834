"""发布日期晚于检查日期: a publication date in the future is a forged or mistyped date (indicators A1(5)).

Read from the article's own date (pages.published_at) and from list entries (list_items.published_on);
one day of tolerance covers time zones and pages published late in the evening.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from sqlalchemy import select

from checks.base import Check, CheckContext, FindingDraft, iso
from storage.models import Column, ListItem, Page


def run(ctx: CheckContext) -> Iterator[FindingDraft]:
    limit = ctx.today + timedelta(days=1)
    units = ctx.session.execute(select(Column.unit_id).where(ctx.unit_filter(Column.unit_id)).distinct())
    ctx.checked_units(units.scalars().all())
    ctx.checked_units(ctx.session.execute(select(Page.unit_id).where(ctx.unit_filter(Page.unit_id)).distinct())
                      .scalars().all())
    items = ctx.session.execute(
        select(Column.unit_id, Column.name, ListItem.url, ListItem.title, ListItem.published_on, ListItem.raw_date)
        .join(Column, Column.id == ListItem.column_id)
        .where(ListItem.published_on > limit, ctx.unit_filter(Column.unit_id))
    ).all()
    for unit_id, column, url, title, published, raw in items:
        yield ctx.draft(f"「{column}」栏目中《{title}》的发布日期为{published.isoformat()}，晚于检查日期",
                        unit_id=unit_id, url=url,
                        evidence={"column": column, "title": title, "published_on": iso(published), "raw_date": raw})
    pages = ctx.session.execute(
        select(Page.unit_id, Page.url, Page.title, Page.published_at, Page.fetched_at)
        .where(Page.published_at > ctx.as_of + timedelta(days=1), ctx.unit_filter(Page.unit_id))
    ).all()
    for unit_id, url, title, published, fetched_at in pages:
        yield ctx.draft(f"《{title or url}》的发布时间为{published.date().isoformat()}，晚于检查日期",
                        unit_id=unit_id, url=url,
                        evidence={"title": title, "published_at": iso(published), "fetched_at": iso(fetched_at)})


CHECK = Check(
    rule="content.future_date",
    title="发布日期晚于检查日期",
    clause="国办秘函〔2019〕19号 单项否决 A1（弄虚作假：伪造发稿日期）",
    severity="info",
    scope="page",
    run=run,
    description="列表或正文的发布日期晚于检查日期（超过1天），可能为伪造或录入错误，需人工确认。",
)
