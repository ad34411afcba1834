"""A private nginx (Debian nginx-light) on a free 127.0.0.1 port serving a static folder.

    with Nginx(root) as server:
        server.base_url            # http://127.0.0.1:PORT/
        mark = server.log_mark()   # access-log offset
        ...
        server.requests(mark)      # access-log entries since the mark

It runs with `daemon off` as a child process with its own configuration, pid file and logs in a
temporary folder; ETag and Last-Modified are on (nginx defaults, stated explicitly), so conditional
requests get 304s. Stopping sends SIGQUIT to that child only.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
CONF = """\
worker_processes {workers};
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
{user}
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    charset utf-8;
    log_format bench '$msec $request_method $status $body_bytes_sent "$request_uri" "$http_user_agent"';
    access_log {tmp}/access.log bench;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
        root {root};
        index index.html;
        etag on;
        if_modified_since exact;
        # LinkChecker throttles a host to ~3 requests/s unless the server sends this header
        # (linkcheck/checker/httpurl.py); the benchmark lifts its limit to measure its real speed.
        add_header LinkChecker bench;
    }}
}}
"""


@dataclass(frozen=True)
class Hit:
    time: float
    method: str
    status: int
    size: int
    uri: str
    agent: str


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Nginx:
    def __init__(self, root: Path, *, port: int | None = None, workers: str = "auto"):
        self.root = Path(root).resolve()
        self.port = port or free_port()
        self.workers = workers
        self.tmp = Path(tempfile.mkdtemp(prefix="pc-bench-nginx-"))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def access_log(self) -> Path:
        return self.tmp / "access.log"

    def start(self) -> Nginx:
        user = "user root;" if os.geteuid() == 0 else ""  # workers read the site as its owner
        conf = self.tmp / "nginx.conf"
        conf.write_text(CONF.format(workers=self.workers, tmp=self.tmp, user=user, port=self.port, root=self.root))
        self.access_log.touch()
        self.process = subprocess.Popen(
            [NGINX, "-p", str(self.tmp), "-c", str(conf), "-e", str(self.tmp / "error.log"), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"nginx exited: {err}{(self.tmp / 'error.log').read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("nginx did not start listening within 10 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful stop of the master we started
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.process = None

    def cleanup(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self) -> Nginx:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self.cleanup()

    # --- the access log -------------------------------------------------------------------------

    def log_mark(self) -> int:
        return self.access_log.stat().st_size

    def requests(self, since: int = 0) -> list[Hit]:
        hits = []
        with self.access_log.open("rb") as log:
            log.seek(since)
            for raw in log:
                line = raw.decode("utf-8", "replace").rstrip("\n")
                stamp, method, status, size, rest = line.split(" ", 4)
                uri, _, agent = rest.partition('" "')
                hits.append(Hit(float(stamp), method, int(status), int(size), uri.strip('"'), agent.rstrip('"')))
        return hits
