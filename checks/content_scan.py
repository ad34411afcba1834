"""Shared reading of page texts for the content.* checks: stream in batches, cut sentences, mask."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import ColumnElement, select

from checks.base import CheckContext
from storage.models import Page

DATA = Path(__file__).resolve().parent / "data"
TEXT_KINDS = ("home", "unit_home", "list", "article")
SENTENCE_END = re.compile(r"[。！？!?；;\n]")


@cache
def load_data(name: str) -> Any:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


def page_texts(ctx: CheckContext, prefilter: ColumnElement[bool] | None = None
               ) -> Iterator[tuple[int | None, str, str, Any]]:
    """(unit_id, url, title + body text, fetched_at) of every stored page in scope, streamed.

    Also records every unit with stored text as checked: a page's text is in the store, so a
    fixed page is seen fixed by the next run even when it was not re-fetched.
    """
    base = (Page.body_text.is_not(None), Page.kind.in_(TEXT_KINDS), Page.fetched_at <= ctx.as_of,
            ctx.unit_filter(Page.unit_id))
    units = ctx.session.execute(select(Page.unit_id).where(*base).distinct()).scalars().all()
    ctx.checked_units(units)
    query = select(Page.unit_id, Page.url, Page.title, Page.body_text, Page.fetched_at).where(*base)
    if prefilter is not None:
        query = query.where(prefilter)
    for unit_id, url, title, body, fetched_at in ctx.session.execute(
        query.order_by(Page.id).execution_options(yield_per=500)
    ):
        yield unit_id, url, f"{title or ''}\n{body or ''}", fetched_at


def sentence_at(text: str, start: int, end: int, limit: int = 120) -> str:
    """The sentence around text[start:end], cut to `limit` characters around the hit."""
    left = max((m.end() for m in SENTENCE_END.finditer(text, 0, start)), default=0)
    match = SENTENCE_END.search(text, end)
    right = match.end() if match else len(text)
    left, right = max(left, start - limit // 2), min(right, end + limit // 2)
    return text[left:right].strip()
