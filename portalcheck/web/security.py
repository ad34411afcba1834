"""The workspace's security defaults, set once for every view (Warehouse's way, STYLE.md):
a strict Content-Security-Policy and companions on every response, a CSRF token on every unsafe
request, and login throttling per account and per address."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import defaultdict, deque

from fastapi import HTTPException, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# No inline script or style, nothing from elsewhere: crawled text that slipped through could run nothing.
CSP = {
    "default-src": "'none'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "connect-src": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'none'",
}
HEADERS = [
    (b"content-security-policy", "; ".join(f"{k} {v}" for k, v in CSP.items()).encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
CSRF_FIELD, CSRF_HEADER = "csrf_token", "x-csrf-token"


class SecurityHeaders:
    """ASGI middleware writing the policy headers on every response, errors and static files included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() not in dict(HEADERS)]
                message["headers"] = headers + HEADERS
            await send(message)

        await self.app(scope, receive, with_headers)


class BodyLimit:
    """ASGI middleware refusing (413) a request whose declared body is larger than `max_bytes`, before anything
    parses it: the largest an answer's attachment may be, plus room for the form around it."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            declared = dict(scope.get("headers") or []).get(b"content-length", b"0")
            if not declared.isdigit() or int(declared) > self.max_bytes:
                body = "上传内容过大，已拒绝。".encode()
                await send({"type": "http.response.start", "status": 413,
                            "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                        (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def csrf_token(request: Request) -> str:
    """The session's token (made on first use): forms carry it as a field, htmx as a header."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


async def csrf_guard(request: Request) -> None:
    """Every route's dependency: an unsafe method passes only with the session's token and a same-site origin."""
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get("csrf")
    origin = request.headers.get("origin")
    if origin and origin.rstrip("/") != f"{request.url.scheme}://{request.url.netloc}":
        raise HTTPException(403, "跨站请求已拒绝（来源不符）")
    if request.headers.get("sec-fetch-site") not in (None, "same-origin", "none"):
        raise HTTPException(403, "跨站请求已拒绝")
    given = request.headers.get(CSRF_HEADER)
    if not given:
        form = await request.form()  # parsed once: FastAPI hands the same form to the view
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not expected or not given or not hmac.compare_digest(expected, given):
        raise HTTPException(403, "请求缺少有效的安全令牌（CSRF），已拒绝。请刷新页面后重试。")


class LoginThrottle:
    """At most `per_account` failed logins per account and `per_address` per address in `window` seconds."""

    def __init__(self, per_account: int = 5, per_address: int = 20, window: float = 900.0) -> None:
        self.limits = {"account": per_account, "address": per_address}
        self.window = window
        self._failures: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        failures = self._failures[key]
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def blocked(self, account: str, address: str) -> bool:
        now = time.monotonic()
        with self._lock:
            return (len(self._recent(("account", account), now)) >= self.limits["account"]
                    or len(self._recent(("address", address), now)) >= self.limits["address"])

    def failed(self, account: str, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._recent(("account", account), now).append(now)
            self._recent(("address", address), now).append(now)

    def succeeded(self, account: str) -> None:
        with self._lock:
            self._failures.pop(("account", account), None)
