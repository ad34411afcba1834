"""管理员 pages: the accounts (list, add, disable/enable, reset password) and the audit log.

The same functions as `portalcheck users …` (users.py) do the work; each action is checked for the session's
CSRF token (security.csrf_guard, every POST) and written to the audit log with who and from where. Any other
role gets 403.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from portalcheck.web import users, views
from portalcheck.web.common import SignedIn, client_address, render, settings

router = APIRouter(prefix="/admin")
AUDIT_PAGE = 100
ACTIONS_ZH = {"login": "登录", "login_failed": "登录失败", "login_throttled": "登录受限", "logout": "退出",
              "recheck": "复查", "export": "导出", "user_add": "添加账号", "user_passwd": "重置密码",
              "user_disable": "停用账号", "user_enable": "启用账号"}


def _admin(actor: users.Actor) -> None:
    if not actor.is_admin:
        raise HTTPException(403, "只有管理员可以管理账号。")


def _page(request: Request, actor: users.Actor, message: str | None = None, error: str | None = None,
          status_code: int = 200) -> Response:
    state = settings(request)
    context: dict[str, Any] = {"actor": actor, "accounts": users.list_users(state.store), "roles": users.ROLES,
                               "units": sorted(views.unit_ids(state.store)), "message": message, "error": error}
    return render(request, "admin_users.html", context, status_code=status_code)


@router.get("/users", response_class=HTMLResponse)
def accounts(request: Request, actor: SignedIn) -> Response:
    _admin(actor)
    return _page(request, actor)


@router.post("/users", response_class=HTMLResponse)
def add(request: Request, actor: SignedIn, name: Annotated[str, Form()] = "", role: Annotated[str, Form()] = "",
        unit: Annotated[str, Form()] = "") -> Response:
    _admin(actor)
    state = settings(request)
    password = users.random_password()
    try:
        users.add_user(state.store, name, role, password, unit or None, [u.name for u in state.config.units],
                       by=actor.name, address=client_address(request))
    except users.UserError as exc:
        return _page(request, actor, error=str(exc), status_code=400)
    return _page(request, actor, message=f"已添加账号 {name.strip()}，初始密码：{password}（只显示这一次）")


@router.post("/users/{name}/password", response_class=HTMLResponse)
def reset_password(request: Request, name: str, actor: SignedIn) -> Response:
    _admin(actor)
    password = users.random_password()
    try:
        users.set_password(settings(request).store, name, password, by=actor.name, address=client_address(request))
    except users.UserError as exc:
        return _page(request, actor, error=str(exc), status_code=404)
    return _page(request, actor, message=f"已重置 {name} 的密码：{password}（只显示这一次）")


@router.post("/users/{name}/disabled", response_class=HTMLResponse)
def set_disabled(request: Request, name: str, actor: SignedIn, disabled: Annotated[str, Form()] = "1") -> Response:
    _admin(actor)
    stop = disabled != "0"
    if stop and name == actor.name:
        return _page(request, actor, error="不能停用自己的账号。", status_code=400)
    try:
        users.set_disabled(settings(request).store, name, stop, by=actor.name, address=client_address(request))
    except users.UserError as exc:
        return _page(request, actor, error=str(exc), status_code=404)
    return _page(request, actor, message=f"已{'停用' if stop else '启用'}账号 {name}")


@router.get("/audit", response_class=HTMLResponse)
def audit(request: Request, actor: SignedIn, before: int | None = None) -> Response:
    _admin(actor)
    events = users.audit_events(settings(request).store, before, AUDIT_PAGE)
    rows = [{"id": e.id, "at": views.shown(None, e.at), "user": e.user_name or "", "action":
             ACTIONS_ZH.get(e.action, e.action), "address": e.address or "", "detail": e.detail or ""} for e in events]
    older = rows[-1]["id"] if len(rows) == AUDIT_PAGE else None
    return render(request, "admin_audit.html", {"actor": actor, "events": rows, "older": older})
