"""Loopback HTTP servers for tests: fixture pages and deliberately misbehaving endpoints."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

Handler = Callable[[BaseHTTPRequestHandler], None]


class FixtureServer:
    """Serves `routes` (path → bytes/str page or a handler function) on `address` (127.0.0.1):random port.
    A handler reads a POST's body as `handler.body`; `posted` keeps (path, body) of every POST. Two hosts
    to the crawler are two addresses (127.0.0.2, 127.0.0.3: all of 127/8 is loopback), not two ports: a
    host is its hostname, as Scrapy's download slots and the politeness limits count it."""

    def __init__(self, routes: dict[str, Any], address: str = "127.0.0.1"):
        self.routes = routes
        self.log: list[tuple[str, str]] = []
        self.posted: list[tuple[str, bytes]] = []
        server = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.body = self.rfile.read(length) if length else b""  # read whole: the connection is kept alive
                server.log.append((self.command, self.path))
                if self.command == "POST":
                    server.posted.append((self.path, self.body))
                route = server.routes.get(self.path) or server.routes.get(urlsplit(self.path).path)
                if route is None:
                    send(self, 404, "<html><title>404</title><body>页面不存在</body></html>")
                elif callable(route):
                    route(self)
                else:
                    send(self, 200, route)

            do_GET = do_HEAD = do_POST = _serve

        self.httpd = ThreadingHTTPServer((address, 0), RequestHandler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.base_url = f"http://{address}:{self.httpd.server_address[1]}"

    def count(self, path_prefix: str, method: str | None = None) -> int:
        return sum(1 for verb, path in self.log if path.startswith(path_prefix) and method in (None, verb))

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> FixtureServer:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def send(handler: BaseHTTPRequestHandler, status: int, body: bytes | str, *,
         content_type: str = "text/html; charset=utf-8", headers: dict[str, str] | None = None) -> None:
    data = body.encode("utf-8") if isinstance(body, str) else body
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(data)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(data)


def reset_connection(handler: BaseHTTPRequestHandler) -> None:
    """Close with RST, as an overloaded server or a middlebox does."""
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.connection.close()
    handler.close_connection = True
