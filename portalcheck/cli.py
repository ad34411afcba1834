"""`portalcheck`: one command per job an inspector or a deployer does.

Each subcommand loads and validates config.yaml first (nothing runs on a bad config), opens
the store at the newest schema, does its work with progress on stderr, ends with a short
summary, and exits non-zero on failure.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from rich.console import Console

from portalcheck.core.config import DEFAULT_CONFIG, ENV_CONFIG, Config, ConfigError, load_config

if TYPE_CHECKING:
    from portalcheck.exports import Period

console = Console(stderr=True, highlight=False)

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2


def _datetime(text: str) -> datetime:
    """Accept 2020-05-29, 2020-05-29T18:00 or '2020-05-29 18:00'; local time of the deployment."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期时间格式应为 2020-05-29 或 2020-05-29T18:00，实际为 {text!r}") from None
    return value  # without an offset: read in the deployment's zone once the config is loaded (_local)


def _local(moment: datetime | None, config: Config) -> datetime | None:
    """A moment given without an offset is local time of the deployment (config `schedule.timezone`)."""
    return moment.replace(tzinfo=config.zone) if moment is not None and moment.tzinfo is None else moment


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期格式应为 2020-05-29，实际为 {text!r}") from None


def _days(text: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"天数应为不小于0的整数，实际为 {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="portalcheck",
        description="政府网站与政务新媒体常态化检查：抓取、检查、导出。",
    )
    parser.add_argument("--config", help="配置文件路径 (default: $PORTALCHECK_CONFIG or ./config.yaml)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    db = commands.add_parser("db", help="数据库结构迁移 (schema migrations)")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="升级到最新结构 (upgrade to the newest schema)")
    down = db_commands.add_parser("downgrade", help="降级 (downgrade; default: to an empty schema)")
    down.add_argument("revision", nargs="?", default="base")
    db_commands.add_parser("current", help="显示当前结构版本")

    crawl = commands.add_parser("crawl", help="抓取门户网站与各单位栏目")
    crawl.add_argument("--unit", action="append", help="只抓取该单位 (repeatable)")
    crawl.add_argument("--full", action="store_true", help="全量抓取 (default: incremental)")

    check = commands.add_parser("check", help="按检查指标检查已抓取的数据")
    check.add_argument("--unit", action="append")
    check.add_argument("--as-of", type=_datetime, help="检查时点 (default: now)")
    check.add_argument("--only", nargs="+", metavar="RULE", help="只运行这些规则")
    check.add_argument("--list", action="store_true", help="列出全部检查规则")

    recheck = commands.add_parser("recheck", help="整改后复查一个单位：立即抓取并检查")
    recheck.add_argument("--unit", required=True)
    recheck.add_argument("--queue", action="store_true", help="交给运行中的定时服务处理 (queue for the scheduler)")

    probe = commands.add_parser("probe", help="可用性监测：访问一轮首页与各单位站点")
    probe.add_argument("--network", action="store_true",
                       help="改为网络探测一轮：IPv6 支持度与 HTTPS 证书 (site.ipv6, site.https)")

    export = commands.add_parser("export", help="导出检查结果与通报附表")
    export.add_argument(
        "kind", choices=["findings", "publications", "columns", "messages", "accounts", "summary", "notice",
                         "warnings"]
    )
    export.add_argument("--format", choices=["xlsx", "csv", "json", "docx", "pdf", "md"],
                        help="xlsx、csv、json；通报草稿 notice 为 docx、pdf（需 LibreOffice）或 md (default: xlsx / docx)")
    export.add_argument("--out", help="输出文件 (default: the exports folder of config)")
    export.add_argument("--from", dest="date_from", type=_date, help="统计起始日期 (default: 当年1月1日)")
    export.add_argument("--to", dest="date_to", type=_date, help="统计截止日期 (default: --as-of 当天)")
    export.add_argument("--as-of", type=_datetime, help="统计时点，如 2020-05-29T18:00 (default: now)")
    export.add_argument("--unit", action="append", help="只导出该单位 (repeatable)")
    export.add_argument("--deadline", type=_date, help="整改期限：记录到本次导出（或通报点名单位）的未整改问题上")
    export.add_argument("--within", type=_days, metavar="DAYS", help="预警清单 warnings：列出DAYS天内将不合格的对象")
    export.add_argument("--with-pictures", action="store_true",
                        help="通报草稿 notice：附上未整改问题的证据截图（最后一个附件）")

    warnings = commands.add_parser("warnings", help="预警：如不整改，将在提前期内不合格的栏目、首页、账号、留言和站点")
    warnings.add_argument("--unit", action="append", help="只看该单位 (repeatable)")
    warnings.add_argument("--as-of", type=_datetime, help="时点 (default: now)")
    warnings.add_argument("--within", type=_days, metavar="DAYS",
                          help="列出DAYS天内将不合格的对象（代替配置 warnings: 中按天计的提前期）")

    schedule = commands.add_parser("schedule", help="以常驻服务运行定时任务")
    schedule.add_argument("--dry-run", action="store_true", help="只显示各任务下次运行时间")

    worker = commands.add_parser("worker", help="任务队列工作进程：抓取并检查队列中的单位 (needs queue:)")
    worker.add_argument("--concurrency", type=int, default=1, help="同时运行的任务数 (default: 1)")
    worker.add_argument("--queues", help="只处理这些队列，逗号分隔：crawl,site (default: all)")

    commands.add_parser("status", help="任务队列：本次夜间任务各单位的进度")

    accounts = commands.add_parser("accounts", help="政务新媒体采集：登录平台账号")
    login = accounts.add_subparsers(dest="accounts_command", required=True, metavar="ACTION").add_parser(
        "login", help="登录并保存浏览器会话 (accounts.weibo_storage_state)")
    login.add_argument("platform", choices=["weibo"])
    login.add_argument("--headless", action="store_true", help="无界面服务器：把二维码页面截图到 --screenshot")
    login.add_argument("--screenshot", help="二维码截图文件 (default with --headless: logs/weibo-login.png)")
    login.add_argument("--timeout", type=float, default=300, help="等待登录的秒数 (default: 300)")
    login.add_argument("--login-url", help=argparse.SUPPRESS)

    init = commands.add_parser("init", help="从门户网站本身生成配置草稿（单位、留言板、政务新媒体账号）")
    init.add_argument("url", nargs="?", help="门户首页，如 https://www.example.gov.cn/ (--check: default portal.home)")
    init.add_argument("--out", default=DEFAULT_CONFIG, help="写入的配置文件 (default: config.yaml)")
    init.add_argument("--force", action="store_true", help="覆盖已有的配置文件")
    init.add_argument("--check", action="store_true",
                      help="核对已有配置（--config）：门户新增的单位、网站已打不开的单位")
    init.add_argument("--max-pages", type=int, default=30, help="最多读取的页面数 (default: 30)")
    init.add_argument("--delay", type=float, help="请求间隔秒数 (default: crawl.delay_seconds 的默认值 0.5)")

    serve = commands.add_parser("serve", help="启动检查工作台网站（督查、单位账号登录查看）")
    serve.add_argument("--host", default="127.0.0.1", help="监听地址 (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8660, help="端口 (default: 8660)")
    serve.add_argument("--secure-cookies", action="store_true", help="经 https 反向代理提供服务时：Cookie 仅经 https 发送")
    serve.add_argument("--work-rechecks", action="store_true",
                       help="由本进程执行复查请求（未运行 portalcheck schedule 时）")

    users_cmd = commands.add_parser("users", help="工作台账号：添加、改密码、停用、列出")
    users_actions = users_cmd.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    add = users_actions.add_parser("add", help="添加账号（不给密码时生成随机密码并显示一次）")
    add.add_argument("name")
    add.add_argument("--role", required=True, help="inspector（督查）、unit（单位）、readonly（只读）、admin（管理员）")
    add.add_argument("--unit", help="单位账号所属单位")
    add.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码")
    passwd = users_actions.add_parser("passwd", help="修改密码")
    passwd.add_argument("name")
    passwd.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码")
    disable = users_actions.add_parser("disable", help="停用账号")
    disable.add_argument("name")
    users_actions.add_parser("list", help="列出账号")

    notify = commands.add_parser("notify", help="通知：发送各单位每日日报，或向所有通知对象发送测试消息")
    notify_actions = notify.add_subparsers(dest="notify_command", required=True, metavar="ACTION")
    digest = notify_actions.add_parser("digest", help="发送今日日报（每个单位每天一条，重复运行不重复发送）")
    digest.add_argument("--dry-run", action="store_true", help="只显示将要发送的内容，不发送")
    digest.add_argument("--day", type=_date, help="日报日期 (default: 今天)")
    notify_actions.add_parser("test", help="向每个已配置的通知对象发送一条测试消息，逐个报告结果")
    notice = commands.add_parser("notice", help="整改通报批次：下发（冻结当前未整改问题并定整改期限）、列出、查看")
    notice_actions = notice.add_subparsers(dest="notice_command", required=True, metavar="ACTION")
    issue = notice_actions.add_parser("issue", help="下发一期通报：当前各单位未整改的问题，整改期限默认10个工作日")
    issue.add_argument("--deadline", type=_date, help="整改期限，如 2026-06-19 (default: 10个工作日后，法定节假日除外)")
    issue.add_argument("--by", help="下发人 (default: 当前系统用户)")
    notice_actions.add_parser("list", help="列出各期通报：问题数、期限、逾期单位")
    show = notice_actions.add_parser("show", help="查看一期通报：各单位问题的整改状态")
    show.add_argument("number", type=int)

    demo = commands.add_parser("demo", help="启动内置示例门户，完整运行一遍并导出结果")
    demo.add_argument("--port", type=int, help="示例门户端口 (default: from config.yaml)")
    demo.add_argument("--serve", action="store_true",
                      help="运行完毕后启动检查工作台（示例数据，打印地址与示例登录），直到 Ctrl-C")
    demo.add_argument("--web-port", type=int, default=8660, help="检查工作台端口 (default: 8660)")
    demo.add_argument("--portal-only", action="store_true", help="只启动示例门户，直到 Ctrl-C")
    return parser


def _load(args: argparse.Namespace) -> Config:
    return load_config(args.config)


def cmd_db(args: argparse.Namespace) -> int:
    from storage import session as store

    url = _load(args).database_url()
    if args.db_command == "upgrade":
        store.upgrade(url)
    elif args.db_command == "downgrade":
        store.downgrade(url, args.revision)
    engine = store.make_engine(url)
    console.print(f"数据库结构版本 (schema revision): {store.current_revision(engine) or '空 (empty)'}")
    engine.dispose()
    return EXIT_OK


def cmd_crawl(args: argparse.Namespace) -> int:
    from crawler.run import run_crawl

    config = _load(args)
    result = run_crawl(config, units=args.unit, full=args.full)
    result.print_summary(console)
    return EXIT_OK if result.ok else EXIT_FAILED


def cmd_check(args: argparse.Namespace) -> int:
    from checks import catalogue, format_report, run_checks

    if args.list:
        for meta in catalogue():
            severity = {"veto": "单项否决", "info": "提示（计入数量否决或供核实）",
                        "deduct": f"扣分 {meta.get('points') or ''}".strip()}.get(
                meta["severity"], meta["severity"])
            print(f"{meta['rule']:<24} {meta['title']}　[{severity}]　{meta['clause']}")
        return EXIT_OK
    from storage.session import Store

    config = _load(args)
    try:
        with Store(config.database_url()) as store:
            report = run_checks(store, config, as_of=_local(args.as_of, config) or datetime.now(config.zone),
                                units=args.unit, only=args.only)
    except KeyError as exc:
        console.print(f"[red]{exc.args[0]}[/]")
        return EXIT_CONFIG
    print(format_report(report))
    return EXIT_OK if report.ok else EXIT_FAILED


def cmd_recheck(args: argparse.Namespace) -> int:
    import scheduler
    from storage.session import Store

    config = _load(args)
    try:
        config.unit(args.unit)
    except KeyError as exc:
        console.print(f"[red]{exc.args[0]}[/]")
        return EXIT_CONFIG
    with Store(config.database_url()) as store:
        if getattr(args, "queue", False) and config.queue is not None:
            from portalcheck.service.queue import enqueue_recheck

            job_id = enqueue_recheck(config, args.unit)
            console.print(f"已提交复查任务（任务 {job_id}）：{args.unit}，将优先于夜间任务运行。" if job_id else
                          f"{args.unit} 已有等待中的复查任务，本次请求并入该任务。")
            return EXIT_OK
        if getattr(args, "queue", False):
            request_id = scheduler.queue_recheck(store, config, args.unit)
            console.print(f"已提交复查请求（编号 {request_id}）：{args.unit}。"
                          f"运行中的定时服务将在 {config.schedule.recheck_poll_seconds:g} 秒内开始复查。")
            return EXIT_OK
        runtime = scheduler.Runtime(config, store)
        try:
            result = scheduler.recheck_unit(runtime, args.unit, on_wait=lambda holder: console.print(
                f"{args.unit} 正在被其他任务抓取（{holder}），等待其结束…"))
        except scheduler.UnitBusy as exc:
            console.print(f"[red]{exc}，请稍后再试。[/]")
            return EXIT_FAILED
        print(scheduler.format_recheck(result, config.schedule.timezone))
        return EXIT_OK if result.ok else EXIT_FAILED


def cmd_probe(args: argparse.Namespace) -> int:
    from crawler.probe import format_round, run_probe_round
    from storage.session import Store

    config = _load(args)
    with Store(config.database_url()) as store:
        if getattr(args, "network", False):
            from crawler.netprobe import format_network_round, run_network_round

            print(format_network_round(run_network_round(config, store)))
            return EXIT_OK
        round_ = run_probe_round(config, store)
    print(format_round(round_))
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from portalcheck.exports import NoCheckRun, Period, export
    from portalcheck.exports.pdf import PdfUnavailable

    fmt = args.format or ("docx" if args.kind == "notice" else "xlsx")
    config = _load(args)
    try:
        period = Period.make(args.date_from, args.date_to, _local(args.as_of, config), args.unit)
    except ValueError as exc:
        console.print(f"[red]{exc}[/]")
        return EXIT_CONFIG
    try:
        found = _warning_rows(config, period, args.within) if args.kind == "warnings" else None
        path = export(config, args.kind, Path(args.out) if args.out else None, fmt=fmt, period=period,
                      deadline=args.deadline, warnings=found, within=args.within,
                      with_pictures=args.with_pictures)
    except KeyError as exc:  # an unknown unit
        console.print(f"[red]{exc.args[0]}[/]")
        return EXIT_CONFIG
    except (NoCheckRun, PdfUnavailable) as exc:
        console.print(f"[red]{exc}[/]")
        return EXIT_FAILED
    except ValueError as exc:
        console.print(f"[red]{exc}[/]")
        return EXIT_CONFIG
    if args.deadline:
        console.print(f"已记录整改期限：{args.deadline.isoformat()}")
    console.print(f"已导出：{path}")
    return EXIT_OK


def _warning_rows(config: Config, period: Period, within: int | None) -> list[dict]:
    """The warnings at the export's moment for its units, as the warnings export takes them."""
    from checks.warnings import find_warnings
    from storage.session import Store

    with Store(config.database_url()) as store:
        units = list(period.units) if period.units else None
        return [w.as_dict() for w in find_warnings(store, config, period.as_of, units, within)]


def cmd_warnings(args: argparse.Namespace) -> int:
    """Warnings are advice, not failures: the command exits 0 whatever it lists."""
    from checks.warnings import find_warnings, format_warnings
    from storage.session import Store

    config = _load(args)
    as_of = _local(args.as_of, config) or datetime.now(config.zone)
    try:
        with Store(config.database_url()) as store:
            found = find_warnings(store, config, as_of, args.unit, args.within)
    except KeyError as exc:
        console.print(f"[red]{exc.args[0]}[/]")
        return EXIT_CONFIG
    print(format_warnings(found, as_of, config.schedule.timezone))
    return EXIT_OK


def cmd_schedule(args: argparse.Namespace) -> int:
    import scheduler

    config = _load(args)
    if args.dry_run:
        print(scheduler.format_dry_run(config))
        return EXIT_OK
    return scheduler.serve(config)


def cmd_worker(args: argparse.Namespace) -> int:
    from portalcheck.service.queue import QueueNotConfigured, run_worker

    config = _load(args)
    if args.concurrency < 1:
        console.print("[red]--concurrency 至少为 1[/]")
        return EXIT_CONFIG
    queues = [q.strip() for q in (args.queues or "").split(",") if q.strip()] or None
    try:
        return run_worker(config, concurrency=args.concurrency, queues=queues)
    except QueueNotConfigured as exc:
        console.print(f"[red]{exc}[/]")
        return EXIT_CONFIG


def cmd_status(args: argparse.Namespace) -> int:
    from portalcheck.service.queue import format_status

    config = _load(args)
    print(format_status(config))
    return EXIT_OK


def cmd_accounts(args: argparse.Namespace) -> int:
    from pathlib import Path

    from portalcheck.accounts_login import LoginFailed, login_weibo

    config = _load(args)
    shot = Path(args.screenshot) if args.screenshot else (config.base_dir / "logs/weibo-login.png"
                                                          if args.headless else None)
    try:
        path = login_weibo(config, headless=args.headless, timeout_seconds=args.timeout, login_url=args.login_url,
                           screenshot=shot, say=console.print)
    except LoginFailed as exc:
        console.print(f"[red]登录失败：{exc}[/]")
        return EXIT_FAILED
    console.print(f"已保存微博登录状态：{path}" + ("" if config.accounts.weibo_storage_state else
                                                 "（请在配置 accounts.weibo_storage_state 中填写该路径）"))
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from portalcheck.web import serve

    config = _load(args)
    from storage.session import Store

    Store(config.database_url()).dispose()  # the schema at its newest before the first request
    serve(config, host=args.host, port=args.port, secure_cookies=args.secure_cookies,
          work_rechecks=args.work_rechecks,
          on_ready=lambda url: console.print(f"检查工作台：{url}（Ctrl-C 停止）"))
    return EXIT_OK


def _read_password(from_stdin: bool) -> str | None:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    if sys.stdin.isatty():
        import getpass

        first = getpass.getpass("密码：")
        if first != getpass.getpass("再次输入密码："):
            raise ValueError("两次输入的密码不一致")
        return first
    return None


def cmd_users(args: argparse.Namespace) -> int:
    from portalcheck.web import users
    from storage.session import Store

    config = _load(args)
    try:
        with Store(config.database_url()) as store:
            if args.users_command == "list":
                for name, role, unit, disabled in users.list_users(store):
                    print(f"{name}\t{users.ROLES.get(role, role)}\t{unit or ''}\t{'已停用' if disabled else ''}")
            elif args.users_command == "add":
                password = _read_password(args.password_stdin)
                made = password is None
                password = password or users.random_password()
                users.add_user(store, args.name, args.role, password, args.unit, [u.name for u in config.units])
                console.print(f"已添加账号 {args.name}" + (f"，初始密码：{password}" if made else ""))
            elif args.users_command == "passwd":
                password = _read_password(args.password_stdin)
                made = password is None
                password = password or users.random_password()
                users.set_password(store, args.name, password)
                console.print(f"已修改 {args.name} 的密码" + (f"：{password}" if made else ""))
            elif args.users_command == "disable":
                users.set_disabled(store, args.name)
                console.print(f"已停用账号 {args.name}")
    except (users.UserError, ValueError) as exc:
        console.print(f"[red]{exc}[/]")
        return EXIT_CONFIG
    return EXIT_OK


def cmd_notify(args: argparse.Namespace) -> int:
    from portalcheck.service import notify
    from storage.session import Store

    config = _load(args)
    if config.notifications is None:
        console.print("配置文件中没有 notifications（通知对象），未发送任何消息。", markup=False)
        return EXIT_CONFIG
    with Store(config.database_url()) as store:
        if args.notify_command == "test":
            results = notify.send_test(config, store)
            for item in results:
                state = "成功" if item.status == "sent" else f"失败（{item.attempts} 次尝试：{item.error}）"
                print(f"{item.unit or notify.OFFICE} → {item.target}：{state}")
            if not results:
                print("没有配置任何通知对象。")
            return EXIT_OK if all(item.status == "sent" for item in results) else EXIT_FAILED
        # Deadlines come from the notices (issue #17's notices part); until they exist, none are passed.
        report = notify.send_digest(config, store, day=args.day, dry_run=args.dry_run)
        print(notify.format_digest_report(report, dry_run=args.dry_run))
        return EXIT_FAILED if any(item.status == "failed" for item in report.sent) else EXIT_OK


def cmd_notice(args: argparse.Namespace) -> int:
    import getpass

    from portalcheck.service import notices
    from portalcheck.service.rectification import LoopError, issue_notice
    from storage.session import Store

    config = _load(args)
    with Store(config.database_url()) as store:
        if args.notice_command == "issue":
            try:
                made = issue_notice(store, config, args.by or getpass.getuser(), args.deadline)
            except LoopError as exc:
                console.print(f"[red]{exc}[/]")
                return EXIT_CONFIG
            print(notices.format_issued(made))
        elif args.notice_command == "list":
            print(notices.format_list(store, config))
        else:
            text = notices.format_notice(store, config, args.number)
            if text is None:
                console.print(f"[red]没有第{args.number}期通报[/]")
                return EXIT_CONFIG
            print(text)
    return EXIT_OK


def _demo_config(args: argparse.Namespace) -> Config:
    """The demo runs from any folder: without a config file here it takes the repository's config.yaml as
    shipped in the package (portalcheck/demo/deployment.yaml, kept identical by a test), and keeps its
    database and exports in the current folder (never inside site-packages)."""
    if args.config or os.environ.get(ENV_CONFIG) or Path(DEFAULT_CONFIG).exists():
        return _load(args)
    with resources.as_file(resources.files("portalcheck.demo").joinpath("deployment.yaml")) as bundled:
        config = load_config(bundled)
    return config.model_copy(update={"source": Path.cwd() / DEFAULT_CONFIG})


def cmd_init(args: argparse.Namespace) -> int:
    from portalcheck.core.config import CrawlConfig
    from portalcheck.onboard import run_check, run_init

    out = Console(highlight=False, soft_wrap=True)
    if args.check:
        config = _load(args)
        if args.delay is not None:
            config = config.model_copy(update={"crawl": config.crawl.model_copy(update={"delay_seconds": args.delay})})
        return run_check(config, args.url, max_pages=args.max_pages, out=out)
    if not args.url:
        console.print("请给出门户首页网址，如 portalcheck init https://www.example.gov.cn/", markup=False)
        return EXIT_CONFIG
    url = args.url.strip()
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
        console.print(f"门户首页应为 http:// 或 https:// 开头的完整网址，实际为 {url!r}", markup=False)
        return EXIT_CONFIG
    crawl = CrawlConfig() if args.delay is None else CrawlConfig(delay_seconds=args.delay)
    return run_init(url, Path(args.out), force=args.force, crawl=crawl, max_pages=args.max_pages,
                    out=out, err=console)


def cmd_demo(args: argparse.Namespace) -> int:
    from portalcheck.demo_run import run_demo

    return run_demo(_demo_config(args), port=args.port, serve_only=args.portal_only, console=console,
                    workspace=args.serve, workspace_port=args.web_port)


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "db": cmd_db,
    "crawl": cmd_crawl,
    "check": cmd_check,
    "recheck": cmd_recheck,
    "probe": cmd_probe,
    "export": cmd_export,
    "warnings": cmd_warnings,
    "schedule": cmd_schedule,
    "worker": cmd_worker,
    "status": cmd_status,
    "demo": cmd_demo,
    "init": cmd_init,
    "accounts": cmd_accounts,
    "serve": cmd_serve,
    "users": cmd_users,
    "notify": cmd_notify,
    "notice": cmd_notice,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ConfigError as exc:
        console.print("[bold red]配置文件有误，未执行任何操作 (config is invalid, nothing was run):[/]")
        for problem in exc.problems:
            console.print(f"  {problem}", markup=False)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        console.print("[yellow]已中断 (interrupted)[/]")
        return 130
    except Exception as exc:
        from storage.failures import database_gone, explain

        if not database_gone(exc):
            raise
        failure = explain(exc)
        logging.getLogger("portalcheck").error("database unavailable, run stopped: %s", failure.cause)
        console.print(f"[bold red]{failure.message}[/]", markup=True)
        console.print(f"  (database unavailable: {failure.cause})", markup=False)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
