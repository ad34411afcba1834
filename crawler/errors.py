"""Fetch outcomes as a closed set: a failed fetch is a fact about the site, named the same way everywhere."""

from __future__ import annotations

from twisted.internet import error as tx
from twisted.python.failure import Failure

TIMEOUT, DNS, REFUSED, RESET, TLS, REDIRECT_LOOP, TOO_LARGE, ROBOTS, HTTP, OTHER = (
    "timeout", "dns", "refused", "reset", "tls", "redirect_loop", "too_large", "robots", "http", "other"
)
ERROR_CLASSES = (TIMEOUT, DNS, REFUSED, RESET, TLS, REDIRECT_LOOP, TOO_LARGE, ROBOTS, HTTP, OTHER)

# WAF answers: the page exists but we were not let in; never counted as broken.
BLOCKED_STATUSES = frozenset({401, 403, 418, 429, 432})

# Scrapy 2.19 wraps Twisted errors in its own exception classes; both spellings are matched by name.
_BY_CLASS_NAME = {
    "DownloadTimeoutError": TIMEOUT, "TimeoutError": TIMEOUT, "TCPTimedOutError": TIMEOUT,
    "CannotResolveHostError": DNS, "DNSLookupError": DNS,
    "DownloadConnectionRefusedError": REFUSED, "ConnectionRefusedError": REFUSED,
    "ResponseDataLossError": RESET, "DownloadFailedError": RESET, "ConnectionLost": RESET, "ConnectionDone": RESET,
    "ResponseNeverReceived": RESET, "ResponseFailed": RESET, "ConnectionResetError": RESET,
    "SSLError": TLS, "Error": OTHER,
}


def classify_failure(failure: Failure) -> str:
    """Map a Scrapy/Twisted download failure to one word of the closed set."""
    value = failure.value
    text = str(value).lower()
    if "larger than download max size" in text or "exceeded download_maxsize" in text:
        return TOO_LARGE
    if "max redirections" in text:
        return REDIRECT_LOOP
    if "robots.txt" in text:
        return ROBOTS
    for cls in type(value).__mro__:
        if cls.__name__ in _BY_CLASS_NAME and cls.__name__ != "Error":
            return _BY_CLASS_NAME[cls.__name__]
    if "ssl" in text or "certificate" in text or "tls" in text:
        return TLS
    if isinstance(value, tx.ConnectError):
        return REFUSED
    if "timed out" in text or "timeout" in text:
        return TIMEOUT
    return OTHER
