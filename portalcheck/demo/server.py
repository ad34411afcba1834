"""Serves a DemoPortal over real HTTP on 127.0.0.1 (GET/HEAD, conditional requests, request log)."""

from __future__ import annotations

import datetime as dt
import email.utils
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

from .portal import DemoPortal, DemoResponse


def not_modified(request_headers: dict[str, str], response: DemoResponse) -> bool:
    """RFC 9110: If-None-Match wins over If-Modified-Since."""
    etag = response.headers.get("ETag")
    inm = request_headers.get("if-none-match")
    if inm is not None:
        return etag is not None and (inm.strip() == "*" or etag in [t.strip() for t in inm.split(",")])
    ims, lm = request_headers.get("if-modified-since"), response.headers.get("Last-Modified")
    if ims and lm:
        try:
            return email.utils.parsedate_to_datetime(lm) <= email.utils.parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
    return False


class DemoRequestHandler(BaseHTTPRequestHandler):
    server: DemoHTTPServer
    server_version = "nginx"
    protocol_version = "HTTP/1.1"

    def version_string(self) -> str:
        return self.server_version

    def do_GET(self) -> None:
        self._respond(head=False)

    def do_HEAD(self) -> None:
        self._respond(head=True)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        """Quiet: tests and `python -m portalcheck.demo` would otherwise log every request to stderr."""

    def _respond(self, head: bool) -> None:
        self.server.log_request_line(self.command, self.path)
        portal = self.server.portal
        response = portal.render(self.path) or portal.not_found()
        request_headers = {k.lower(): v for k, v in self.headers.items()}
        status, body = response.status, response.body
        if status == 200 and not_modified(request_headers, response):
            status, body = 304, b""
        self.send_response(status)
        for name, value in response.headers.items():
            if status == 304 and name == "Content-Type":
                continue
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head and status != 304:
            self.wfile.write(body)


class DemoHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, portal: DemoPortal) -> None:
        super().__init__(("127.0.0.1", port), DemoRequestHandler)
        self.portal = portal
        self.request_log: list[tuple[str, str]] = []
        self._log_lock = threading.Lock()

    def log_request_line(self, method: str, path: str) -> None:
        with self._log_lock:
            self.request_log.append((method, path))

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients hanging up mid-response (crawlers cancel requests) are not worth a traceback."""


class DemoServer:
    """A running demo portal; use as a context manager or call stop()."""

    def __init__(self, portal: DemoPortal, port: int = 0) -> None:
        self.portal = portal
        self._httpd = DemoHTTPServer(port, portal)
        self.port = self._httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="demo-portal", daemon=True)
        self._thread.start()

    @property
    def request_log(self) -> list[tuple[str, str]]:
        """(method, path-with-query) of every request served, in arrival order."""
        return self._httpd.request_log

    def config_yaml(self) -> str:
        return self.portal.config_yaml(self.base_url)

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> DemoServer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def serve_demo(port: int = 0, today: dt.date | None = None) -> DemoServer:
    """Start the demo portal on 127.0.0.1:port (0 = any free port) in a daemon thread."""
    return DemoServer(DemoPortal(today), port)
