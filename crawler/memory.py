"""What earlier runs saw, read from the store before a crawl: the basis of incremental and resumed runs."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import CompoundSelect, Select, select, union
from sqlalchemy.orm import Session, aliased

from crawler.frontier import ListFrontier, load_unfinished
from storage.models import Column, CrawlRun, Link, LinkTarget, ListItem, Page, Unit


@dataclass
class KnownColumn:
    unit: str
    name: str
    url: str
    category: str
    level: int
    parent_url: str | None
    render: str


@dataclass(frozen=True)
class UnitScope:
    """The part of the store a crawl of some units reads (units None: all of it)."""

    units: list[str] | None

    def unit_ids(self) -> Select[Any]:
        return select(Unit.id).where(Unit.name.in_(self.units or []))

    def column_ids(self) -> Select[Any]:
        return select(Column.id).join(Unit, Unit.id == Column.unit_id).where(Unit.name.in_(self.units or []))

    def columns(self, query: Select[Any]) -> Select[Any]:
        """`query` joins Unit: only the units' columns."""
        return query if self.units is None else query.where(Unit.name.in_(self.units))

    def list_items(self, query: Select[Any]) -> Select[Any]:
        return query if self.units is None else query.where(ListItem.column_id.in_(self.column_ids()))

    def pages(self) -> Select[Any] | CompoundSelect:
        """(url, kind, etag, last_modified) of the pages read well: the units' own, and those their lists
        name (a page two units list belongs to the one that stored it last; both must know it)."""
        columns = (Page.url, Page.kind, Page.etag, Page.last_modified)
        if self.units is None:
            return select(*columns).where(Page.http_status == 200)
        own = select(*columns).where(Page.http_status == 200, Page.unit_id.in_(self.unit_ids()))
        listed = (select(*columns).join(ListItem, ListItem.url == Page.url)
                  .where(Page.http_status == 200, ListItem.column_id.in_(self.column_ids())))
        return union(own, listed)

    def link_targets(self, query: Select[Any]) -> Select[Any]:
        """`query` reads LinkTarget: only the targets the units' pages link to."""
        if self.units is None:
            return query
        linked = select(Link.target_id).join(Page, Page.id == Link.page_id).where(Page.unit_id.in_(self.unit_ids()))
        return query.where(LinkTarget.id.in_(linked))


@dataclass
class CrawlMemory:
    """Known columns, list entries, validators and — when resuming — what this run already did."""

    columns: dict[str, list[KnownColumn]] = field(default_factory=lambda: defaultdict(list))
    item_urls: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    validators: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    article_urls: set[str] = field(default_factory=set)
    done_urls: set[str] = field(default_factory=set)
    checked_links: set[str] = field(default_factory=set)
    read_modes: dict[str, str] = field(default_factory=dict)  # column URL → how its list was last read
    unfinished: dict[str, ListFrontier] = field(default_factory=dict)  # column URL → pages left to read
    after_interruption: bool = False  # the newest run before this one did not finish (set by the pipeline)

    @classmethod
    def load(cls, session: Session, *, resume_run: CrawlRun | None, full: bool = False,
             units: list[str] | None = None) -> CrawlMemory:
        """`resume_run`: the killed run being continued; `full`: everything is re-verified anyway; `units`: the
        units this crawl reads (None: all). A queue job reads a few units of a province whose store holds
        millions of pages: it loads what those units' columns, pages and links were, never the whole store."""
        memory = cls()
        scope = UnitScope(units)
        parent = aliased(Column)
        rows = session.execute(scope.columns(
            select(Column, Unit.name, parent.url).join(Unit, Unit.id == Column.unit_id)
            .outerjoin(parent, parent.id == Column.parent_id)).order_by(Column.id)).all()
        column_urls: dict[int, str] = {}
        for column, unit_name, parent_url in rows:
            column_urls[column.id] = column.url
            if column.read_mode:
                memory.read_modes[column.url] = column.read_mode
            memory.columns[unit_name].append(KnownColumn(
                unit_name, column.name, column.url, column.category, column.level, parent_url, column.render,
            ))
        for column_id, url in session.execute(scope.list_items(select(ListItem.column_id, ListItem.url))):
            memory.item_urls[column_urls[column_id]].add(url)
        for url, kind, etag, modified in session.execute(scope.pages()):
            if etag or modified:
                memory.validators[url] = (etag, modified)
            if kind == "article":
                memory.article_urls.add(url)
        checked = scope.link_targets(select(LinkTarget.url).where(LinkTarget.checked_at.is_not(None)))
        if resume_run is not None:
            memory.done_urls = set(session.scalars(
                select(Page.url).where(Page.run_id == resume_run.id, Page.kind.in_(("article", "other")))
            ))
            if full:  # a full run re-checks every link, except those this run already did
                checked = checked.where(LinkTarget.checked_at >= resume_run.started_at)
        if resume_run is not None or not full:
            memory.checked_links = set(session.scalars(checked))
        memory.unfinished = load_unfinished(session, "column", units=units)
        return memory
