"""The workspace served for real (`portalcheck serve` in a subprocess on a free loopback port) over a copy
of the session's crawl of the demo portal, with planted hostile findings and an account per role; and
Debian's chromium driven by Playwright against it."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, make_url, select, text

from crawler.settings import CHROMIUM_ARGS
from storage.models import Finding, Unit
from storage.session import Store
from tests.conftest import REPO, DemoCrawl

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "workspace-test-password"
HOSTILE = '<script>alert("xss")</script><img src=x onerror="alert(1)">{{ 7*7 }}<a href="javascript:alert(2)">点我</a>'


def copy_database(source: str, folder: Path) -> str:
    """A private copy of the shared crawl (a recheck here must not change what other tests read)."""
    if source.startswith("sqlite"):
        target = folder / "workspace.db"
        with sqlite3.connect(make_url(source).database) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        return f"sqlite:///{target}"
    name = f"pc_web_{uuid.uuid4().hex[:10]}"
    source_name = make_url(source).database
    admin = create_engine(make_url(source).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE datname = :db AND pid <> pg_backend_pid()"), {"db": source_name})
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source_name}"'))
    admin.dispose()
    return make_url(source).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    if url.startswith("sqlite"):
        return
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Workspace:
    base_url: str
    db_url: str
    config: Path
    env: dict[str, str]
    own_unit: str  # the 单位 account's unit
    own_unit_id: int
    other_unit: str
    other_unit_id: int
    other_finding_id: int
    hostile_finding_id: int
    users: dict[str, str] = field(default_factory=dict)  # role → account name

    def url(self, path: str) -> str:
        return self.base_url + path

    def cli(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "portalcheck.cli", "--config", str(self.config), *args],
                              env=self.env, input=stdin, capture_output=True, text=True, timeout=180, cwd=REPO)


def _units_with_findings(store: Store) -> list[tuple[str, int, int]]:
    """(unit, unit id, one finding id) for units holding findings, most findings first."""
    with store.session() as session:
        rows = session.execute(select(Unit.name, Unit.id, Finding.id).join(Finding, Finding.unit_id == Unit.id)
                               .where(Unit.kind != "门户").order_by(Unit.id, Finding.id)).all()
    seen: dict[str, tuple[str, int, int]] = {}
    for name, unit_id, finding_id in rows:
        seen.setdefault(name, (name, unit_id, finding_id))
    return list(seen.values())


@pytest.fixture(scope="module")
def workspace(demo_crawl: DemoCrawl, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    folder = tmp_path_factory.mktemp("workspace")
    db_url = copy_database(demo_crawl.db_url, folder)
    env = {**os.environ, "PORTALCHECK_DATABASE_URL": db_url, "PORTALCHECK_WEB_SECRET": uuid.uuid4().hex,
           "PYTHONUNBUFFERED": "1"}
    store = Store(db_url)
    try:
        units = _units_with_findings(store)
        assert len(units) >= 2, units
        (own, own_id, _), (other, other_id, other_finding) = units[0], units[1]
        with store.session() as session:  # crawled text is hostile: a finding quoting a hostile page
            planted = Finding(key=uuid.uuid4().hex, rule="content.typo", severity="deduct", points=0.1,
                              unit_id=other_id, url="javascript:alert(3)", detail=f"疑似错别字：{HOSTILE}",
                              evidence={"title": HOSTILE, "items": [{"title": HOSTILE, "url": "javascript:alert(4)"}],
                                        "sentence": HOSTILE},
                              status="new")
            session.add(planted)
            session.flush()
            hostile_id = planted.id
    finally:
        store.dispose()
    space = Workspace("", db_url, demo_crawl.config, env, own, own_id, other, other_id, other_finding, hostile_id)
    try:
        with serving(space):
            yield space
    finally:
        drop_database(db_url)


@contextmanager
def serving(space: Workspace) -> Iterator[Workspace]:
    """An account per role (the 单位 one of `space.own_unit`), then `portalcheck serve --work-rechecks` on a free
    loopback port until the block ends."""
    for role, unit in (("inspector", None), ("unit", space.own_unit), ("readonly", None)):
        name = f"{role}-测试"
        args = ["users", "add", name, "--role", role, "--password-stdin", *(["--unit", unit] if unit else [])]
        result = space.cli(*args, stdin=PASSWORD + "\n")
        assert result.returncode == 0, result.stderr
        space.users[role] = name
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "portalcheck.cli", "--config", str(space.config), "serve",
                               "--port", str(port), "--work-rechecks"], env=space.env, cwd=REPO,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise AssertionError(server.stdout.read() if server.stdout else "server exited")
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        space.base_url = f"http://127.0.0.1:{port}"
        yield space
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Visit:
    """A signed-in browser tab that records every dialog, console error and CSP violation it meets."""

    page: Any
    dialogs: list[str]
    errors: list[str]


def sign_in(browser: Any, space: Workspace, role: str, downloads: bool = False) -> Visit:
    context = browser.new_context(accept_downloads=downloads, locale="zh-CN")
    page = context.new_page()
    dialogs: list[str] = []
    errors: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(space.url("/login"))
    page.fill("input[name=name]", space.users[role])
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    return Visit(page, dialogs, errors)
