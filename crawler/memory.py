"""What earlier runs saw, read from the store before a crawl: the basis of incremental and resumed runs."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.frontier import ListFrontier, load_unfinished
from storage.models import Column, CrawlRun, LinkTarget, ListItem, Page, Unit


@dataclass
class KnownColumn:
    unit: str
    name: str
    url: str
    category: str
    level: int
    parent_url: str | None
    render: str


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
    def load(cls, session: Session, *, resume_run: CrawlRun | None, full: bool = False) -> CrawlMemory:
        """`resume_run`: the killed run being continued; `full`: everything is re-verified anyway."""
        memory = cls()
        column_urls: dict[int, str] = {}
        rows = session.execute(
            select(Column, Unit.name).join(Unit, Unit.id == Column.unit_id)
        ).all()
        parents = {column.id: column.url for column, _ in rows}
        for column, unit_name in rows:
            column_urls[column.id] = column.url
            if column.read_mode:
                memory.read_modes[column.url] = column.read_mode
            memory.columns[unit_name].append(KnownColumn(
                unit_name, column.name, column.url, column.category, column.level,
                parents.get(column.parent_id), column.render,
            ))
        for column_id, url in session.execute(select(ListItem.column_id, ListItem.url)):
            memory.item_urls[column_urls[column_id]].add(url)
        for url, kind, etag, modified in session.execute(
            select(Page.url, Page.kind, Page.etag, Page.last_modified).where(Page.http_status == 200)
        ):
            if etag or modified:
                memory.validators[url] = (etag, modified)
            if kind == "article":
                memory.article_urls.add(url)
        checked = select(LinkTarget.url).where(LinkTarget.checked_at.is_not(None))
        if resume_run is not None:
            memory.done_urls = set(session.scalars(
                select(Page.url).where(Page.run_id == resume_run.id, Page.kind.in_(("article", "other")))
            ))
            if full:  # a full run re-checks every link, except those this run already did
                checked = checked.where(LinkTarget.checked_at >= resume_run.started_at)
        if resume_run is not None or not full:
            memory.checked_links = set(session.scalars(checked))
        memory.unfinished = load_unfinished(session, "column")
        return memory
