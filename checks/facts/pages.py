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


# Texts kept in memory for the next content check of the same run, up to this many characters (~40 MB of
# Chinese text): four checks read every page's text, and on SQLite reading it again was most of their time
# (bench/checks.py: ~2 s a pass over 100,000 pages). A bigger store is read again by each check, and only the
# first check finds that out: the texts it held until the cap was passed are the cost (a province of 3,000
# units has 248 M characters; a cap of 40 M characters held ≈ 80 MB at the night-end peak for nothing, four
# times over before the cache remembered that the store is too big).
KEEP_CHARS = 20_000_000
TOO_MANY = "too many"  # the cache's answer once a check found the texts past KEEP_CHARS


def page_texts(ctx: CheckContext, prefilter: ColumnElement[bool] | None = None
               ) -> Iterator[tuple[int | None, str, str, Any]]:
    """(unit_id, url, title + body text, fetched_at) of every stored page in scope, streamed.

    Also records every unit with stored text as checked: a page's text is in the store, so a
    fixed page is seen fixed by the next run even when it was not re-fetched. Without a prefilter
    the texts read are kept in the run's cache (below KEEP_CHARS) for the next content check.
    """
    cached = ctx.cache.get("page_texts") if prefilter is None else None
    if cached is not None and cached != TOO_MANY:
        units, rows = cached
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
    kept: list[tuple[int | None, str, str, Any]] | None = [] if prefilter is None and cached is None else None
    size = 0
    for unit_id, url, title, body, fetched_at in ctx.session.execute(
        query.order_by(Page.id).execution_options(yield_per=500)
    ):
        row = (unit_id, url, f"{title or ''}\n{body or ''}", fetched_at)
        if kept is not None:
            size += len(row[2])
            if size > KEEP_CHARS:
                kept = None  # too much to hold: this check and the next ones read the store
                ctx.cache["page_texts"] = TOO_MANY
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
