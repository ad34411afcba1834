"""The demo portal's 县长信箱 crawled over HTTP: every message stored, and the message checks
find exactly the demo's planted unanswered and poor replies (DemoPortal.truth())."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from storage.models import Finding, Message, Unit
from storage.session import Store

from ..conftest import DemoCrawl


@pytest.fixture(scope="module")
def demo(demo_crawl: DemoCrawl) -> Iterator[tuple[Store, list[dict], int]]:
    """The session's demo crawl (boards included) and its check run (tests/conftest.py: demo_crawl)."""
    store = Store(demo_crawl.db_url)
    yield store, demo_crawl.portal.truth(), len(demo_crawl.portal.messages)
    store.dispose()


def test_every_demo_message_is_stored_with_its_times(demo) -> None:  # type: ignore[no-untyped-def]
    store, _, count = demo
    with store.session() as session:
        messages = session.scalars(select(Message)).all()
    assert len(messages) == count
    assert all(m.asked_at is not None and m.handling_unit for m in messages)
    assert sum(m.replied_at is not None for m in messages) == sum(bool(m.reply) for m in messages)


def test_demo_findings_are_the_planted_message_defects(demo) -> None:  # type: ignore[no-untyped-def]
    store, truth, _ = demo
    with store.session() as session:
        names = dict(session.execute(select(Unit.id, Unit.name)).all())
        found = {(f.rule, names[f.unit_id], urlsplit(f.url).path)
                 for f in session.scalars(select(Finding).where(Finding.rule.like("message.%")))}
    expected = {(t["rule"], t["unit"], t["path"]) for t in truth if t["rule"].startswith("message.")}
    assert {rule for rule, _, _ in expected} == {"message.unanswered", "message.reply_poor"}
    assert found == expected
