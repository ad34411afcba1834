"""What every view shares: the settings, the signed-in actor, and rendering with the security defaults."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from portalcheck.core.config import Config
from portalcheck.web import users
from portalcheck.web.security import csrf_token
from portalcheck.web.views import safe_href, shown
from storage.session import Store


@dataclass
class Settings:
    config: Config
    store: Store
    secure_cookies: bool = False  # behind https: cookies only over TLS
    work_rechecks: bool = False  # run queued rechecks in this process (no scheduler service running)


class SignInRequired(Exception):
    """No (valid) session: HTML views send the browser to the login page."""


def client_address(request: Request) -> str:
    return request.client.host if request.client else "-"


def settings(request: Request) -> Settings:
    return request.app.state.settings


def current_actor(request: Request) -> users.Actor:
    user_id = request.session.get("user")
    actor = users.load_actor(settings(request).store, user_id) if isinstance(user_id, int) else None
    if actor is None:
        request.session.pop("user", None)
        raise SignInRequired()
    return actor


def sort_link(request: Request, key: str, sort: str = "sort", desc: str = "desc") -> str:
    """This page's address ordered by `key` (a second click reverses), its filters kept, from the first page.
    `sort` / `desc`: the parameters of the table ordered (附件1's 信息明细 has its own beside the figures')."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in (sort, desc, "page", "after", "before")]
    again = request.query_params.get(sort) == key and request.query_params.get(desc) not in ("1", "true")
    params += [(sort, key)] + ([(desc, "1")] if again else [])
    return "?" + urlencode(params)


def template_globals(templates: Jinja2Templates) -> None:
    templates.env.globals.update(shown=shown, safe_href=safe_href, sort_link=sort_link)
    templates.env.autoescape = True  # every .html and every string rendered, whatever the file name


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    context = {"csrf": csrf_token(request), "portal": settings(request).config.portal.name, **context}
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    response.headers["cache-control"] = "no-store"
    return response


SignedIn = Annotated[users.Actor, Depends(current_actor)]
