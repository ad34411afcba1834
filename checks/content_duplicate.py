"""重复发布: the same article published twice in one column (indicators B: 信息发布规范).

Two entries of one column are the same publication when their titles match and their dates match
(undated entries: their article pages have the same body). Periodic items with a fixed title but
different dates (每周例会) are not duplicates.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from sqlalchemy import and_, func, select

from checks.base import Check, CheckContext, FindingDraft, iso
from storage.models import Column, ListItem, Page

_NOISE = re.compile(r"[\s\W_]+")


def title_key(title: str) -> str:
    return _NOISE.sub("", title).lower()


def run(ctx: CheckContext) -> Iterator[FindingDraft]:
    scope = ctx.unit_filter(Column.unit_id)
    ctx.checked_units(ctx.session.execute(select(Column.unit_id).where(scope).distinct()).scalars().all())
    # Candidates in SQL: entries of one column with the same title and the same date, or both undated
    # (only those can be reported); exact grouping in Python. Dated and undated candidates are read
    # apart so that both joins seek ix_list_items_column_published instead of scanning whole columns.
    rows = []
    for dated in (True, False):
        keys = (ListItem.column_id, ListItem.published_on, ListItem.title) if dated else (ListItem.column_id,
                                                                                         ListItem.title)
        when = ListItem.published_on.is_not(None) if dated else ListItem.published_on.is_(None)
        repeated = (select(*keys).join(Column, Column.id == ListItem.column_id).where(scope, when)
                    .group_by(*keys).having(func.count() > 1).subquery())
        rows += ctx.session.execute(
            select(Column.unit_id, Column.id, Column.name, ListItem.title, ListItem.url, ListItem.published_on,
                   Page.body_text, ListItem.position, ListItem.list_page)
            .join(repeated, and_(when, *(repeated.c[k.key] == k for k in keys)))
            .join(Column, Column.id == ListItem.column_id).outerjoin(Page, Page.url == ListItem.url)
        ).all()
    rows.sort(key=lambda row: (row[1], row[7], row[8]))
    groups: dict[tuple[int, str], list] = {}
    for row in rows:
        groups.setdefault((row[1], title_key(row[3])), []).append(row)
    for entries in groups.values():
        by_day: dict[object, list] = {}
        for row in entries:
            body = (row[6] or "").strip()
            same = row[5] if row[5] is not None else ("body", body) if body else None
            if same is not None:
                by_day.setdefault(same, []).append(row)
        for copies in by_day.values():
            urls = list(dict.fromkeys(r[4] for r in copies))
            if len(urls) < 2:
                continue
            unit_id, column_id, column, title = copies[0][:4]
            yield ctx.draft(
                f"「{column}」栏目重复发布《{title}》（{len(urls)}次）", unit_id=unit_id, column_id=column_id,
                url=urls[0], discriminator="|".join(urls[1:]),
                evidence={"column": column, "title": title, "urls": urls[:10], "count": len(urls),
                          "published_on": iso(copies[0][5])},
            )


CHECK = Check(
    rule="content.duplicate",
    title="同一栏目重复发布",
    clause="国办秘函〔2019〕19号 扣分指标 发布解读>信息发布规范",
    severity="deduct",
    points=0.1,
    scope="page",
    run=run,
    fix="删除重复发布的文章，保留一篇。",
    description="同一栏目中标题相同且发布日期相同（或正文相同）的文章出现两次以上。",
)
