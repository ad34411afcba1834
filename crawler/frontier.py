"""Where the reading of one paginated list (a column, a Hanweb jpage group set, a message board) stands,
across runs: the further pages requested and not yet read.

A list is read in full only when its pages join up: a pass from page 1 read on to the end, perhaps over
several runs. A killed crawl never reaches its close, so the state travels with each page's entries to the
store (the same transaction) and the next run — full, incremental or of one unit — continues it first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from crawler.items import ListState
from crawler.layouts.base import PageRequest
from storage.models import UnfinishedList, Unit
from storage.upsert import upsert


@dataclass(frozen=True, slots=True)
class PendingPage:
    """A further list page requested and not read yet. `through`: its pass must read on to the list's end
    (a full pass, or the continuation of one), not stop at the first known item."""

    target: PageRequest
    number: int
    through: bool

    def as_json(self) -> dict[str, Any]:
        return {"url": self.target.url, "method": self.target.method, "form": [list(p) for p in self.target.form],
                "page": self.number, "through": self.through}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PendingPage:
        form = tuple((str(k), str(v)) for k, v in data.get("form") or ())
        return cls(PageRequest(data["url"], data.get("method", "GET"), form), int(data["page"]),
                   bool(data.get("through", True)))


@dataclass
class ListFrontier:
    """The pages of one list still to read; `left_over`: it came from an earlier run's unfinished pass."""

    pending: dict[str, PendingPage] = field(default_factory=dict)
    pages_read: int = 0
    left_over: bool = False
    unit: str | None = None  # whose list it is (as stored)

    @classmethod
    def stored(cls, pending: list[dict[str, Any]], pages_read: int, unit: str | None) -> ListFrontier:
        pages = [PendingPage.from_json(p) for p in pending]
        return cls({p.target.key: p for p in pages}, pages_read, left_over=True, unit=unit)

    def copy(self) -> ListFrontier:
        return ListFrontier(dict(self.pending), self.pages_read, self.left_over, self.unit)

    def restart(self) -> None:
        """A new pass from page 1 (a full run): what an earlier pass left is read again anyway."""
        self.pending.clear()
        self.pages_read = 0

    def read(self, key: str) -> None:
        self.pending.pop(key, None)
        self.pages_read += 1

    def add(self, page: PendingPage) -> None:
        self.pending.setdefault(page.target.key, page)

    @property
    def done(self) -> bool:
        return not self.pending

    def state(self, kind: str, list_url: str, unit: str) -> ListState:
        pages = sorted(self.pending.values(), key=lambda p: (p.number, p.target.key))
        return ListState(kind, list_url, unit, [p.as_json() for p in pages], self.pages_read)


def load_unfinished(session: Session, kind: str, units: list[str] | None = None) -> dict[str, ListFrontier]:
    """Every list of this kind an earlier run left unfinished, by list URL (of these units only, if named)."""
    query = (select(UnfinishedList.list_url, UnfinishedList.pending, UnfinishedList.pages_read, Unit.name)
             .outerjoin(Unit, Unit.id == UnfinishedList.unit_id).where(UnfinishedList.kind == kind))
    rows = session.execute(query if units is None else query.where(Unit.name.in_(units)))
    return {url: ListFrontier.stored(pending or [], pages_read, unit) for url, pending, pages_read, unit in rows}


def left_over_counts(frontiers: dict[str, ListFrontier], in_scope: set[str],
                     finished: set[str]) -> dict[str, int]:
    """How many lists of the units in scope earlier runs left unfinished, and how many of them this run
    read to their end (`finished`: the lists whose state this run wrote with no page left)."""
    left = {url for url, frontier in frontiers.items() if frontier.unit in in_scope}
    return {"left": len(left), "finished": len(left & finished)}


def write_list_states(session: Session, states: list[ListState], unit_ids: dict[str, int], run_id: int | None,
                      now: Any) -> None:
    """The newest state of each list: a row while pages are left, none once the list was read to its end."""
    latest = {(s.kind, s.list_url): s for s in states}
    for kind in {k for k, _ in latest}:
        finished = [url for (k, url), s in latest.items() if k == kind and not s.pending]
        if finished:
            session.execute(delete(UnfinishedList).where(UnfinishedList.kind == kind,
                                                         UnfinishedList.list_url.in_(finished)))
    rows = [{"kind": s.kind, "list_url": s.list_url, "unit_id": unit_ids.get(s.unit), "pending": s.pending,
             "pages_read": s.pages_read, "run_id": run_id, "updated_at": now}
            for s in latest.values() if s.pending]
    upsert(session, UnfinishedList, rows, keys=["kind", "list_url"])
