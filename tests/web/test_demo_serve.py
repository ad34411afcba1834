"""`portalcheck demo --serve` as a user runs it: the demo crawls and checks, then leaves the workspace running and
prints its address and a login; chromium signs in with the printed password and sees the overview; Ctrl-C stops
the workspace and the demo portal cleanly."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from queue import Empty, Queue
from typing import Any

import pytest

pytestmark = pytest.mark.timeout(900)
READY = re.compile(r"检查工作台已启动：(http://127\.0\.0\.1:\d+/)")
LOGIN = re.compile(r"示例登录：用户名 (\S+)\s+密码 (\S+)（")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _lines(stream: Any, into: Queue) -> None:
    for line in stream:
        into.put(line)
    into.put(None)


def test_demo_serve_prints_a_login_that_opens_the_overview_and_stops_on_ctrl_c(tmp_path: Path,
                                                                               browser: Any) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTALCHECK_")}
    env["COLUMNS"] = "240"  # the console's lines unwrapped
    demo = subprocess.Popen([sys.executable, "-m", "portalcheck.cli", "demo", "--serve",
                             "--web-port", str(_free_port())], cwd=tmp_path, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines: Queue = Queue()
    threading.Thread(target=_lines, args=(demo.stdout, lines), daemon=True).start()
    printed: list[str] = []
    try:
        address = login = None
        deadline = time.monotonic() + 600
        while (address is None or login is None) and time.monotonic() < deadline:
            try:
                line = lines.get(timeout=5)
            except Empty:
                continue
            assert line is not None, "demo ended early:\n" + "".join(printed[-40:])
            printed.append(line)
            address = address or (READY.search(line) and READY.search(line)[1])
            login = login or LOGIN.search(line)
        assert address and login, "".join(printed[-40:])
        page = browser.new_context(locale="zh-CN").new_page()
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        for _ in range(60):  # the address is printed as uvicorn starts: wait until it answers
            try:
                page.goto(address + "login")
                break
            except Exception:  # noqa: BLE001 - connection refused until the server listens
                time.sleep(0.5)
        page.fill("input[name=name]", login[1])
        page.fill("input[name=password]", login[2])
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        assert page.url == address
        assert page.locator("h1").first.inner_text() == "总览"
        assert page.locator("#ranking tbody tr").count() >= 2
        assert errors == []
        page.context.close()
    finally:
        demo.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            code = demo.wait(timeout=60)
        except subprocess.TimeoutExpired:
            demo.kill()
            raise
    rest = []
    while (line := lines.get(timeout=10)) is not None:
        rest.append(line)
    assert code == 0, "".join(rest[-20:])
    assert any("示例门户已停止" in line for line in rest)
