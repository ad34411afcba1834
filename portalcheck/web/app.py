"""The application: settings, middleware, sign-in, and the rules every view shares (who may see what)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.sessions import SessionMiddleware

from portalcheck.core.config import Config
from portalcheck.exports import publications_pages
from portalcheck.web import admin, loop_pages, pages, users
from portalcheck.web.common import (
    Settings,
    SignInRequired,
    client_address,
    render,
    settings,
    template_globals,
)
from portalcheck.web.security import BodyLimit, LoginThrottle, SecurityHeaders, csrf_guard, csrf_token
from storage.session import Store

HERE = Path(__file__).resolve().parent
ENV_SECRET = "PORTALCHECK_WEB_SECRET"
SECRET_FILE = "web-secret.key"
SESSION_HOURS = 12


def session_secret(config: Config) -> str:
    """The key that signs session cookies: $PORTALCHECK_WEB_SECRET, else a file made once beside the config."""
    if os.environ.get(ENV_SECRET):
        return os.environ[ENV_SECRET]
    path = config.base_dir / SECRET_FILE
    if not path.exists():
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def create_app(config: Config, store: Store | None = None, *, secure_cookies: bool = False,
               work_rechecks: bool = False) -> FastAPI:
    """The workspace over the store of `config` (FastAPI; run it with uvicorn: `portalcheck serve`)."""
    app = FastAPI(title="portalcheck", docs_url=None, redoc_url=None, openapi_url=None,
                  dependencies=[Depends(csrf_guard)])
    app.state.settings = Settings(config, store or Store(config.database_url()), secure_cookies, work_rechecks)
    app.state.templates = Jinja2Templates(directory=str(HERE / "templates"))
    template_globals(app.state.templates)
    app.state.throttle = LoginThrottle()
    app.add_middleware(SessionMiddleware, secret_key=session_secret(config), session_cookie="portalcheck_session",
                       max_age=SESSION_HOURS * 3600, same_site="lax", https_only=secure_cookies)
    app.add_middleware(BodyLimit, max_bytes=int(config.rectification.max_attachment_mb * 1024 * 1024) + 1024 * 1024)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    publications_pages.warm(app.state.settings.store)  # 附件1's figures counted before the first visit asks

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired) -> Response:
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else "请求有误"
        titles = {403: "无权访问", 404: "未找到", 400: "请求有误", 429: "请稍后再试"}
        return render(request, "error.html", {"code": exc.status_code, "title": titles.get(exc.status_code, "出错了"),
                                              "message": message, "actor": None}, status_code=exc.status_code)

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:
        return Response(status_code=204)  # no icon, and no 404 in every browser's console

    @app.get("/login", response_class=HTMLResponse)
    async def login_form(request: Request) -> Response:
        return render(request, "login.html", {"actor": None, "error": None, "name": ""})

    @app.post("/login", response_class=HTMLResponse)
    async def login(request: Request, name: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "") -> Response:
        state = settings(request)
        address = client_address(request)
        throttle: LoginThrottle = request.app.state.throttle
        if throttle.blocked(name, address):
            users.audit(state.store, name, "login_throttled", address)
            return render(request, "login.html", {"actor": None, "name": name,
                                                  "error": "登录失败次数过多，请 15 分钟后再试。"}, status_code=429)
        actor = users.authenticate(state.store, name, password)
        if actor is None:
            throttle.failed(name, address)
            users.audit(state.store, name, "login_failed", address)
            return render(request, "login.html", {"actor": None, "name": name, "error": "用户名或密码不正确。"},
                          status_code=401)
        throttle.succeeded(name)
        request.session.clear()  # a fresh session and CSRF token at every sign-in
        request.session["user"] = actor.id
        csrf_token(request)
        users.audit(state.store, actor.name, "login", address)
        return RedirectResponse("/", status_code=303)

    @app.post("/logout")
    async def logout(request: Request) -> Response:
        user_id = request.session.get("user")
        request.session.clear()
        if isinstance(user_id, int):
            actor = users.load_actor(settings(request).store, user_id)
            users.audit(settings(request).store, actor.name if actor else None, "logout", client_address(request))
        return RedirectResponse("/login", status_code=303)

    app.include_router(pages.router)
    app.include_router(loop_pages.router)
    app.include_router(admin.router)
    return app
