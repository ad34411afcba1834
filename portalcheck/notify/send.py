"""One message to one target: bounded attempts, retried with backoff, the failure named without secrets.

Each attempt runs in a daemon thread and is given up after the timeout (plus a little), whatever the plugin
does inside: a receiver that accepts the connection and never answers cannot hold the caller.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from portalcheck.notify.channels import Target, redact_text, register_plugins

log = logging.getLogger("portalcheck.notify")



class _Collect(logging.Handler):
    """apprise's warnings during one attempt: its only account of why a send failed. (Not apprise.LogCapture:
    that one changes the logger's level, which concurrent attempts would race on.) Records reach it redacted."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


class _RedactingFilter(logging.Filter):
    """apprise logs URLs (with keys) at debug and in connection errors: take every known secret out."""

    def __init__(self) -> None:
        super().__init__()
        self.targets: dict[str, Target] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact_text(message, tuple(self.targets.values()))
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_FILTER = _RedactingFilter()
for _name in ("apprise", "urllib3.connectionpool"):  # urllib3 logs each request line (with its query) at debug
    logging.getLogger(_name).addFilter(_FILTER)


@dataclass
class Delivery:
    target: str  # the label: no secrets
    ok: bool
    attempts: int
    error: str | None = None


def _attempt(target: Target, title: str, body: str, timeout: float) -> tuple[bool, str | None]:
    """One try; (sent, why not)."""
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            import apprise  # with its plugins, only in a process that sends (see register_plugins)

            register_plugins()
            sender = apprise.Apprise()
            if not sender.add(target.url):
                outcome["error"] = "apprise does not understand this address"
                return
            collect = _Collect()
            logging.getLogger("apprise").addHandler(collect)
            try:
                outcome["ok"] = sender.notify(body=body, title=title, body_format=apprise.NotifyFormat.MARKDOWN)
            finally:
                logging.getLogger("apprise").removeHandler(collect)
            outcome["log"] = " ".join(collect.lines)
        except Exception as exc:  # a plugin's own failure: reported like a refused send
            outcome["error"] = f"{type(exc).__name__}: {exc}"

    worker = threading.Thread(target=run, name="notify-send", daemon=True)
    worker.start()
    worker.join(timeout * 2 + 1)  # the plugin's own timeouts (connect + read) come first
    if worker.is_alive():
        return False, f"no answer within {timeout:g} s (timeout)"
    if outcome.get("ok"):
        return True, None
    why = " ".join(str(outcome.get("error") or outcome.get("log") or "send failed").split())
    return False, redact_text(why, (target,))[-500:]


def deliver(target: Target, title: str, body: str, *, retries: int, timeout: float, backoff: float,
            sleep: Callable[[float], None] = time.sleep) -> Delivery:
    """Send; on failure wait `backoff`, 2×, 4× … and try again, at most `retries` more times."""
    _FILTER.targets[target.url] = target
    error: str | None = None
    for attempt in range(1, retries + 2):
        ok, error = _attempt(target, title, body, timeout)
        if ok:
            if attempt > 1:
                log.info("notification to %s sent on attempt %s", target.label, attempt)
            return Delivery(target.label, True, attempt)
        log.warning("notification to %s failed (attempt %s of %s): %s", target.label, attempt, retries + 1, error)
        if attempt <= retries:
            sleep(backoff * 2 ** (attempt - 1))
    return Delivery(target.label, False, retries + 1, error)
