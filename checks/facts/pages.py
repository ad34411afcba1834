"""Shared reading of page texts for the content.* checks: stream in batches, cut sentences, mask."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from sqlalchemy import ColumnElement, select

from checks.base import CheckContext
from storage.models import Page

TEXT_KINDS = ("home", "unit_home", "list", "article")
SENTENCE_END = re.compile(r"[。！？!?；;\n]")


# Texts kept in memory for the next content check of the same run, up to this many characters (~80 MB of
# Chinese text): five checks read every page's text, and on SQLite reading it again was most of their time
# (bench/checks.py: ~2 s a pass over 100,000 pages). A bigger store is read again by each check: the texts
# held until the cap is passed are the cost (bench/checks.py's province of 3,000 units has 248 M characters;
# a cap of 100 M characters held ≈ 200 MB before giving up, the largest part of its night-end peak).
KEEP_CHARS = 40_000_000


def page_texts(ctx: CheckContext, prefilter: ColumnElement[bool] | None = None
               ) -> Iterator[tuple[int | None, str, str, Any]]:
    """(unit_id, url, title + body text, fetched_at) of every stored page in scope, streamed.

    Also records every unit with stored text as checked: a page's text is in the store, so a
    fixed page is seen fixed by the next run even when it was not re-fetched. Without a prefilter
    the texts read are kept in the run's cache (below KEEP_CHARS) for the next content check.
    """
    if prefilter is None and "page_texts" in ctx.cache:
        units, rows = ctx.cache["page_texts"]
        ctx.checked_units(units)
        yield from rows
        return
    base = (Page.body_text.is_not(None), Page.kind.in_(TEXT_KINDS), Page.fetched_at <= ctx.as_of,
            ctx.unit_filter(Page.unit_id))
    units = ctx.session.execute(select(Page.unit_id).where(*base).distinct()).scalars().all()
    ctx.checked_units(units)
    query = select(Page.unit_id, Page.url, Page.title, Page.body_text, Page.fetched_at).where(*base)
    if prefilter is not None:
        query = query.where(prefilter)
    kept: list[tuple[int | None, str, str, Any]] | None = [] if prefilter is None else None
    size = 0
    for unit_id, url, title, body, fetched_at in ctx.session.execute(
        query.order_by(Page.id).execution_options(yield_per=500)
    ):
        row = (unit_id, url, f"{title or ''}\n{body or ''}", fetched_at)
        if kept is not None:
            size += len(row[2])
            if size > KEEP_CHARS:
                kept = None  # too much to hold: the next check reads the store again
            else:
                kept.append(row)
        yield row
    if kept is not None:
        ctx.cache["page_texts"] = (units, kept)


def sentence_at(text: str, start: int, end: int, limit: int = 120) -> str:
    """The sentence around text[start:end], cut to `limit` characters around the hit."""
    left = max((m.end() for m in SENTENCE_END.finditer(text, 0, start)), default=0)
    match = SENTENCE_END.search(text, end)
    right = match.end() if match else len(text)
    left, right = max(left, start - limit // 2), min(right, end + limit // 2)
    return text[left:right].strip()
