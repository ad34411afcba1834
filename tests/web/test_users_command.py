"""`portalcheck users`: accounts made and changed from the command line; no default account, bad input refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from portalcheck.cli import main
from portalcheck.web import users
from storage.models import AuditEvent, User
from storage.session import Store

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def config(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("PORTALCHECK_DATABASE_URL", db_url)
    return str(REPO / "config.yaml")


def run(config: str, *args: str, stdin: str = "", monkeypatch: pytest.MonkeyPatch) -> int:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(["--config", config, "users", *args])


def test_added_account_signs_in_with_its_password_and_only_a_hash_is_kept(
        config: str, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run(config, "add", "李督查", "--role", "督查", "--password-stdin", stdin="a-long-password\n",
               monkeypatch=monkeypatch) == 0
    store = Store(db_url)
    try:
        with store.session() as session:
            user = session.scalar(select(User).where(User.name == "李督查"))
            assert user.role == "inspector" and user.password_hash.startswith("$argon2")
            assert "a-long-password" not in user.password_hash
            assert session.scalar(select(AuditEvent.action)) == "user_add"
        assert users.authenticate(store, "李督查", "a-long-password") is not None
        assert users.authenticate(store, "李督查", "wrong-password") is None
    finally:
        store.dispose()


def test_disabled_account_cannot_sign_in_and_passwd_replaces_the_password(
        config: str, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run(config, "add", "x", "--role", "readonly", "--password-stdin", stdin="first-password\n",
               monkeypatch=monkeypatch) == 0
    assert run(config, "passwd", "x", "--password-stdin", stdin="second-password\n", monkeypatch=monkeypatch) == 0
    store = Store(db_url)
    try:
        assert users.authenticate(store, "x", "first-password") is None
        assert users.authenticate(store, "x", "second-password") is not None
        assert run(config, "disable", "x", monkeypatch=monkeypatch) == 0
        assert users.authenticate(store, "x", "second-password") is None
    finally:
        store.dispose()


@pytest.mark.parametrize("args, stdin", [
    (["add", "u", "--role", "unit", "--password-stdin"], "long-enough-pw\n"),  # a unit account needs --unit
    (["add", "u", "--role", "unit", "--unit", "不存在的单位", "--password-stdin"], "long-enough-pw\n"),
    (["add", "u", "--role", "boss", "--password-stdin"], "long-enough-pw\n"),  # unknown role
    (["add", "u", "--role", "inspector", "--password-stdin"], "short\n"),  # too short
    (["passwd", "nobody", "--password-stdin"], "long-enough-pw\n"),
])
def test_bad_user_commands_are_refused_and_change_nothing(config: str, db_url: str, args: list[str], stdin: str,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    assert run(config, *args, stdin=stdin, monkeypatch=monkeypatch) == 2
    store = Store(db_url)
    try:
        assert users.list_users(store) == []
    finally:
        store.dispose()
