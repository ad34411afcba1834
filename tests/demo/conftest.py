"""A demo portal served over real HTTP on 127.0.0.1, shared by the tests of one module."""

from __future__ import annotations

import datetime as dt
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from portalcheck.demo import DemoServer, serve_demo

TODAY = dt.date(2026, 5, 21)


@dataclass
class Fetched:
    status: int
    headers: dict[str, str]
    body: bytes


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def fetch(url: str, method: str = "GET", headers: dict[str, str] | None = None) -> Fetched:
    """One HTTP request without following redirects; error statuses are returned, not raised."""
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with _OPENER.open(request, timeout=5) as resp:
            return Fetched(resp.status, dict(resp.headers.items()), resp.read())
    except urllib.error.HTTPError as err:
        return Fetched(err.code, dict(err.headers.items()), err.read())


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with serve_demo(port=0, today=TODAY) as running:
        yield running
