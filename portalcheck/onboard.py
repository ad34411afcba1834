"""`portalcheck init`: draft config.yaml from the portal itself, or (`--check`) compare a config with it.

The crawler reads the register the portal shows (crawler.register_run); this module decides what goes into the
file, writes it with comments a county's technician can follow, and tells the inspector in Chinese what was found
and what it could not decide. A draft is written only when it loads through the same loader as every command.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from rich.console import Console
from rich.table import Table

from crawler.discovery import DiscoveredColumn, under_root
from crawler.register import FoundAccount, FoundBoard, FoundUnit
from crawler.register_run import PortalReading, read_portal
from portalcheck.core.config import SITE_CODE_RE, Config, ConfigError, CrawlConfig, load_config

PLATFORM_ZH = {"wechat": "微信", "weibo": "微博", "toutiao": "头条号", "douyin": "抖音", "kuaishou": "快手",
               "feed": "订阅源", "other": "其他", None: "平台不明"}
BOARD_KIND_ZH = {"consultation": "咨询投诉", "petition": "网上信访", "discipline": "纪检举报", "interview": "在线访谈",
                 "survey": "调查征集"}
PORTAL_UNIT_KIND = "门户"
_PLAIN = re.compile(r"[\u4e00-\u9fff][\w\u4e00-\u9fff（）·-]*")
_PLAIN_URL = re.compile(r"https?://[\w.:\-/%~+=?]+")
_UNIT_AFFIXES = re.compile(r"^(?:县|市|区|旗)|(?:局|委员会|委|办公室|办|中心|镇|乡|街道)$")


@dataclass
class Draft:
    """What init decided: the portal, its units with their accounts, its boards, and what is left to a person."""

    home: str
    name: str | None
    site_code: str | None
    units: list[FoundUnit]
    boards: list[FoundBoard]
    accounts: dict[str, list[FoundAccount]]  # unit name → its accounts
    columns: list[DiscoveredColumn]  # the portal's own columns its home page shows
    unplaced: list[FoundAccount] = field(default_factory=list)  # accounts no unit could be given
    apps: list[str] = field(default_factory=list)
    unanswered: dict[str, str] = field(default_factory=dict)  # unit name → why its site did not answer
    failed: dict[str, str] = field(default_factory=dict)
    rendered: int = 0  # pages whose navigation only scripts draw, read through chromium
    pages_read: int = 0
    requests: int = 0
    portal_unit: str | None = None  # the portal itself as a unit (kind 门户), when one is needed

    def open_questions(self) -> list[str]:
        """What a person must still decide, one line each, in the inspector's words."""
        out: list[str] = []
        if not self.site_code:
            out.append("未找到网站标识码：portal.site_code 暂填 0000000000，请按页面底部的标识码改正")
        if not self.name:
            out.append("未找到门户名称：portal.name 请改为门户网站的正式名称")
        out += [f"单位“{u.name}”的类别按名称推断为{u.kind}，请核对" for u in self.units if u.kind_from == "name"]
        out += [f"单位“{name}”的网站未能打开（{why}），请核对其 site 地址" for name, why in self.unanswered.items()]
        unplaced = "（所属单位不明，已列在门户名下）" if self.portal_unit else "（所属单位不明，已注释在单位列表末尾）"
        for owner, accounts in [*self.accounts.items(), ("", self.unplaced)]:
            for a in accounts:
                where = f"（{owner}）" if owner else unplaced
                if a.platform is not None and a.readable and not owner:
                    out.append(f"{PLATFORM_ZH[a.platform]}账号“{a.name}”{where}，请移到其所属单位下")
                elif a.platform is None:
                    out.append(f"账号“{a.name}”{where}看不出是哪个平台的，已注释，请补全 platform 与 url")
                elif not a.readable:
                    out.append(f"{PLATFORM_ZH[a.platform]}账号“{a.name}”{where}需要订阅源地址（见 README“接入真实账号”），已注释")
        out += [f"“{name}”是应用或小程序，不作为政务新媒体账号" for name in self.apps]
        out += [f"页面未能读取：{url}（{why}）" for url, why in self.failed.items()]
        return out


def _site_key(url: str) -> str:
    """Sites compared as host + folder: http://x/bm/czj/, …/bm/czj and …/bm/czj/index.html are one site."""
    u = urlsplit(url)
    path = re.sub(r"/(?:index|default|main)\.\w+$", "/", u.path or "/")
    return f"{u.netloc.lower()}{path.rstrip('/')}/"


def _owner(account: FoundAccount, units: list[FoundUnit]) -> str | None:
    """The unit an account belongs to: the one its row names, else the only unit its name contains (白鹤镇发布),
    else the only unit whose core name it contains (青山财政 → 县财政局)."""
    names = [u.name for u in units]
    if account.unit in names:
        return account.unit
    for candidates in ([n for n in names if n in account.name],
                       [n for n in names if len(core := _UNIT_AFFIXES.sub("", n)) >= 2 and core in account.name]):
        if len(candidates) == 1:
            return candidates[0]
    return None


def make_draft(reading: PortalReading) -> Draft:
    pages = reading.pages
    units: dict[str, FoundUnit] = {}
    names: set[str] = set()
    for page in pages:
        for unit in page.units:
            if _site_key(unit.site) not in units and unit.name not in names:
                units[_site_key(unit.site)] = unit
                names.add(unit.name)
    unit_list = list(units.values())
    boards: dict[str, FoundBoard] = {}
    for page in pages:
        for board in page.boards:
            boards.setdefault(board.url, board)
    found: dict[tuple[str | None, str], FoundAccount] = {}
    for page in pages:
        for account in page.accounts:
            found.setdefault((account.platform, account.name), account)
    draft = Draft(
        home=reading.home,
        name=next((p.name for p in pages if p.name), None),
        site_code=next((p.site_code for p in pages if p.site_code and SITE_CODE_RE.match(p.site_code)), None),
        units=unit_list, boards=list(boards.values()), accounts={},
        columns=[c for c in (pages[0].columns if pages else [])
                 if not any(under_root(c.url, u.site) for u in unit_list) and c.url not in boards],
        apps=list(dict.fromkeys(a for p in pages for a in p.skipped_accounts)),
        failed=dict(reading.failed), rendered=reading.rendered, pages_read=len(pages), requests=reading.requests,
    )
    for account in found.values():
        owner = _owner(account, unit_list)
        if owner is None:
            draft.unplaced.append(account)
        else:
            draft.accounts.setdefault(owner, []).append(account)
    draft.unanswered = {u.name: why for u in unit_list if (why := reading.answers.get(u.site))}
    if not unit_list or any(a.platform and a.readable for a in draft.unplaced):
        name = draft.name or "门户网站"
        draft.portal_unit = name if name not in names else f"{name}（门户）"  # unit names are unique
    return draft


# --- writing config.yaml ------------------------------------------------------------------------------------


def _q(text: str) -> str:
    """A YAML scalar for crawled text: plain when plainly safe, else JSON-quoted (which YAML reads as is)."""
    if _PLAIN.fullmatch(text) or _PLAIN_URL.fullmatch(text):
        return text
    return json.dumps(text, ensure_ascii=False)


def _comment(text: str) -> str:
    """Crawled text inside a comment, never able to end the comment line."""
    return re.sub(r"[\x00-\x1f\x7f\u2028\u2029]", " ", text)


def _account_lines(account: FoundAccount, indent: str) -> list[str]:
    if account.platform and account.readable:
        key = f'id: "{account.id}"' if account.id else f"url: {_q(account.url or '')}"
        return [f"{indent}- platform: {account.platform}", f"{indent}  name: {_q(account.name)}", f"{indent}  {key}"]
    platform = account.platform or "TODO"
    seen = f"  页面链接: {_comment(account.url)}" if account.url else ""
    why = "平台不明" if account.platform is None else "需要订阅源地址"
    return [f"{indent}# TODO {why}{seen}",
            f"{indent}# - {{platform: {platform}, name: {_comment(account.name)}, url: 订阅源地址}}"]


def render_config(draft: Draft, crawl: CrawlConfig) -> str:
    base = draft.home
    lines = [
        "# portalcheck 配置草稿 — drafted by `portalcheck init` from the portal's own pages.",
        f"# Source: {_comment(base)}",
        "# Check every unit, board and account below against the county's own register, resolve each",
        "# `# TODO`, then run `portalcheck crawl`. The documented example of every key is config.yaml",
        "# in the portalcheck repository; thresholds default to the national indicators.",
        "",
        "# 门户网站: its name, home page and 网站标识码 (from the footer).",
        "portal:",
        f"  name: {_q(draft.name or '某某县人民政府门户网站')}" + ("" if draft.name else "  # TODO 未找到门户名称"),
        f"  home: {_q(base)}",
        f'  site_code: "{draft.site_code or "0000000000"}"' + ("" if draft.site_code else "  # TODO 未找到网站标识码"),
        "",
        "# 被检查单位, from the portal's 乡镇/部门 lists: columns are discovered from each site's navigation;",
        "# add `columns:` only where discovery needs help (see config.yaml). Accounts: platform + name + url or id;",
        "# a WeChat account needs the URL of a feed (see README, 接入真实账号).",
        "units:",
    ]
    entries: list[tuple[str, str, str, list[FoundAccount], str]] = []
    if draft.portal_unit:
        note = "the portal itself: its own columns and accounts"
        entries.append((draft.portal_unit, PORTAL_UNIT_KIND, base, draft.unplaced, note))
    for unit in draft.units:
        notes = []
        if unit.kind_from == "name":
            notes.append("TODO kind 按名称推断")
        if why := draft.unanswered.get(unit.name):
            notes.append(f"TODO 站点未能打开: {why}")
        entries.append((unit.name, unit.kind, unit.site, draft.accounts.get(unit.name, []), "; ".join(notes)))
    for name, kind, site, accounts, note in entries:
        lines.append(f"  - name: {_q(name)}" + (f"  # {_comment(note)}" if note else ""))
        lines += [f"    kind: {kind}", f"    site: {_q(site)}"]
        if accounts:
            readable = [a for a in accounts if a.platform and a.readable]
            lines.append("    accounts:" if readable else "    # accounts:")
            for account in sorted(accounts, key=lambda a: not (a.platform and a.readable)):
                lines += _account_lines(account, "      ")
    if not draft.portal_unit and draft.unplaced:
        lines.append("  # 所属单位不明的账号 (accounts no unit could be given): add each under its unit")
        for account in draft.unplaced:
            lines += [f"  {line}" for line in _account_lines(account, "")]  # already comments
    lines += ["", "# 互动交流: the portal's message boards and their kinds (consultation boards must answer every message)."]
    if draft.boards:
        lines.append("message_boards:")
        for board in draft.boards:
            lines += [f"  - name: {_q(board.name)}", f"    url: {_q(board.url)}", f"    kind: {board.kind}"]
    else:
        lines.append("message_boards: []  # TODO 未找到县长信箱、网上问政等留言板")
    lines += [
        "",
        "# 抓取: be gentle, government servers are fragile.",
        "crawl:",
        f"  concurrency_per_host: {crawl.concurrency_per_host}",
        f"  delay_seconds: {crawl.delay_seconds}",
        f"  obey_robots: {str(crawl.obey_robots).lower()}",
        "",
        "# 政务新媒体: Weibo is read through m.weibo.cn after `portalcheck accounts login weibo`.",
        "# accounts:",
        "#   weibo_storage_state: state/weibo-storage-state.json",
    ]
    return "\n".join(lines) + "\n"


# --- the summary --------------------------------------------------------------------------------------------


def print_summary(draft: Draft, out: Console, written: Path | None) -> None:
    table = Table(title="门户网站自动识别结果 (portalcheck init)", show_header=False)
    table.add_column(no_wrap=True)
    table.add_column(overflow="fold")
    table.add_row("门户名称", draft.name or "（未找到）")
    table.add_row("网站标识码", draft.site_code or "（未找到）")
    kinds = Counter(u.kind for u in draft.units)
    table.add_row("单位", f"共{len(draft.units)}个：" + "，".join(f"{k}{n}个" for k, n in kinds.items()) if draft.units
                  else "（未找到乡镇、部门列表）")
    table.add_row("留言板", "，".join(f"{b.name}（{BOARD_KIND_ZH[b.kind]}）" for b in draft.boards) or "（未找到）")
    accounts = [a for group in draft.accounts.values() for a in group] + draft.unplaced
    platforms = Counter(PLATFORM_ZH[a.platform] for a in accounts)
    table.add_row("政务新媒体账号", f"共{len(accounts)}个：" + "，".join(f"{p}{n}个" for p, n in platforms.items())
                  if accounts else "（未找到）")
    table.add_row("首页栏目", f"{len(draft.columns)}个")
    table.add_row("读取", f"页面{draft.pages_read}个，共请求{draft.requests}次（含各单位网站各一次）")
    questions = draft.open_questions()
    table.add_row("未能确定", f"{len(questions)}项（见下，配置文件中标注 TODO）" if questions else "无")
    out.print(table)
    for kind in dict.fromkeys(u.kind for u in draft.units):
        out.print(f"{kind}：" + "、".join(u.name for u in draft.units if u.kind == kind), markup=False, soft_wrap=True)
    sections = [c.name for c in draft.columns if c.depth == 1]
    if sections:
        out.print(f"首页栏目分区（{len(sections)}个）：" + "、".join(sections), markup=False, soft_wrap=True)
    if inner := [c.name for c in draft.columns if c.depth > 1]:
        out.print(f"其下栏目（{len(inner)}个）：" + "、".join(inner), markup=False, soft_wrap=True)
    if draft.rendered:
        out.print(f"{draft.rendered}个页面的导航由脚本生成，已用浏览器读取", markup=False)
    if questions:
        out.print(f"未能确定（{len(questions)}项，已在配置文件中标注 TODO）：", markup=False)
        for line in questions:
            out.print(f"  - {line}", markup=False, soft_wrap=True)
    if written:
        out.print(f"已写入 {written}：请核对后运行 portalcheck crawl", markup=False, soft_wrap=True)


# --- the command --------------------------------------------------------------------------------------------


def run_init(url: str, out_path: Path, *, force: bool, crawl: CrawlConfig, max_pages: int,
             out: Console, err: Console) -> int:
    """Draft out_path from the portal at url; never overwrites an existing file without force."""
    if out_path.exists() and not force:
        err.print(f"{out_path} 已存在，未覆盖 (exists; use --force to overwrite)", markup=False)
        return 1
    reading = read_portal(url, crawl, max_pages=max_pages)
    if not reading.pages:
        why = reading.failed.get(url, "未能打开")
        err.print(f"门户首页未能读取：{url}（{why}），未写入配置文件", markup=False)
        return 1
    draft = make_draft(reading)
    text = render_config(draft, crawl)
    tmp = out_path.with_name(out_path.name + ".init-tmp")
    tmp.write_text(text, encoding="utf-8")
    try:
        load_config(tmp)  # the draft must load as written, or it is not written
    except ConfigError as exc:
        tmp.unlink()
        err.print("草稿未通过配置校验，未写入 (draft failed validation):", markup=False)
        for problem in exc.problems:
            err.print(f"  {problem}", markup=False)
        return 1
    tmp.replace(out_path)
    print_summary(draft, out, out_path)
    return 0


@dataclass
class Drift:
    missing: list[FoundUnit]  # the portal lists them; the config does not
    silent: dict[str, str]  # config unit → why its site did not answer
    unlisted: list[str]  # config units the portal's lists no longer show (their sites may still answer)


def compare(config: Config, reading: PortalReading) -> Drift:
    draft = make_draft(reading)
    sites = {_site_key(u.site) for u in config.units}
    names = {u.name for u in config.units}
    shown_sites = {_site_key(u.site) for u in draft.units}
    shown_names = {u.name for u in draft.units}
    missing = [u for u in draft.units if _site_key(u.site) not in sites and u.name not in names]
    silent = {u.name: why for u in config.units if (why := reading.answers.get(u.site))}
    unlisted = [u.name for u in config.units if u.kind != PORTAL_UNIT_KIND and draft.units
                and _site_key(u.site) not in shown_sites and u.name not in shown_names and u.name not in silent]
    return Drift(missing, silent, unlisted)


def run_check(config: Config, url: str | None, *, max_pages: int, out: Console) -> int:
    """List the units the portal shows that config lacks and the config units whose sites no longer answer;
    exit 1 when the register has drifted."""
    home = url or config.portal.home
    reading = read_portal(home, config.crawl, probe_sites=[u.site for u in config.units], max_pages=max_pages)
    if not reading.pages:
        out.print(f"门户首页未能读取：{home}（{reading.failed.get(home, '未能打开')}）", markup=False)
        return 1
    drift = compare(config, reading)
    out.print(f"核对 {config.source or '配置文件'} 与门户 {home}：配置中{len(config.units)}个单位", markup=False,
              soft_wrap=True)
    lines: list[str] = []
    if drift.missing:
        lines.append(f"门户列出、配置中没有的单位（{len(drift.missing)}个）：")
        lines += [f"  + {u.name}（{u.kind}）{u.site}" for u in drift.missing]
    if drift.silent:
        lines.append(f"配置中网站已无法打开的单位（{len(drift.silent)}个）：")
        lines += [f"  - {name}：{why}" for name, why in drift.silent.items()]
    if drift.unlisted:
        lines.append(f"配置中有、门户列表已不再列出的单位（{len(drift.unlisted)}个，网站仍可打开）：")
        lines += [f"  ? {name}" for name in drift.unlisted]
    for line in lines or ["配置与门户一致：没有新增单位，所有单位网站均可打开"]:
        out.print(line, markup=False, soft_wrap=True)
    return 1 if drift.missing or drift.silent else 0
