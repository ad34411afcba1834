"""`portalcheck accounts login weibo` saves a session the crawl can use; requests keep their distance."""

from __future__ import annotations

import asyncio
import json
import stat
import time
from pathlib import Path

import pytest

from crawler.accounts.session import Pacer
from portalcheck.accounts_login import LoginFailed, login_weibo
from portalcheck.core.config import Config
from tests.servers import send

from .fake_platforms import weibo_server

LOGIN_PAGE = """<html><body><p>扫码登录</p><script>
setTimeout(function () { document.cookie = "SUB=_2A25login; path=/"; }, 300);
</script></body></html>"""


def config(tmp_path: Path, api_base: str) -> Config:
    return Config.model_validate({
        "portal": {"name": "房县人民政府门户网站", "home": "http://127.0.0.1:9/", "site_code": "4203250001"},
        "units": [{"name": "沙河乡", "site": "http://127.0.0.1:9/shx/"}],
        "crawl": {"chromium_path": "/usr/bin/chromium"},
        "accounts": {"weibo_storage_state": "state/weibo.json", "weibo_api_base": api_base},
    }).model_copy(update={"source": tmp_path / "config.yaml"})


@pytest.mark.browser
def test_login_saves_a_private_storage_state_once_the_platform_confirms(tmp_path: Path) -> None:
    with weibo_server() as server:
        server.routes["/signin/login"] = lambda h: send(h, 200, LOGIN_PAGE)
        shot = tmp_path / "qr.png"
        path = login_weibo(config(tmp_path, server.base_url), headless=True, timeout_seconds=20,
                           login_url=server.base_url + "/signin/login", screenshot=shot, say=lambda *a: None)
    assert path == tmp_path / "state" / "weibo.json"
    cookies = {c["name"]: c["value"] for c in json.loads(path.read_text(encoding="utf-8"))["cookies"]}
    assert cookies["SUB"] == "_2A25login"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and shot.stat().st_size > 1000


@pytest.mark.browser
def test_login_that_never_happens_fails_without_writing(tmp_path: Path) -> None:
    with weibo_server() as server:
        server.routes["/signin/login"] = "<html><body>扫码登录</body></html>"
        with pytest.raises(LoginFailed):
            login_weibo(config(tmp_path, server.base_url), headless=True, timeout_seconds=2,
                        login_url=server.base_url + "/signin/login", say=lambda *a: None)
    assert not (tmp_path / "state" / "weibo.json").exists()


def test_pacer_spaces_requests_per_host_with_jitter() -> None:
    pacer = Pacer({"weibo": 0.2, "feed": 0.0}, jitter=0.25, kind_of=lambda h: "weibo" if "weibo" in h else "feed")

    async def three() -> list[float]:
        stamps = []
        for host in ("m.weibo.cn", "bridge.local", "m.weibo.cn", "m.weibo.cn"):
            await pacer.wait(host)
            stamps.append((host, time.monotonic()))
        return [t for h, t in stamps if h == "m.weibo.cn"]

    weibo = asyncio.run(three())
    gaps = [b - a for a, b in zip(weibo, weibo[1:], strict=False)]
    # Never sooner than the spacing less its jitter (politeness); how much later depends on the machine's load.
    assert len(gaps) == 2 and all(g >= 0.14 for g in gaps), gaps
    assert all(0.15 <= pacer.delay_for("m.weibo.cn") <= 0.25 for _ in range(50))
