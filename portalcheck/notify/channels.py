"""Targets: apprise URLs, the robots' own webhook addresses, and the two robot plugins apprise lacks.

apprise ships `wecombot://` and `dingtalk://`, but both post to a hard-coded host (qyapi.weixin.qq.com,
oapi.dingtalk.com) and wecombot sends plain text only. Ours, registered with apprise's documented
`@notify(on=...)` decorator by `register_plugins()` before the first delivery (apprise's `wecom://` is another
service, Pushplus), post the platforms' markdown payloads to the address given, so a deployment behind a proxy
(and a test on loopback) reaches them:

- `wecomrobot://host[:port]/cgi-bin/webhook/send?key=K` (http) / `wecomrobots://…` (https):
  {"msgtype": "markdown", "markdown": {"content": …}}
- `dingrobot://host[:port]/robot/send?access_token=T[&secret=S]` (http) / `dingrobots://…` (https):
  {"msgtype": "markdown", "markdown": {"title": …, "text": …}}, signed (timestamp, sign) when a secret is given.

The robots answer HTTP 200 with {"errcode": 0}; any other errcode is a failed send.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

# A robot's own webhook address, as the platform hands it out, becomes our plugin's URL.
NATIVE = {
    "qyapi.weixin.qq.com": "wecomrobots",
    "oapi.dingtalk.com": "dingrobots",
}
ROBOT_SCHEMES = {"wecomrobot": "http", "wecomrobots": "https", "dingrobot": "http", "dingrobots": "https"}
DEFAULT_TIMEOUT = 10.0
SECRET_QUERY = re.compile(r"(?i)(key|token|access_token|secret|sign|pass|password|apikey|webhook)=([^&\s#]+)")


class RobotError(Exception):
    """A robot refused the message (HTTP status or errcode); the text names no key."""


def _guarded(send: Any) -> Any:
    """apprise says only "an exception occurred": say why on its logger (captured by the sender, redacted)."""

    def plugin(*args: Any, **kwargs: Any) -> bool:
        try:
            return bool(send(*args, **kwargs))
        except (OSError, RobotError) as exc:  # URLError, timeouts, refused connections, errcodes
            reason = getattr(exc, "reason", None)
            logging.getLogger("apprise").warning("robot send failed: %s: %s", type(exc).__name__,
                                                 reason if reason is not None else exc)
            return False

    plugin.__name__ = send.__name__
    return plugin


@dataclass(frozen=True)
class Target:
    """One configured address: what apprise is given, and how it may be shown (no secrets)."""

    url: str

    @property
    def label(self) -> str:
        """scheme://host[:port] and a short hash of the whole address: enough to tell targets apart."""
        parts = urlsplit(self.url)
        host = parts.hostname or ""
        if parts.port:
            host += f":{parts.port}"
        digest = hashlib.sha256(self.url.encode("utf-8")).hexdigest()[:8]
        return f"{parts.scheme}://{host}#{digest}"

    def secrets(self) -> list[str]:
        """The parts of the address that must never reach a log: password, user, query values, path."""
        parts = urlsplit(self.url)
        found = [self.url]
        if parts.password:
            found.append(parts.password)
        if parts.username and len(parts.username) >= 4:
            found.append(parts.username)
        found += [value for _key, value in parse_qsl(parts.query) if len(value) >= 4]
        found += [segment for segment in parts.path.split("/") if len(segment) >= 16]  # tokens in paths
        return sorted(set(found), key=len, reverse=True)


def normalise(url: str, timeout: float) -> Target:
    """The address as apprise is given it: robots' webhooks become our plugins', every HTTP plugin gets the
    timeout (apprise's cto/rto) unless the address sets its own."""
    text = url.strip()
    parts = urlsplit(text)
    if parts.scheme in ("http", "https") and parts.hostname in NATIVE:
        scheme = NATIVE[parts.hostname]
        text = urlunsplit((scheme if parts.scheme == "https" else scheme.rstrip("s"), *parts[1:]))
        parts = urlsplit(text)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    for name in ("cto", "rto"):
        query.setdefault(name, f"{timeout:g}")
    return Target(urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query, safe="@,:/"),
                              parts.fragment)))


def redact_text(text: str, targets: list[Target] | tuple[Target, ...] = ()) -> str:
    """`text` with every target's secrets and any key=… query value replaced by ***."""
    for target in targets:
        for secret in target.secrets():
            text = text.replace(secret, "***")
            text = text.replace(quote(secret, safe=""), "***")
    return SECRET_QUERY.sub(lambda m: f"{m.group(1)}=***", text)


def _post_json(url: str, payload: dict[str, Any], timeout: float) -> None:
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (configured robot URL)
            answer = response.read(65536)
    except urllib.error.HTTPError as exc:
        raise RobotError(f"HTTP {exc.code}") from None
    try:
        body = json.loads(answer.decode("utf-8") or "{}")
    except ValueError:
        raise RobotError("the robot's answer is not JSON") from None
    code = body.get("errcode", 0) if isinstance(body, dict) else 0
    if code not in (0, "0"):
        raise RobotError(f"errcode {code}: {str(body.get('errmsg', ''))[:200]}")


def _robot_url(meta: dict[str, Any], drop: tuple[str, ...] = ()) -> tuple[str, dict[str, str], float]:
    """The http(s) address behind wecom(s):// or dingrobot(s)://, its query (without ours) and the timeout."""
    parts = urlsplit(meta["url"])
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    timeout = float(query.pop("rto", DEFAULT_TIMEOUT))
    query.pop("cto", None)
    for name in drop:
        query.pop(name, None)
    return urlunsplit((ROBOT_SCHEMES[parts.scheme], parts.netloc, parts.path, "", "")), query, timeout


WECOM_MAX_BYTES = 4096  # 企业微信 refuses longer markdown content
CUT_NOTE = "\n……（内容过长，其余请到工作台查看）"


def fit(text: str, limit: int) -> str:
    """`text` cut at a line end so that its UTF-8 form (with the note saying so) stays within `limit` bytes."""
    if len(text.encode("utf-8")) <= limit:
        return text
    room = limit - len(CUT_NOTE.encode("utf-8"))
    kept: list[str] = []
    used = 0
    for line in text.split("\n"):
        size = len(line.encode("utf-8")) + 1
        if used + size > room:
            break
        kept.append(line)
        used += size
    return "\n".join(kept) + CUT_NOTE


def _send_wecom(body: str, title: str, notify_type: Any, meta: dict[str, Any], *args: Any, **kwargs: Any) -> bool:
    base, query, timeout = _robot_url(meta)
    content = fit(f"### {title}\n{body}" if title else body, WECOM_MAX_BYTES)
    _post_json(f"{base}?{urlencode(query)}", {"msgtype": "markdown", "markdown": {"content": content}}, timeout)
    return True


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """钉钉 加签: base64(HMAC-SHA256(secret, "timestamp\\nsecret")), URL-quoted."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return quote(base64.b64encode(digest).decode("ascii"), safe="")


def _send_dingtalk(body: str, title: str, notify_type: Any, meta: dict[str, Any], *args: Any,
                   **kwargs: Any) -> bool:
    base, query, timeout = _robot_url(meta, drop=("secret",))
    secret = dict(parse_qsl(urlsplit(meta["url"]).query)).get("secret")
    url = f"{base}?{urlencode(query)}"
    if secret:
        stamp = int(time.time() * 1000)
        url += f"&timestamp={stamp}&sign={dingtalk_sign(secret, stamp)}"
    text = f"### {title}\n{body}" if title else body
    _post_json(url, {"msgtype": "markdown", "markdown": {"title": title or "通知", "text": text}}, timeout)
    return True


_registered = threading.Event()
_registering = threading.Lock()


def register_plugins() -> None:
    """Our robots as apprise plugins, registered before the first delivery rather than on import: apprise's
    decorators load all of its ~100 plugins (~24 MB and 0.17 s), which every worker, crawl and web process
    paid at start whether it ever sent a message or not."""
    if _registered.is_set():
        return
    with _registering:
        if _registered.is_set():
            return
        from apprise.decorators import notify

        for scheme in ("wecomrobot", "wecomrobots"):
            notify(on=scheme, name="企业微信群机器人")(_guarded(_send_wecom))
        for scheme in ("dingrobot", "dingrobots"):
            notify(on=scheme, name="钉钉群机器人")(_guarded(_send_dingtalk))
        _registered.set()
