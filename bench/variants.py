"""Measure proposed crawler changes without editing the crawler: run `portalcheck` in this process
with named patches applied, e.g.

    .venv/bin/python -m bench.variants upsert-many,skip-known-links -- --config C crawl --full

bench/crawl.py runs this instead of `portalcheck` with `--variants NAMES`. Each patch is the change
recommended in BENCHMARKS.md, written against the current code; the real fix belongs in the crawler.

  upsert-many       storage.upsert: `session.execute(insert(...).on_conflict_do_update(...), rows)`
                    (executemany: compiled once and cached) instead of `insert().values(rows)`, which
                    SQLAlchemy compiles anew for every batch (a statement with rows x columns binds).
  links-bulk-delete StorePipeline._links: one `DELETE ... WHERE page_id IN (...)` per batch instead
                    of one DELETE per page.
  skip-known-links  incremental runs treat URLs the store already knows (fetched pages, checked link
                    targets) as checked, as resumed runs already do; only the revisit slice re-checks.
  no-browser        no scrapy-playwright download handlers (they start a node driver per spider).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any


def upsert_many() -> None:
    import crawler.pipelines
    import storage.upsert
    from storage.upsert import _insert_for

    def upsert(session: Any, model: Any, rows: Any, *, keys: Any, update: Any = None,
               returning: str | None = None) -> list[Any]:
        rows = list(rows)
        if not rows:
            return []
        table = model.__table__
        insert = _insert_for(session, table)
        columns = update if update is not None else [c for c in rows[0] if c not in keys]
        names = columns if columns else [keys[0]]
        statement = insert.on_conflict_do_update(index_elements=list(keys),
                                                 set_={name: insert.excluded[name] for name in names})
        if returning is None:
            session.execute(statement, rows)
            return []
        key_columns = [table.c[k] for k in keys]
        result = session.execute(statement.returning(table.c[returning], *key_columns), rows)
        by_key = {tuple(row[1:]): row[0] for row in result}
        return [by_key[tuple(row[k] for k in keys)] for row in rows]

    storage.upsert.upsert = upsert
    crawler.pipelines.upsert = upsert


def links_bulk_delete() -> None:
    from crawler import pipelines
    from storage.models import Link

    original = pipelines.StorePipeline._links

    def _links(self: Any, session: Any, items: list[Any], page_ids: list[int]) -> None:
        if page_ids:
            session.execute(Link.__table__.delete().where(Link.page_id.in_(page_ids)))
        real_execute = session.execute

        def execute(statement: Any, *args: Any, **kwargs: Any) -> Any:
            # the per-page deletes of the original are now done: skip them
            if getattr(statement, "is_delete", False) and statement.table is Link.__table__:
                return None
            return real_execute(statement, *args, **kwargs)

        session.execute = execute
        try:
            original(self, session, items, page_ids)
        finally:
            session.execute = real_execute

    pipelines.StorePipeline._links = _links


def skip_known_links() -> None:
    from sqlalchemy import select

    from crawler import memory
    from storage.models import LinkTarget

    original = memory.CrawlMemory.load.__func__  # type: ignore[attr-defined]

    def load(cls: Any, session: Any, *, resume_run: Any) -> Any:
        loaded = original(cls, session, resume_run=resume_run)
        if resume_run is None:
            loaded.checked_links = set(session.scalars(
                select(LinkTarget.url).where(LinkTarget.checked_at.is_not(None))))
        return loaded

    memory.CrawlMemory.load = classmethod(load)  # type: ignore[method-assign, assignment]


def no_browser() -> None:
    from crawler import settings

    settings.browser_settings = lambda chromium: {}


VARIANTS: dict[str, Callable[[], None]] = {
    "upsert-many": upsert_many, "links-bulk-delete": links_bulk_delete,
    "skip-known-links": skip_known_links, "no-browser": no_browser,
}


def main() -> int:
    names, _, cli_args = sys.argv[1], sys.argv[2], sys.argv[3:]
    for name in filter(None, names.split(",")):
        VARIANTS[name]()
    from portalcheck.cli import main as portalcheck

    sys.argv = ["portalcheck", *cli_args]
    return portalcheck()


if __name__ == "__main__":
    raise SystemExit(main())
