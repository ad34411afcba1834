"""Loopback network fixtures for site.ipv6 and site.https: a DNS server answering A/AAAA for test hosts,
an HTTP server listening on 127.0.0.1 and [::1] at one port (each family may serve its own pages), and
TLS servers with certificates from a test CA (trustme). Nothing touches the machine's resolver: the
probes are pointed at the DNS server through config `network.nameservers`."""

from __future__ import annotations

import socket
import ssl
import threading
import warnings
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from dnslib import AAAA, QTYPE, RR, A
from dnslib.server import BaseResolver, DNSLogger, DNSServer

from ..servers import send


class ZoneResolver(BaseResolver):
    """Answers A and AAAA from a dict {host: {"A": [...], "AAAA": [...]}}; unknown names get NXDOMAIN."""

    def __init__(self, zone: dict[str, dict[str, list[str]]]) -> None:
        self.zone = zone

    def resolve(self, request: Any, handler: Any) -> Any:
        reply = request.reply()
        name = str(request.q.qname).rstrip(".").lower()
        qtype = QTYPE[request.q.qtype]
        if name not in self.zone:
            reply.header.rcode = 3  # NXDOMAIN
            return reply
        for address in self.zone[name].get(qtype, []):
            rdata = A(address) if qtype == "A" else AAAA(address)
            reply.add_answer(RR(name, getattr(QTYPE, qtype), rdata=rdata, ttl=60))
        return reply


class LoopbackDNS:
    """A UDP DNS server on 127.0.0.1:random port; `nameserver` is what config.network.nameservers takes."""

    def __init__(self, zone: dict[str, dict[str, list[str]]]) -> None:
        self.zone = zone
        self.server = DNSServer(ZoneResolver(zone), port=0, address="127.0.0.1",
                                logger=DNSLogger(log="-request,-reply,-truncated,-error,-recv,-send,-data"))
        self.server.start_thread()
        self.nameserver = f"127.0.0.1:{self.server.server.server_address[1]}"

    def stop(self) -> None:
        self.server.stop()
        self.server.server.server_close()


def _handler(routes: dict[str, Any]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            route = routes.get(self.path.split("?")[0])
            if route is None:
                send(self, 404, "<html><body>页面不存在</body></html>")
            elif callable(route):
                route(self)
            else:
                send(self, 200, route)

        do_HEAD = do_GET

    return Handler


class _V4Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """Probes hang up after a handshake on purpose: not worth a traceback."""


class _V6Server(_V4Server):
    address_family = socket.AF_INET6


class DualStackServer:
    """HTTP on 127.0.0.1:P and [::1]:P: `v4` and `v6` routes (path → page or handler) may differ."""

    def __init__(self, v4: dict[str, Any], v6: dict[str, Any] | None, *, tls: ssl.SSLContext | None = None) -> None:
        self.servers: list[ThreadingHTTPServer] = []
        for _ in range(20):  # the v4 port may already be taken on ::1
            first = _V4Server(("127.0.0.1", 0), _handler(v4))
            self.port = first.server_address[1]
            try:
                second = _V6Server(("::1", self.port), _handler(v6)) if v6 is not None else None
            except OSError:
                first.server_close()
                continue
            self.servers = [first] + ([second] if second else [])
            break
        for server in self.servers:
            if tls is not None:
                server.socket = tls.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop(self, family: int | None = None) -> None:
        for server in list(self.servers):
            if family is None or server.address_family == family:
                server.shutdown()
                server.server_close()
                self.servers.remove(server)


def tls_context(cert: Any, *, legacy: bool = False) -> ssl.SSLContext:
    """A server context with a trustme certificate; `legacy` also accepts TLS 1.0 and 1.1."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(context)
    if legacy:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            context.set_ciphers("DEFAULT:@SECLEVEL=0")
            context.minimum_version = ssl.TLSVersion.TLSv1
    return context


def redirect_to(location: str) -> Callable[[BaseHTTPRequestHandler], None]:
    def handler(h: BaseHTTPRequestHandler) -> None:
        send(h, 301, "", headers={"Location": location})
    return handler
