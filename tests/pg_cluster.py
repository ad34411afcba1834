"""A PostgreSQL cluster of a test's own (initdb + pg_ctl as user postgres, on a free port, in a temp folder),
for tests that stop or restart the server without disturbing the rest of the suite."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def postgres_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return found[-1].parent if found and shutil.which("runuser") else None


class Cluster:
    """A PostgreSQL cluster of the test's own (initdb + pg_ctl as user postgres) on a free port."""

    def __init__(self) -> None:
        self.bin = postgres_bin()
        self.folder = Path(tempfile.mkdtemp(prefix="portalcheck-pg-"))  # pytest's folders are root's alone
        self.data = self.folder / "data"
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        shutil.chown(self.folder, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "portalcheck")
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/portalcheck"

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", str(self.bin / tool), *args], check=True,
                       capture_output=True, timeout=120)

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"), "-w", "-o",
                  f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} -c fsync=off", "start")

    def restart(self) -> None:
        """`pg_ctl restart -m fast`: every connection is cut, the server is back with the same options."""
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"), "-m", "fast", "-w",
                  "restart")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")


@contextmanager
def own_cluster() -> Iterator[Cluster]:
    cluster = Cluster()
    try:
        yield cluster
    finally:
        subprocess.run(["runuser", "-u", "postgres", "--", str(cluster.bin / "pg_ctl"), "-D", str(cluster.data),
                        "-m", "immediate", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(cluster.folder, ignore_errors=True)


needs_postgres = pytest.mark.skipif(postgres_bin() is None or os.geteuid() != 0,
                                    reason="PostgreSQL binaries (and root, to run them as postgres) not here")
