"""`portalcheck demo`: serve the bundled fictional county portal and run every stage on it.

The demo is what a new user sees first, so it runs exactly what a deployment runs (crawl,
checks, exports) against pages served on 127.0.0.1, then stops the server.
"""

from __future__ import annotations

import json
import socket
import time
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from rich.console import Console

from portalcheck.core.config import Config

EXIT_OK, EXIT_FAILED = 0, 1


def port_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def free_port(wanted: int = 0) -> int:
    """`wanted` if nothing listens on it on 127.0.0.1, else a port the system has free."""
    if wanted and port_free(wanted):
        return wanted
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rebase(config: Config, old_base: str, new_base: str) -> Config:
    """The same config with every URL of the demo portal moved to another port."""
    data = json.loads(json.dumps(config.model_dump(mode="json")).replace(old_base, new_base))
    return Config.model_validate(data).model_copy(update={"source": config.source})


DEMO_ACCOUNT = "demo"
WORKSPACE_PORT = 8660


def run_demo(config: Config, *, port: int | None, serve_only: bool, console: Console, workspace: bool = False,
             workspace_port: int = WORKSPACE_PORT) -> int:
    """The demo; `workspace` (demo --serve) leaves the inspectors' workspace running on its data afterwards,
    with the demo portal still served so that 复查 works, until Ctrl-C."""
    from portalcheck.demo import serve_demo

    home = urlsplit(config.portal.home)
    configured_base = f"{home.scheme}://{home.netloc}"
    wanted = port or home.port or 8650
    server = serve_demo(port=wanted if port_free(wanted) else 0)
    if server.base_url != configured_base:
        config = rebase(config, configured_base, server.base_url)
    console.print(f"示例门户已启动：{server.base_url}/  （{len(server.portal.units)} 个单位）")
    try:
        if serve_only:
            console.print("按 Ctrl-C 停止。")
            while True:
                time.sleep(3600)
        code = run_stages(config, console)
        if workspace:
            serve_workspace(runnable(config, rebased=server.base_url != configured_base), console, workspace_port)
        return code
    finally:
        server.stop()
        console.print("示例门户已停止。")


def runnable(config: Config, *, rebased: bool) -> Config:
    """A config that the recheck's crawl subprocess can read from disk: the demo's own (bundled, or moved to
    another port) is written beside its store as demo-workspace.yaml."""
    import yaml

    if config.source is not None and config.source.exists() and not rebased:
        return config
    path = config.base_dir / "demo-workspace.yaml"
    path.write_text(yaml.safe_dump(config.model_dump(mode="json"), allow_unicode=True, sort_keys=False),
                    encoding="utf-8")
    return config.model_copy(update={"source": path})


def serve_workspace(config: Config, console: Console, port: int) -> None:
    """The workspace over the demo's store, signed in as a demo inspector whose password is new each run
    (no default password anywhere)."""
    from portalcheck.web import serve, users
    from storage.session import Store

    password = users.random_password()
    with Store(config.database_url()) as store:
        if any(name == DEMO_ACCOUNT for name, *_ in users.list_users(store)):
            users.set_password(store, DEMO_ACCOUNT, password)
        else:
            users.add_user(store, DEMO_ACCOUNT, "inspector", password)
    port = free_port(port)

    def ready(url: str) -> None:
        console.print(f"检查工作台已启动：{url}")
        console.print(f"示例登录：用户名 {DEMO_ACCOUNT}　密码 {password}（督查账号，本次运行有效）")
        console.print("按 Ctrl-C 停止。")

    serve(config, host="127.0.0.1", port=port, work_rechecks=True, on_ready=ready)


def run_stages(config: Config, console: Console) -> int:
    """Crawl, check and export, as the nightly job does."""
    from crawler.run import run_crawl

    result = run_crawl(config, full=True, console=console)
    result.print_summary(console)
    _network(config, console)
    _check(config, console)
    _pictures(config, console)
    _export(config, console)
    if problem := unread_demo(result.counts):
        console.print(f"[bold red]示例运行失败：{problem}。以上检查结果不代表示例门户的真实情况。[/]")
        return EXIT_FAILED
    return EXIT_OK if result.ok else EXIT_FAILED


def unread_demo(counts: dict[str, Any]) -> str | None:
    """Why the crawl did not read the demo portal, if it did not (a run whose every request failed still
    "finishes"; the demo's every unit has columns, so one without any means the demo was not read)."""
    if not counts.get("pages"):
        return "未能抓取示例门户的任何页面"
    if missing := counts.get("units_without_columns"):
        return f"{len(missing)}个单位未能读取栏目（{'、'.join(sorted(missing)[:5])}）"
    return None


def _network(config: Config, console: Console) -> None:
    """The nightly network round (site.ipv6, site.https): the demo is served on IPv4 and plain http only."""
    from crawler.netprobe import format_network_round, run_network_round
    from storage.session import Store

    with Store(config.database_url()) as store:
        console.print(format_network_round(run_network_round(config, store)), markup=False)


def _check(config: Config, console: Console) -> None:
    from datetime import timezone

    from checks import format_report, run_checks
    from storage.session import Store

    with Store(config.database_url()) as store:
        report = run_checks(store, config, as_of=datetime.now(timezone.utc))
    console.print(format_report(report), markup=False)


def _pictures(config: Config, console: Console) -> None:
    """证据截图, as the nightly run takes them after its checks (a failure is reported, never fatal)."""
    from portalcheck.service.evidence import take_pictures
    from storage.session import Store

    with Store(config.database_url()) as store:
        counts = take_pictures(config, store)
    if counts.get("error"):
        console.print(f"证据截图未完成：{counts['error']}", markup=False)
    else:
        console.print(f"证据截图：{counts['taken']}张，未能截图{counts['failed']}张（{config.pictures_dir()}）",
                      markup=False)


def _export(config: Config, console: Console) -> None:
    """Every export an inspector uses, for this year up to now, as a deployment would send them."""
    from portalcheck.exports import Period, export
    from portalcheck.service.exports import current_warnings

    folder = config.exports_dir()
    folder.mkdir(parents=True, exist_ok=True)
    period = Period.make()
    plan = [(kind, fmt) for kind in ("findings", "publications", "columns", "summary", "messages", "accounts")
            for fmt in ("xlsx", "csv", "json")] + [("notice", "docx"), ("notice", "md")]
    for kind, fmt in plan:
        path = export(config, kind, folder / f"{kind}.{fmt}", fmt=fmt, period=period)
        console.print(f"已导出：{path}")
    found = current_warnings(config, period.as_of)  # the demo's dates are relative to today: a few warn
    console.print(f"预警{len(found)}条（如不整改，将在提前期内不合格；预警不计入问题、结论和得分）", markup=False)
    for fmt in ("xlsx", "csv", "json"):
        path = export(config, "warnings", folder / f"warnings.{fmt}", fmt=fmt, period=period, warnings=found)
        console.print(f"已导出：{path}")
