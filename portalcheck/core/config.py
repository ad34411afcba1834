"""config.yaml: the deployment described as data, validated before anything runs.

A mistake must name the file, the line and the key and say what was expected, because the
person who edits config.yaml is rarely the person who wrote the code. PyYAML's composed node
tree gives us the line of every key; pydantic tells us what is wrong with its value.
"""

from __future__ import annotations

import os
import re
from datetime import time
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

ENV_CONFIG = "PORTALCHECK_CONFIG"
ENV_DATABASE_URL = "PORTALCHECK_DATABASE_URL"
DEFAULT_CONFIG = "config.yaml"

# The deployment's time zone (config `schedule.timezone`) defaults to China Standard Time; CHINA_TZ is the zone
# Chinese sites and platforms write their dates in, where no config is at hand (parsers, the browser's zone).
DEFAULT_TIMEZONE = "Asia/Shanghai"
CHINA_TZ = ZoneInfo(DEFAULT_TIMEZONE)

SITE_CODE_RE = re.compile(r"^(\d{10}|bm\d{8})$")

CategoryName = Literal[
    "news", "notice", "policy", "personnel", "planning", "basic", "interaction", "service", "other"
]

# Inspectors write config in Chinese as often as in English: both spellings are accepted.
CATEGORY_ALIASES = {
    "动态要闻": "news", "动态": "news", "要闻": "news",
    "通知公告": "notice", "通知": "notice", "公告": "notice",
    "政策文件": "policy", "文件": "policy",
    "人事": "personnel", "规划计划": "planning", "规划": "planning",
    "基础信息": "basic", "其他": "basic", "互动": "interaction", "互动交流": "interaction",
    "服务": "service", "办事服务": "service",
}
UNIT_KIND_ALIASES = {"township": "乡镇", "department": "部门", "portal": "门户"}


class ConfigError(Exception):
    """A config file that cannot be used; `problems` are ready-to-print lines."""

    def __init__(self, path: Path, problems: list[str]):
        self.path = path
        self.problems = problems
        super().__init__("\n".join(problems))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _http_url(value: str) -> str:
    parts = urlsplit(str(value).strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"应为 http:// 或 https:// 开头的完整网址 (expected an http(s) URL), 实际为 {value!r}")
    return str(value).strip()


HttpUrl = Annotated[str, AfterValidator(_http_url)]


class Portal(_Strict):
    name: str = Field(min_length=1)
    home: HttpUrl
    site_code: str

    @field_validator("site_code", mode="before")
    @classmethod
    def _site_code(cls, value: Any) -> str:
        text = str(value).strip()
        if not SITE_CODE_RE.match(text):
            raise ValueError(
                f"网站标识码应为10位数字或 bm 加8位数字 (expected ^(\\d{{10}}|bm\\d{{8}})$), 实际为 {text!r}"
            )
        return text


def _category(value: Any) -> Any:
    if isinstance(value, str):
        return CATEGORY_ALIASES.get(value.strip(), value.strip())
    return value


Category = Annotated[CategoryName, BeforeValidator(_category)]


def _clock(value: Any) -> Any:
    if isinstance(value, int):  # YAML 1.1 reads an unquoted 01:30 as a base-60 integer (90)
        return time(value // 60 % 24, value % 60)
    return value


# A time of day written "HH:MM", quoted or not (nightly_at, digest_time).
ClockTime = Annotated[time, BeforeValidator(_clock)]


class ColumnConfig(_Strict):
    name: str = Field(min_length=1)
    url: HttpUrl
    category: Category | None = None
    render: Literal["html", "js"] = "html"
    parent: str | None = None



class AccountConfig(_Strict):
    platform: Literal["wechat", "weibo", "toutiao", "douyin", "kuaishou", "feed", "other"]
    name: str = Field(min_length=1)
    url: str | None = None
    id: str | None = None

    @model_validator(mode="after")
    def _url_or_id(self) -> AccountConfig:
        if not self.url and not self.id:
            raise ValueError("账号需要 url 或 id 其中之一 (an account needs url or id)")
        return self


class MessageBoardConfig(_Strict):
    name: str = Field(min_length=1)
    url: HttpUrl
    kind: Literal["consultation", "petition", "discipline", "interview", "survey"] = "consultation"



class UnitConfig(_Strict):
    name: str = Field(min_length=1)
    site: HttpUrl
    kind: Literal["乡镇", "部门", "门户"] = "部门"
    columns: list[ColumnConfig] = []
    accounts: list[AccountConfig] = []
    message_board: MessageBoardConfig | None = None

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, value: Any) -> Any:
        return UNIT_KIND_ALIASES.get(value, value) if isinstance(value, str) else value


class ColumnWindows(_Strict):
    """Days a column of each category may go without a new item (indicators §A4, §G)."""

    news: int = Field(14, gt=0)
    notice: int = Field(183, gt=0)
    policy: int = Field(183, gt=0)
    personnel: int = Field(365, gt=0)
    planning: int = Field(365, gt=0)
    basic: int = Field(365, gt=0)


class Thresholds(_Strict):
    """Every window and count of indicators.md §G, with its defaults."""

    availability_window_days: int = Field(7, gt=0)
    probes_per_day: int = Field(20, gt=0)
    probe_timeout_seconds: float = Field(15, gt=0)
    unreachable_failure_ratio: float = Field(0.05, gt=0, le=1)
    home_stale_days: int = Field(14, gt=0)
    column_windows: ColumnWindows = ColumnWindows()
    stale_key_columns_veto: int = Field(5, gt=0)
    long_stale_columns_veto: int = Field(10, gt=0)
    blank_columns_veto: int = Field(5, gt=0)
    undated_counts_as_stale: bool = True
    message_unanswered_days: int = Field(90, gt=0)
    message_lookback_days: int = Field(365, gt=0)
    message_reply_working_days: int = Field(7, gt=0)
    message_reply_complex_working_days: int = Field(15, gt=0)
    message_reply_deduction_days: int = Field(60, gt=0)
    account_stale_days: int = Field(14, gt=0)
    account_dormant_days: int = Field(365, gt=0)
    service_guide_missing_elements: int = Field(4, gt=0)
    service_guide_items_veto: int = Field(5, gt=0)
    service_statistics_days: int = Field(92, gt=0)
    annual_report_deadline: str = Field("01-31", pattern=r"^\d{2}-\d{2}$")
    annual_report_tolerance: float = Field(0.2, ge=0)  # 年度报表 figures vs the crawl: relative difference allowed
    accessibility_impacts: list[Literal["critical", "serious", "moderate", "minor"]] = ["critical", "serious"]
    ipv6_page_share: float = Field(0.85, gt=0, le=1)  # site.ipv6: 二、三级页面IPv6可达比例 (national target 85%)
    ipv6_content_similarity: float = Field(0.9, gt=0, le=1)  # site.ipv6: IPv6 home page text vs IPv4's
    cert_expiry_warn_days: int = Field(30, ge=0)  # site.https: warn before the certificate expires


class ColumnLeads(_Strict):
    """Days before a column of each category passes its window (thresholds.column_windows) that it is warned of."""

    news: int = Field(3, ge=0)
    notice: int = Field(30, ge=0)
    policy: int = Field(30, ge=0)
    personnel: int = Field(30, ge=0)
    planning: int = Field(30, ge=0)
    basic: int = Field(30, ge=0)


class WarningsConfig(_Strict):
    """预警 (`portalcheck warnings`): how early a subject that will fail a rule if nothing changes is named.

    Lead times only: the limits themselves are the thresholds the rules use. Warnings are never findings.
    """

    columns: ColumnLeads = ColumnLeads()
    home_days: int = Field(5, ge=0)
    account_days: int = Field(5, ge=0)
    message_unanswered_days: int = Field(14, ge=0)
    message_reply_working_days: int = Field(2, ge=0)
    probe_failure_ratio: float = Field(0.03, gt=0, le=1)
    count_margin: int = Field(1, ge=0)  # columns short of a count veto (stale key, long stale, blank)


class CrawlConfig(_Strict):
    concurrency_per_host: int = Field(2, ge=1, le=64)
    concurrent_requests: int = Field(16, ge=1, le=512)
    delay_seconds: float = Field(0.5, ge=0)
    autothrottle: bool = True
    obey_robots: bool = True
    timeout_seconds: float = Field(15, gt=0)
    retries: int = Field(2, ge=0, le=10)
    max_page_bytes: int = Field(10 * 1024 * 1024, gt=0)
    max_pages_per_column: int = Field(500, gt=0)
    max_depth: int = Field(6, gt=0)
    allowed_domains: list[str] = []
    user_agent: str = "Mozilla/5.0 (compatible; portalcheck/0.1; +政府网站常态化监管)"
    check_external_links: bool = True
    incremental_revisit_fraction: float = Field(0.02, ge=0, le=1)
    chromium_path: str | None = None
    host_pause_error_ratio: float = Field(0.5, gt=0, le=1)
    log_file: str = "logs/crawl.log"
    accessibility_pages_per_night: int = Field(0, ge=0)  # axe-core audits after each crawl (config.yaml: 30)


class AccountsConfig(_Strict):
    """政务新媒体采集 (crawler/accounts): the Weibo login, its API base, politeness per platform."""

    weibo_storage_state: str | None = None  # Playwright storage state from `portalcheck accounts login weibo`
    weibo_api_base: HttpUrl = "https://m.weibo.cn"
    request_spacing_seconds: dict[str, float] = {"weibo": 6.0, "wechat": 4.0, "feed": 1.0}
    jitter: float = Field(0.3, ge=0, le=1)
    daily_budget: int = Field(300, gt=0)  # requests per login (or per platform without login) per day
    budget_file: str = "logs/accounts-budget.json"
    timeline_pages: int = Field(2, ge=1, le=20)
    article_pages: int = Field(3, ge=0, le=50)
    timeout_seconds: float = Field(20, gt=0)


class ScheduleConfig(_Strict):
    timezone: str = DEFAULT_TIMEZONE
    nightly_at: ClockTime = time(1, 30)
    full_crawl_weekday: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "sun"
    probe_interval_minutes: int = Field(60, gt=0, le=72)
    # Scheduler (issue #7). probe_interval_seconds overrides the minutes (tests, demos); None = unused.
    probe_interval_seconds: float | None = Field(None, gt=0)
    recheck_poll_seconds: float = Field(30, gt=0, le=60)  # queued rechecks start within this
    export_formats: list[Literal["xlsx", "csv", "json"]] = ["xlsx", "csv", "json"]


class NetworkConfig(_Strict):
    """The network probes of site.ipv6 and site.https (crawler/netprobe.py), one round per night."""

    # DNS servers asked for A/AAAA ("host" or "host:port"); empty: the machine's resolver.
    nameservers: list[str] = []
    http_port: int = Field(80, gt=0, lt=65536)  # tried for http→https when a site is configured as https
    https_port: int = Field(443, gt=0, lt=65536)  # tried when a site is configured as http and does not redirect
    ca_file: str | None = None  # trusted CAs for the chain check; default: the system's store
    timeout_seconds: float = Field(10, gt=0)
    ipv6_sample_pages: int = Field(30, ge=0)  # 二、三级页面 fetched over IPv6 per host and round
    ipv6_resources_per_page: int = Field(20, ge=0)  # resources of an IPv6 page checked for 天窗


class RuleOverride(_Strict):
    """A deployment's own weight for a rule: e.g. make site.ipv6 a veto, or give it points."""

    severity: Literal["veto", "deduct", "info"] | None = None
    points: float | None = Field(None, ge=0)


class DatabaseConfig(_Strict):
    url: str = "sqlite:///portalcheck.db"
    # Check runs (the stored verdicts and figures of every `check`) older than this are pruned, except each
    # month's last one, so a past month's or year's notice can still be drawn; before that, runs older than a
    # week keep only each day's last (checks/figures.py KEEP_EVERY_RUN_DAYS).
    keep_check_runs_days: int = Field(400, ge=31)


class QueueConfig(_Strict):
    """Units as jobs on procrastinate, a task queue on PostgreSQL (issue #15); absent: all runs in-process."""

    url: str | None = None  # the queue's PostgreSQL; default: the database's (which must then be PostgreSQL)
    retries: int = Field(3, ge=0, le=20)  # a failing unit job is tried this many more times, then shown as failed
    stalled_seconds: float = Field(60, ge=5)  # a worker silent this long is dead: its jobs are retried
    recheck_priority: int = 10  # recheck jobs go ahead of the nightly's (priority 0)
    group_by_host: bool = True  # one job crawls all units of one host; False: one job per unit (same host lock)
    batch_hosts: int = Field(100, ge=1, le=500)  # at most this many hosts in one nightly job's Scrapy process
    # A job's hosts are added while their estimated pages fit in batch_pages: a crawl process's memory grows
    # with the pages it reads, so a worker's peak follows batch_pages, not the sites' size. The hosts a job
    # holds are what a gentle night reads at once (2 pages/s each), so a larger batch is a faster night, and
    # fewer, busier crawl processes spend less CPU a page: 4 workers of ONE slot with 80 unknown hosts a job
    # measured 336–364 MB RSS a worker (356 over whole jobs; 274 for a job of eight 3,000-page sites) and
    # 1.5× the pages/s of 2 slots of 9,000 pages (30 hosts, 482–488 MB) on the same machine (BENCHMARKS.md,
    # "One slot a worker"); one host larger than this is a job of its own.
    batch_pages: int = Field(24000, ge=1)
    unknown_unit_pages: int = Field(300, ge=1)  # the estimate for a unit no finished crawl has stored pages of
    host_pause_seconds: float = Field(1800, ge=1)  # a host that refuses (WAF 403/429, resets) rests this long


class ExportsConfig(_Strict):
    folder: str = "exports"


class EvidenceConfig(_Strict):
    """证据截图 (issue #17): screenshots proving findings, content-addressed under pictures_dir."""

    pictures_dir: str = "evidence"
    per_night_cap: int = Field(200, ge=0)  # pictures per local date, new findings first; 0: none taken
    retention_days: int = Field(180, ge=1)
    timeout_seconds: float = Field(20, gt=0)


class NoticeConfig(_Strict):
    """The 通报's parts no crawl can know (GB/T 9704 版头, 署名 and 版记); each one left out stays 【待补充】."""

    issuer: str | None = Field(None, min_length=1)  # 发文机关: 版头, 正文 and 署名, e.g. 县政务公开工作领导小组办公室
    number: str | None = Field(None, min_length=1)  # 发文字号, e.g. 房政公开发〔2020〕2号
    addressees: str = Field("各乡镇人民政府，县政府各部门", min_length=1)  # 主送机关
    copy_to: list[str] | None = None  # 抄送机关; [] when the notice has none
    printer: str | None = Field(None, min_length=1)  # 印发机关 (default: the issuer)


def _target_url(value: Any) -> str:
    """A notification target as apprise reads it (wecom://, dingrobot://, mailto://, json:// …) or a robot's own
    webhook address. The address is never echoed back: it usually carries a key."""
    text = str(value).strip()
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://\S+$", text):
        raise ValueError("通知地址应为 wecomrobots://、dingrobots://、mailtos://、jsons:// 等形式的完整地址"
                         " (expected an apprise URL; the address is not shown because it may hold a key)")
    return text


NotifyTarget = Annotated[str, BeforeValidator(_target_url)]


class NotificationsConfig(_Strict):
    """通知 (portalcheck.notify): where each unit's daily digest, 复核 results and the office's alerts go."""

    office: list[NotifyTarget] = []  # the office: operator alerts (collector blocked, portal down, nightly failed)
    units: dict[str, list[NotifyTarget]] = {}  # 单位名 → its robots / mailboxes
    workspace_url: HttpUrl | None = None  # links in messages: {workspace_url}/units/{id}, /findings/{id}
    digest_time: ClockTime = time(8, 0)
    approaching_days: int = Field(3, ge=0)  # deadlines this close are named in the digest
    retries: int = Field(3, ge=0, le=10)  # a failed send is tried this many more times
    timeout_seconds: float = Field(10, gt=0)  # per attempt
    backoff_seconds: float = Field(2, ge=0)  # wait before the first retry, doubling after each


class RectificationConfig(_Strict):
    """The 整改 loop (issue #17): where answers' attachments are kept (outside the web root), how large they
    may be, and the default deadline of a notice in working days."""

    attachments_dir: str = "attachments"  # relative to the config file's folder
    max_attachment_mb: float = Field(10, gt=0, le=200)
    working_days: int = Field(10, ge=1, le=120)


_UNIT_INDEXES: dict[int, tuple[list[UnitConfig], dict[str, UnitConfig]]] = {}


def _units_by_name(units: list[UnitConfig]) -> dict[str, UnitConfig]:
    """Name → unit for one (immutable) units list, kept beside the model rather than in it: a private
    attribute would take part in the models' equality. A few recent lists are kept."""
    entry = _UNIT_INDEXES.get(id(units))
    if entry is None or entry[0] is not units:
        if len(_UNIT_INDEXES) >= 32:
            _UNIT_INDEXES.pop(next(iter(_UNIT_INDEXES)))
        entry = _UNIT_INDEXES[id(units)] = (units, {u.name: u for u in units})
    return entry[1]


class Config(_Strict):
    portal: Portal
    units: list[UnitConfig] = Field(min_length=1)
    message_boards: list[MessageBoardConfig] = []
    thresholds: Thresholds = Thresholds()
    warnings: WarningsConfig = WarningsConfig()
    crawl: CrawlConfig = CrawlConfig()
    accounts: AccountsConfig = AccountsConfig()
    schedule: ScheduleConfig = ScheduleConfig()
    network: NetworkConfig = NetworkConfig()
    rules: dict[str, RuleOverride] = {}  # rule id → severity/points replacing the catalogue's
    database: DatabaseConfig = DatabaseConfig()
    exports: ExportsConfig = ExportsConfig()
    notice: NoticeConfig = NoticeConfig()
    rectification: RectificationConfig = RectificationConfig()
    evidence: EvidenceConfig = EvidenceConfig()
    queue: QueueConfig | None = None
    notifications: NotificationsConfig | None = None
    leaders: dict[str, list[str]] = {}
    sensitive_words: list[str] = []  # added to checks/data/sensitive.yaml (content.sensitive, account.sensitive)

    # Where the file was read from: relative paths in it are relative to this folder.
    source: Path | None = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _unique_unit_names(self) -> Config:
        seen: set[str] = set()
        for unit in self.units:
            if unit.name in seen:
                raise ValueError(f"单位名称重复 (duplicate unit name): {unit.name!r}")
            seen.add(unit.name)
        return self

    def unit(self, name: str) -> UnitConfig:
        """The unit of that name, from an index (the crawler asks once per page; a province has thousands)."""
        if (unit := _units_by_name(self.units).get(name)) is not None:
            return unit
        known = "、".join(u.name for u in self.units)
        raise KeyError(f"配置中没有单位 {name!r}；已配置的单位：{known}")

    @property
    def zone(self) -> ZoneInfo:
        """The deployment's time zone: local dates, days and "now" are read in it."""
        return ZoneInfo(self.schedule.timezone)

    @property
    def base_dir(self) -> Path:
        return self.source.parent if self.source else Path.cwd()

    def database_url(self) -> str:
        """The environment overrides the file; a relative SQLite path is relative to the config file."""
        url = os.environ.get(ENV_DATABASE_URL) or self.database.url
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
            url = prefix + str((self.base_dir / url[len(prefix):]).resolve())
        return url

    def queue_url(self) -> str | None:
        """The queue's PostgreSQL URL (SQLAlchemy form), or None when no queue is configured."""
        if self.queue is None:
            return None
        return self.queue.url or self.database_url()

    def crawl_log(self) -> Path:
        path = Path(self.crawl.log_file)
        return path if path.is_absolute() else self.base_dir / path

    def exports_dir(self) -> Path:
        folder = Path(self.exports.folder)
        return folder if folder.is_absolute() else self.base_dir / folder

    def pictures_dir(self) -> Path:
        folder = Path(self.evidence.pictures_dir)
        return folder if folder.is_absolute() else self.base_dir / folder


# --- loading with line numbers -------------------------------------------------------------


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys: PyYAML would silently keep the last one."""


def _line_index(node: yaml.Node, path: tuple = (), index: dict | None = None) -> dict[tuple, int]:
    """Map every key path (('units', 3, 'site')) to its 1-based line in the file."""
    index = {} if index is None else index
    index.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            index[path + (key,)] = key_node.start_mark.line + 1
            _line_index(value_node, path + (key,), index)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            index[path + (i,)] = item.start_mark.line + 1
            _line_index(item, path + (i,), index)
    return index


def _duplicate_keys(node: yaml.Node, path: tuple = ()) -> list[tuple[tuple, int]]:
    found: list[tuple[tuple, int]] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if key_node.value in seen:
                found.append((path + (key_node.value,), key_node.start_mark.line + 1))
            seen.add(key_node.value)
            found += _duplicate_keys(value_node, path + (key_node.value,))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            found += _duplicate_keys(item, path + (i,))
    return found


def _dotted(path: tuple) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(根)"


def _line_for(lines: dict[tuple, int], path: tuple) -> int:
    while path and path not in lines:
        path = path[:-1]
    return lines.get(path, 1)


def _describe(error: dict) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "未知的配置项 (unknown key): 请检查拼写"
    if kind == "missing":
        return "缺少必填项 (required key is missing)"
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"取值无效，应为 {expected} 之一 (expected one of {expected}), 实际为 {error.get('input')!r}"
    message = error["msg"].removeprefix("Value error, ")
    if kind in ("value_error", "assertion_error"):
        return message
    return f"{message} (实际为 {error.get('input')!r})"


def load_config(path: str | os.PathLike | None = None) -> Config:
    """Read and validate a config file; raise ConfigError listing every problem with its line."""
    chosen = Path(path or os.environ.get(ENV_CONFIG) or DEFAULT_CONFIG)
    try:
        text = chosen.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(chosen, [f"{chosen}: 找不到配置文件 (config file not found)"]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(chosen, [f"{chosen}: 配置文件须为 UTF-8 编码 (not UTF-8: {exc.reason})"]) from None
    try:
        node = yaml.compose(text, Loader=_UniqueKeyLoader)
        data = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise ConfigError(chosen, [f"{chosen}:{line}: YAML 语法错误 (syntax error): {exc.problem}"]) from None
    if node is None or not isinstance(data, dict):
        raise ConfigError(chosen, [f"{chosen}:1: 配置文件应为一个映射 (expected a mapping with portal, units …)"])
    problems = [
        f"{chosen}:{line}: {_dotted(key_path)}: 重复的配置项 (duplicate key)"
        for key_path, line in _duplicate_keys(node)
    ]
    lines = _line_index(node)
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(error["loc"])
            problems.append(f"{chosen}:{_line_for(lines, loc)}: {_dotted(loc)}: {_describe(error)}")
        raise ConfigError(chosen, problems) from None
    if config.notifications is not None:
        known = {unit.name for unit in config.units}
        for name in config.notifications.units:
            if name not in known:
                key = ("notifications", "units", name)
                problems.append(f"{chosen}:{_line_for(lines, key)}: {_dotted(key)}: "
                                f"配置中没有这个单位 (no unit of this name in units), 实际为 {name!r}")
    if problems:
        raise ConfigError(chosen, problems)
    return config.model_copy(update={"source": chosen.resolve()})
