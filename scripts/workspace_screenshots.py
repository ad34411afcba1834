"""Render README's pictures of the workspace (docs/workspace-overview.png, docs/workspace-finding.png) from
`portalcheck demo --serve`, at 1366×768 in Debian's chromium.

    .venv/bin/python scripts/workspace_screenshots.py [--out docs]
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

READY = re.compile(r"检查工作台已启动：(http://127\.0\.0\.1:\d+/)")
LOGIN = re.compile(r"示例登录：用户名 (\S+)\s+密码 (\S+)（")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "docs")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    from portalcheck.demo_run import free_port

    env = {**{k: v for k, v in os.environ.items() if not k.startswith("PORTALCHECK_")}, "COLUMNS": "240"}
    with tempfile.TemporaryDirectory(prefix="pc-shots-") as folder:
        demo = subprocess.Popen([sys.executable, "-m", "portalcheck.cli", "demo", "--serve", "--web-port", str(free_port())],
                                cwd=folder, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            address = login = None
            for line in demo.stdout:  # type: ignore[union-attr]
                address = address or (READY.search(line) and READY.search(line)[1])
                login = login or LOGIN.search(line)
                if address and login:
                    break
            if not (address and login):
                raise SystemExit("the demo did not start its workspace")
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
                page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
                for _ in range(60):
                    try:
                        page.goto(address + "login")
                        break
                    except Exception:  # noqa: BLE001 - until uvicorn listens
                        page.wait_for_timeout(500)
                page.fill("input[name=name]", login[1])
                page.fill("input[name=password]", login[2])
                page.click("button[type=submit]")
                page.wait_for_load_state("networkidle")
                page.screenshot(path=str(args.out / "workspace-overview.png"))
                page.goto(address + "tables/findings?severity=veto")
                page.click("#findings tbody tr a[href^='/findings/']")
                page.wait_for_load_state("networkidle")
                page.screenshot(path=str(args.out / "workspace-finding.png"))
                browser.close()
        finally:
            demo.send_signal(signal.SIGINT)
            demo.wait(timeout=60)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
