"""`portalcheck accounts login weibo`: log in once in chromium and keep the session as a file.

Since 2025 m.weibo.cn answers cookieless API calls with HTTP 432, so the collector needs a
logged-in browser session. A person logs in (QR code scan with the Weibo app, or password)
in a real chromium window; the cookies are then saved as a Playwright storage-state file
(accounts.weibo_storage_state), which the crawl loads and keeps fresh. On a server without a
display, `--headless` writes the login page as a picture to scan from another screen.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from crawler.accounts.session import MOBILE_UA
from crawler.settings import chromium_launch_options
from portalcheck.core.config import DEFAULT_TIMEZONE

DEFAULT_STATE = "state/weibo-storage-state.json"
LOGIN_COOKIES = ("SUB",)  # set by passport.weibo.cn once a login succeeded


class LoginFailed(Exception):
    """The person did not log in before the timeout, or the platform does not confirm it."""


def state_path(config: Any) -> Path:
    path = Path(config.accounts.weibo_storage_state or DEFAULT_STATE)
    return path if path.is_absolute() else config.base_dir / path


def default_login_url(api_base: str) -> str:
    return f"https://passport.weibo.cn/signin/login?entry=mweibo&r={quote(api_base.rstrip('/') + '/', safe='')}"


def confirmed(page: Any, api_base: str) -> bool:
    """m.weibo.cn/api/config says `"login": true` for a logged-in session."""
    try:
        response = page.goto(f"{api_base.rstrip('/')}/api/config", wait_until="commit")
        data = json.loads(response.body().decode("utf-8")) if response is not None else {}
    except Exception:  # noqa: BLE001 - any failure means "not confirmed"
        return False
    return bool((data.get("data") or {}).get("login"))


def login_weibo(config: Any, *, headless: bool = False, timeout_seconds: float = 300,
                login_url: str | None = None, screenshot: Path | None = None,
                say: Any = print) -> Path:
    """Wait for a login in chromium, confirm it, save the storage state (mode 600); returns its path."""
    from playwright.sync_api import sync_playwright

    api_base = str(config.accounts.weibo_api_base)
    target = state_path(config)
    chromium = config.crawl.chromium_path or shutil.which("chromium") or shutil.which("chromium-browser")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**chromium_launch_options(chromium, headless=headless))
        try:
            options: dict[str, Any] = {"user_agent": MOBILE_UA, "locale": "zh-CN", "timezone_id": DEFAULT_TIMEZONE,
                                       "viewport": {"width": 390, "height": 844}, "is_mobile": True}
            if target.exists():
                options["storage_state"] = str(target)
            context = browser.new_context(**options)
            page = context.new_page()
            page.goto(login_url or default_login_url(api_base), wait_until="domcontentloaded")
            say("请在浏览器中登录微博（扫码或账号密码）……" if not headless else
                f"请用微博 App 扫描二维码：{screenshot}" if screenshot else "等待登录……")
            deadline = time.monotonic() + timeout_seconds
            while time.monotonic() < deadline:
                if screenshot is not None:
                    page.screenshot(path=str(screenshot))
                if any(c["name"] in LOGIN_COOKIES for c in context.cookies()):
                    break
                page.wait_for_timeout(1000)
            else:
                raise LoginFailed(f"{timeout_seconds:g} 秒内未完成登录")
            if not confirmed(page, api_base):
                raise LoginFailed("已获得登录凭据，但微博接口未确认登录状态（api/config login=false）")
            target.parent.mkdir(parents=True, exist_ok=True)
            context.storage_state(path=str(target))
            os.chmod(target, 0o600)  # the file is a login: keep it private
        finally:
            browser.close()
    return target
