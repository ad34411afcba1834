"""附件1 信息发布统计表: what each unit published in the period, ranked, with the notice's three lists.

A count is of distinct pieces of information, as inspectors count them by hand: an article that
a parent column, a sub-column and the 信息公开目录 all list is one; two items of one unit with
the same title are one; an item whose article page names an outside source (转载自新华社、省政府
…) is a repost and is not the unit's own information; the portal's home page only repeats the
columns and is left out. Only items whose list shows a date in the period count, and a URL the unit
listed earlier than the period is not new in it. An item's title and column are read from its listings
in the period.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from portalcheck.exports.common import CATEGORY_ZH, Chart, Field, Period, Table, clean_text
from storage.models import Column, ListItem, Page, Unit
from storage.session import Store

COUNTED, REPOST, DUPLICATE = "计入", "转载，未计入", "标题重复，未计入"  # 是否计入: the 信息明细 fates
TOP_N = 10
FEW = 10  # "信息公开量在10条以下"
PORTAL_KIND = "门户"
# A source naming an outlet or a government above the county: the item is a repost.
REPOST_SOURCE = re.compile(r"转载|转自|新华社|新华网|人民网|人民日报|央视|中国政府网|国务院|国家|中央|"
                           r"省人民政府|省政府|省委|市人民政府|市政府|市委")


@dataclass
class UnitCount:
    """One unit's figures for the period."""

    unit_id: int
    name: str
    kind: str
    count: int = 0
    reposts: int = 0
    duplicates: int = 0
    newest: date | None = None
    rank: int | None = None
    per_column: dict[int, int] = field(default_factory=dict)
    items: list[dict[str, Any]] = field(default_factory=list)  # every dated item in the period, with its fate
    # the 信息明细 rows (items in the period, counted or not) by (column name, fate): the workspace pages them
    rows: Counter[tuple[str, str]] = field(default_factory=Counter)


@dataclass
class Publications:
    period: Period
    units: list[UnitCount]  # ranked, portal excluded
    portal: list[UnitCount]  # the portal's own columns (if it has any besides the home page)
    columns: list[dict[str, Any]]

    @property
    def total(self) -> int:
        return sum(u.count for u in self.units) + sum(u.count for u in self.portal)

    @property
    def top(self) -> list[UnitCount]:
        return [u for u in self.units if u.count > 0][:TOP_N]

    @property
    def few(self) -> list[UnitCount]:
        return sorted((u for u in self.units if 0 < u.count < FEW), key=lambda u: (u.count, u.unit_id))

    @property
    def zero(self) -> list[UnitCount]:
        return [u for u in self.units if u.count == 0]


def is_repost(source: str | None, unit_name: str) -> bool:
    """A page's 来源 names someone else above the county (the unit's own office is not a repost)."""
    if not source:
        return False
    core = unit_name.removeprefix("县")
    return core not in source and bool(REPOST_SOURCE.search(source))


def _owner(item_url: str, candidates: list[tuple[int, str, int]]) -> int:
    """The column an article belongs to: the longest column URL that prefixes the article URL."""
    best = max(candidates, key=lambda c: (item_url.startswith(c[1]) * len(c[1]), c[2], -c[0]))
    return best[0]


def compute(store: Store, period: Period, *, keep_items: bool = True) -> Publications:
    """Every unit's figures, one unit's list items at a time (a unit's rows are all its dedup needs): memory
    holds one unit's items, and the 信息明细 rows too unless keep_items is False (see unit_items)."""
    with store.session() as session:
        units = session.execute(select(Unit.id, Unit.name, Unit.kind).order_by(Unit.id)).all()
        columns = session.execute(
            select(Column.id, Column.unit_id, Column.name, Column.category, Column.url, Column.level)
            .order_by(Column.unit_id, Column.id)).all()
    counts = {uid: UnitCount(uid, name, kind) for uid, name, kind in units if period.wants(name)}
    column_info = {c.id: c for c in columns}
    for unit in counts.values():
        _count_unit(unit, _listings(store, unit.unit_id, period), column_info, period, keep=keep_items)
    ranked = sorted((u for u in counts.values() if u.kind != PORTAL_KIND), key=lambda u: (-u.count, u.unit_id))
    previous: tuple[int, int] | None = None
    for position, unit in enumerate(ranked, start=1):
        unit.rank = previous[1] if previous and previous[0] == unit.count else position
        previous = (unit.count, unit.rank)
    portal = [u for u in counts.values() if u.kind == PORTAL_KIND and u.count]
    per_column = [
        {"unit": counts[c.unit_id].name, "column": c.name, "category": CATEGORY_ZH.get(c.category, c.category),
         "level": c.level, "url": c.url, "count": counts[c.unit_id].per_column.get(c.id, 0)}
        for c in columns if c.unit_id in counts and c.category != "home"
    ]
    return Publications(period, ranked, portal, per_column)


def _listings(store: Store, unit_id: int, period: Period) -> dict[str, list[Any]]:
    """A unit's list items dated in the period (home page left out) by URL, in id order (the first listing's title
    is the item's), without the URLs the unit listed with an earlier date too (published before the period).
    Read as a range of dates per column (ix_list_items_column_published), the earlier listings by the
    (column_id, url) unique index: the items outside the period are never read."""
    with store.session() as session:  # named, not joined: PostgreSQL then reads ranges of the index, not the table
        columns = list(session.scalars(select(Column.id).where(Column.unit_id == unit_id, Column.category != "home")))
    if not columns:
        return {}
    earlier = aliased(ListItem)
    before = select(earlier.id).where(earlier.column_id.in_(columns), earlier.url == ListItem.url,
                                      earlier.published_on < period.date_from)
    query = (select(ListItem.url, ListItem.title, ListItem.published_on, ListItem.column_id, Page.source)
             .outerjoin(Page, Page.url == ListItem.url)
             .where(ListItem.column_id.in_(columns),
                    ListItem.published_on.between(period.date_from, period.date_to), ~before.exists())
             .order_by(ListItem.id))
    by_url: dict[str, list[Any]] = defaultdict(list)
    with store.session() as session:
        for url, title, published_on, column_id, source in session.connection().execute(query):
            by_url[url].append((title, published_on, column_id, source))
    return by_url


def unit_items(store: Store, period: Period, unit_id: int, name: str, kind: str) -> list[dict[str, Any]]:
    """One unit's 信息明细 rows in the export's order (as compute keeps them)."""
    with store.session() as session:
        columns = session.execute(
            select(Column.id, Column.unit_id, Column.name, Column.category, Column.url, Column.level)
            .where(Column.unit_id == unit_id)).all()
    unit = UnitCount(unit_id, name, kind)
    _count_unit(unit, _listings(store, unit_id, period), {c.id: c for c in columns}, period)
    return unit.items


def iter_items(store: Store, pubs: Publications) -> Iterator[dict[str, Any]]:
    """Every unit's 信息明细 rows in the export's order, one unit in memory at a time (compute(keep_items=False))."""
    for unit in pubs.units + pubs.portal:
        yield from unit.items or unit_items(store, pubs.period, unit.unit_id, unit.name, unit.kind)


def _count_unit(unit: UnitCount, urls: dict[str, list[Any]], column_info: dict[int, Any], period: Period,
                keep: bool = True) -> None:
    """Each URL's fate in order of date (a repost, a title seen before, or counted); `keep`: the rows too."""
    candidates = [(c.id, c.url, c.level) for c in column_info.values() if c.unit_id == unit.unit_id]
    if not candidates:
        return
    seen_titles: set[str] = set()
    entries = []
    for url, listings in urls.items():
        published = min(d for _, d, _, _ in listings)
        title = " ".join((listings[0][0] or "").split())
        source = next((s for _, _, _, s in listings if s), None)
        entries.append((published, url, title, source, {c for _, _, c, _ in listings}))
    for published, url, title, source, listed_in in sorted(entries):
        owner = _owner(url, [c for c in candidates if c[0] in listed_in] or candidates) \
            if len(listed_in) > 1 else next(iter(listed_in))
        fate = COUNTED
        if is_repost(source, unit.name):
            unit.reposts += 1
            fate = REPOST
        elif title and title in seen_titles:
            unit.duplicates += 1
            fate = DUPLICATE
        unit.rows[(column_info[owner].name, fate)] += 1
        if keep:
            unit.items.append({"unit": unit.name, "column": column_info[owner].name, "title": clean_text(title),
                               "published_on": published, "source": clean_text(source), "url": url,
                               "counted": fate})
        if fate != COUNTED:
            continue
        seen_titles.add(title)
        unit.count += 1
        unit.newest = max(unit.newest or published, published)
        unit.per_column[owner] = unit.per_column.get(owner, 0) + 1


UNIT_FIELDS = [
    Field("rank", "排名", 6, "int"), Field("unit", "单位", 20), Field("kind", "类别", 8),
    Field("count", "信息发布量（条）", 12, "int"), Field("newest", "最近发布日期", 13, "date"),
    Field("reposts", "转载（未计入）", 10, "int"), Field("duplicates", "重复（未计入）", 10, "int"),
    Field("group", "所属名单", 18),
]
LIST_FIELDS = [Field("list", "名单", 22), Field("order", "序号", 6, "int"), Field("unit", "单位", 20),
               Field("count", "信息发布量（条）", 12, "int")]
COLUMN_FIELDS = [Field("unit", "单位", 20), Field("column", "栏目", 16), Field("category", "栏目类别", 12),
                 Field("level", "层级", 6, "int"), Field("count", "信息发布量（条）", 12, "int"),
                 Field("url", "栏目网址", 40, "url")]

ITEM_FIELDS = [Field("unit", "单位", 18), Field("column", "栏目", 14), Field("title", "标题", 50),
               Field("published_on", "发布日期", 12, "date"), Field("source", "来源", 18),
               Field("counted", "是否计入", 14), Field("url", "网址", 40, "url")]


def _group(pubs: Publications, unit: UnitCount) -> str:
    if unit.count == 0:
        return "信息公开量为零"
    if unit in pubs.top:
        return f"前{TOP_N}位"
    return f"{FEW}条以下" if unit.count < FEW else ""


def tables(pubs: Publications, items: Iterable[dict[str, Any]] | None = None,
           item_count: int | None = None) -> list[Table]:
    """The four tables; `items` (with `item_count`) streams the 信息明细 rows when compute did not keep them."""
    rows = [{"rank": u.rank, "unit": clean_text(u.name), "kind": u.kind, "count": u.count, "newest": u.newest,
             "reposts": u.reposts, "duplicates": u.duplicates, "group": _group(pubs, u)} for u in pubs.units]
    rows += [{"rank": None, "unit": u.name, "kind": u.kind, "count": u.count, "newest": u.newest,
              "reposts": u.reposts, "duplicates": u.duplicates, "group": "门户自有栏目"} for u in pubs.portal]
    rows.append({"rank": None, "unit": "合计", "kind": "", "count": pubs.total, "newest": None,
                 "reposts": sum(u.reposts for u in pubs.units + pubs.portal),
                 "duplicates": sum(u.duplicates for u in pubs.units + pubs.portal), "group": ""})
    chart = Chart("各单位信息发布量", "unit", ["count"], rows=len(pubs.units))
    main = Table("units", f"附件1 信息发布统计（{pubs.period.label()}）", UNIT_FIELDS, rows, charts=[chart])
    lists = ([{"list": f"信息公开量前{TOP_N}位", "order": i, "unit": u.name, "count": u.count}
              for i, u in enumerate(pubs.top, 1)]
             + [{"list": f"信息公开量{FEW}条以下", "order": i, "unit": u.name, "count": u.count}
                for i, u in enumerate(pubs.few, 1)]
             + [{"list": "信息公开量为零", "order": i, "unit": u.name, "count": 0}
                for i, u in enumerate(pubs.zero, 1)])
    if items is None:
        items = [item for u in pubs.units + pubs.portal for item in u.items]
    return [main, Table("lists", "通报名单", LIST_FIELDS, lists),
            Table("columns", "分栏目统计", COLUMN_FIELDS, pubs.columns),
            Table("items", "信息明细", ITEM_FIELDS, items, count=item_count)]


def row_count(pubs: Publications) -> int:
    """How many 信息明细 rows there are (counted or not)."""
    return sum(sum(u.rows.values()) for u in pubs.units + pubs.portal)
