"""The demo portal's 县长信箱 crawled over HTTP: every message stored, and the message checks
find exactly the demo's planted unanswered and poor replies (DemoPortal.truth())."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from checks.runner import run_checks
from portalcheck.core.config import load_config
from portalcheck.demo import serve_demo
from storage.models import Finding, Message, Unit
from storage.session import Store

from ..conftest import fresh_database
from ..crawl.test_demo_crawl import write_config
from .runner import crawl_boards


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, list[dict], int]]:
    folder = tmp_path_factory.mktemp("demo_boards")
    with serve_demo(port=0) as server:
        config = write_config(server, folder)
        for db_url in fresh_database(folder):
            result = crawl_boards(config, db_url)
            assert result.returncode == 0, result.stderr[-3000:]
            store = Store(db_url)
            run_checks(store, load_config(config), datetime.now(timezone.utc), only=["message", "interaction"])
            yield store, server.portal.truth(), len(server.portal.messages)
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
        found = {(f.rule, names[f.unit_id], urlsplit(f.url).path) for f in session.scalars(select(Finding))}
    expected = {(t["rule"], t["unit"], t["path"]) for t in truth if t["rule"].startswith("message.")}
    assert {rule for rule, _, _ in expected} == {"message.unanswered", "message.reply_poor"}
    assert found == expected
