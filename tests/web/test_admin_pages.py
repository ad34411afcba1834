"""管理员 pages through the real app (ASGI, real store): list, add, reset password, disable, the audit log; each
action needs the CSRF token and is audited with who and from where; other roles get 403."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from portalcheck.core.config import load_config
from portalcheck.web import create_app, users
from storage.session import Store

CONFIG = """portal:
  name: 测试门户
  home: https://www.example.gov.cn/
  site_code: "3609990001"
units:
  - {name: 甲局, site: "https://www.example.gov.cn/a/"}
"""


@pytest.fixture
def app(tmp_path: Path, db_url: str, store: Store, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("PORTALCHECK_DATABASE_URL", db_url)
    monkeypatch.setenv("PORTALCHECK_WEB_SECRET", "test-secret-" + "x" * 40)
    (tmp_path / "config.yaml").write_text(CONFIG, encoding="utf-8")
    users.add_user(store, "root", "admin", "admin-password-1")
    users.add_user(store, "inspector", "inspector", "inspector-password-1")
    return TestClient(create_app(load_config(tmp_path / "config.yaml"), store), base_url="http://127.0.0.1")


def _sign_in(client: TestClient, name: str, password: str) -> str:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)[1]
    assert client.post("/login", data={"name": name, "password": password, "csrf_token": token}).status_code == 200
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)[1]  # the new session's


def test_admin_adds_resets_and_disables_accounts_each_audited(app: TestClient, store: Store) -> None:
    token = _sign_in(app, "root", "admin-password-1")
    listed = app.get("/admin/users")
    assert listed.status_code == 200 and "inspector" in listed.text
    added = app.post("/admin/users", data={"name": "甲局小王", "role": "unit", "unit": "甲局", "csrf_token": token})
    assert added.status_code == 200
    password = re.search(r"初始密码：(\S+)（", added.text)[1]
    assert users.authenticate(store, "甲局小王", password) is not None
    assert ("甲局小王", "unit", "甲局", False) in users.list_users(store)
    refused = app.post("/admin/users", data={"name": "x", "role": "unit", "unit": "", "csrf_token": token})
    assert refused.status_code == 400 and "--unit" in refused.text  # the CLI's own rule, said in Chinese
    reset = app.post("/admin/users/甲局小王/password", data={"csrf_token": token})
    fresh = re.search(r"的密码：(\S+)（", reset.text)[1]
    assert users.authenticate(store, "甲局小王", password) is None
    assert users.authenticate(store, "甲局小王", fresh) is not None
    assert app.post("/admin/users/甲局小王/disabled", data={"disabled": "1", "csrf_token": token}).status_code == 200
    assert users.authenticate(store, "甲局小王", fresh) is None
    assert app.post("/admin/users/root/disabled", data={"csrf_token": token}).status_code == 400  # not oneself
    events = [(e.user_name, e.action, e.address, e.detail) for e in users.audit_events(store)]
    for action in ("user_add", "user_passwd", "user_disable"):
        assert any(who == "root" and what == action and where == "testclient" for who, what, where, _ in events)
    log = app.get("/admin/audit")
    assert log.status_code == 200 and "停用账号" in log.text and "重置密码" in log.text


def test_admin_actions_without_the_csrf_token_are_refused(app: TestClient, store: Store) -> None:
    _sign_in(app, "root", "admin-password-1")
    assert app.post("/admin/users", data={"name": "偷偷", "role": "readonly"}).status_code == 403
    assert app.post("/admin/users/inspector/disabled", data={"csrf_token": "forged"}).status_code == 403
    assert all(name != "偷偷" for name, *_ in users.list_users(store))
    assert users.load_actor(store, 2) is not None  # the inspector is still enabled


def test_other_roles_get_403_on_admin_pages(app: TestClient) -> None:
    token = _sign_in(app, "inspector", "inspector-password-1")
    assert app.get("/admin/users").status_code == 403
    assert app.get("/admin/audit").status_code == 403
    assert app.post("/admin/users", data={"name": "y", "role": "admin", "csrf_token": token}).status_code == 403
