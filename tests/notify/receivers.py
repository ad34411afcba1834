"""Local receivers standing in for the platforms: the 企业微信 and 钉钉 group robots (each checking the payload
its platform expects, answering with the platform's errcode), a receiver that sleeps past any timeout, a
port nobody listens on, and an SMTP server (aiosmtpd) keeping what it received."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import socket
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller

from ..servers import FixtureServer, send

WECOM_PATH = "/cgi-bin/webhook/send"
DINGTALK_PATH = "/robot/send"


def _answer(handler: BaseHTTPRequestHandler, code: int, message: str) -> None:
    send(handler, 200, json.dumps({"errcode": code, "errmsg": message}), content_type="application/json")


@dataclass
class Robots:
    """One loopback server with both robots; `received` keeps (platform, query, payload) of every valid post."""

    wecom_key: str = "wecom-key-0123456789"
    ding_token: str = "ding-token-0123456789"
    ding_secret: str | None = None
    received: list[tuple[str, dict[str, list[str]], dict[str, Any]]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.server = FixtureServer({WECOM_PATH: self._wecom, DINGTALK_PATH: self._dingtalk})

    def _wecom(self, handler: BaseHTTPRequestHandler) -> None:
        query = parse_qs(urlsplit(handler.path).query)
        payload = json.loads(handler.body.decode("utf-8"))
        if query.get("key") != [self.wecom_key]:
            self.refused.append("wecom: wrong key")
            return _answer(handler, 93000, "invalid webhook url")
        markdown = payload.get("markdown")
        if payload.get("msgtype") != "markdown" or not isinstance(markdown, dict) or set(markdown) != {"content"} \
                or not markdown["content"].strip() or len(markdown["content"].encode("utf-8")) > 4096:
            self.refused.append(f"wecom: bad payload {payload!r}")
            return _answer(handler, 40008, "invalid message type")
        self.received.append(("wecom", query, payload))
        _answer(handler, 0, "ok")

    def _dingtalk(self, handler: BaseHTTPRequestHandler) -> None:
        query = parse_qs(urlsplit(handler.path).query)
        payload = json.loads(handler.body.decode("utf-8"))
        if query.get("access_token") != [self.ding_token]:
            self.refused.append("dingtalk: wrong token")
            return _answer(handler, 300001, "token is not exist")
        if self.ding_secret is not None:
            stamp = query.get("timestamp", ["0"])[0]
            digest = hmac.new(self.ding_secret.encode(), f"{stamp}\n{self.ding_secret}".encode(), hashlib.sha256)
            expected = base64.b64encode(digest.digest()).decode()
            if query.get("sign") != [expected] or abs(int(stamp) - time.time() * 1000) > 3600_000 \
                    or "secret" in query:
                self.refused.append("dingtalk: bad signature")
                return _answer(handler, 310000, "sign not match")
        markdown = payload.get("markdown")
        if payload.get("msgtype") != "markdown" or not isinstance(markdown, dict) \
                or set(markdown) != {"title", "text"} or not markdown["title"] or not markdown["text"]:
            self.refused.append(f"dingtalk: bad payload {payload!r}")
            return _answer(handler, 40035, "missing parameter")
        self.received.append(("dingtalk", query, payload))
        _answer(handler, 0, "ok")

    @property
    def host(self) -> str:
        return self.server.base_url.removeprefix("http://")

    @property
    def wecom_url(self) -> str:
        return f"wecomrobot://{self.host}{WECOM_PATH}?key={self.wecom_key}"

    @property
    def ding_url(self) -> str:
        secret = f"&secret={self.ding_secret}" if self.ding_secret else ""
        return f"dingrobot://{self.host}{DINGTALK_PATH}?access_token={self.ding_token}{secret}"

    def texts(self, platform: str | None = None) -> list[str]:
        out = []
        for name, _query, payload in self.received:
            if platform in (None, name):
                markdown = payload["markdown"]
                out.append(markdown.get("content") or f"{markdown['title']}\n{markdown['text']}")
        return out

    def stop(self) -> None:
        self.server.stop()


class Slow:
    """Accepts the post and sleeps past any timeout before answering; counts the attempts."""

    def __init__(self, seconds: float) -> None:
        self.attempts = 0

        def sleepy(handler: BaseHTTPRequestHandler) -> None:
            self.attempts += 1
            time.sleep(seconds)
            with contextlib.suppress(OSError):  # the sender gave up long ago
                _answer(handler, 0, "ok")

        self.server = FixtureServer({WECOM_PATH: sleepy})
        self.url = f"wecomrobot://{self.server.base_url.removeprefix('http://')}{WECOM_PATH}?key=slow-key-0123456789"

    def stop(self) -> None:
        self.server.stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def down_url() -> str:
    """A robot address on a loopback port nobody listens on (connection refused)."""
    return f"wecomrobot://127.0.0.1:{_free_port()}{WECOM_PATH}?key=down-key-0123456789"


class Mailbox:
    """aiosmtpd on loopback; `messages` are the parsed e-mails it received."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        box = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's)
                box.messages.append(message_from_bytes(envelope.original_content or envelope.content,
                                                       policy=policy.default))  # type: ignore[arg-type]
                return "250 Message accepted for delivery"

        self.port = _free_port()  # aiosmtpd connects to its own port to see it is up: port 0 will not do
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def url(self, to: str) -> str:
        return f"mailto://127.0.0.1:{self.port}?from=inspect@example.gov.cn&to={to}&mode=insecure"

    def stop(self) -> None:
        self.controller.stop()
