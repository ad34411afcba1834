"""What every export shares: the period asked for, the Chinese labels, and cell safety.

Every export is read by an inspector in WPS or Excel, so two rules hold everywhere: text that
came from a crawled page is never left in a form a spreadsheet would evaluate (formula
injection), and citizens' ID and mobile numbers that a page leaked are never copied unmasked
into a file that will be mailed around.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from checks.results import StoredRun, latest_run
from portalcheck.core.config import CHINA_TZ
from portalcheck.core.personal import mask_numbers
from storage.session import Store

Format = Literal["xlsx", "csv", "json"]

SEVERITY_ZH = {"veto": "否决", "deduct": "扣分", "info": "计数"}
STATUS_ZH = {"new": "新发现", "open": "未整改", "resolved": "已整改", "regressed": "复发"}
CATEGORY_ZH = {
    "news": "动态要闻类", "notice": "通知公告类", "policy": "政策文件类", "personnel": "人事类",
    "planning": "规划计划类", "basic": "基础信息类", "interaction": "互动交流类", "service": "办事服务类",
    "other": "其他", "home": "首页",
}
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class NoCheckRun(LookupError):
    """No check run stored its verdicts by the moment of an export: there is nothing to report yet."""


def stored_run(store: Store, as_of: datetime, what: str) -> StoredRun:
    """The check run that judged `as_of` (checks.results.latest_run): exports show what it judged, never judge."""
    with store.session() as session:
        run = latest_run(session, as_of)
    if run is None:
        raise NoCheckRun(f"尚无检查结果，无法导出{what}：请先运行 portalcheck check（检查），再导出。")
    return run


def zoned_bounds(date_from: date, date_to: date, timezone: str) -> tuple[datetime, datetime]:
    """The period as [start, end) in the deployment's time zone (boards and posts write local dates)."""
    zone = ZoneInfo(timezone)
    return datetime.combine(date_from, time.min, zone), datetime.combine(date_to + timedelta(days=1), time.min, zone)


def sort_key(value: Any) -> tuple[int, Any]:
    """A table cell's place in a sorted column: numbers as numbers, everything else as its text, empty last."""
    if value is None or value == "":
        return (2, "")
    if isinstance(value, int | float):
        return (0, value)
    return (1, value.isoformat() if isinstance(value, date | datetime) else str(value))


def safe_cell(value: Any) -> Any:
    """Crawled text must never be evaluated by a spreadsheet (formula injection, OWASP CSV advice)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def clean_text(value: str | None) -> str:
    """Crawled text as it may go into a cell: personal numbers masked (escaping happens at write time)."""
    return mask_numbers(value) if value else ""


def zh_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def zh_moment(moment: datetime) -> str:
    """截至2020年5月29日18时 — the notice's way of naming the moment of the figures."""
    local = moment.astimezone(CHINA_TZ)
    minutes = f"{local.minute}分" if local.minute else ""
    return f"{zh_date(local.date())}{local.hour}时{minutes}"


@dataclass(frozen=True)
class Period:
    """The period (`--from`, `--to`), the moment of the figures (`--as-of`) and the units asked for.

    Defaults follow how notices are written: from 1 January of the year of `to`, to the day of
    `as_of`; `as_of` defaults to the end of `to` if given, else now.
    """

    date_from: date
    date_to: date
    as_of: datetime
    units: tuple[str, ...] | None = None

    @classmethod
    def make(cls, date_from: date | None = None, date_to: date | None = None, as_of: datetime | None = None,
             units: Sequence[str] | None = None) -> Period:
        if as_of is None:
            as_of = (datetime.combine(date_to, time(23, 59, 59), CHINA_TZ) if date_to
                     else datetime.now(CHINA_TZ))
        elif as_of.tzinfo is None:
            as_of = as_of.replace(tzinfo=CHINA_TZ)
        date_to = date_to or as_of.astimezone(CHINA_TZ).date()
        date_from = date_from or date_to.replace(month=1, day=1)
        if date_from > date_to:
            raise ValueError(f"起始日期 {date_from} 晚于截止日期 {date_to}")
        return cls(date_from, date_to, as_of, tuple(units) if units else None)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.date_from, time(0, 0), CHINA_TZ)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.date_to + timedelta(days=1), time(0, 0), CHINA_TZ)

    def wants(self, unit: str | None) -> bool:
        return self.units is None or unit in self.units

    def label(self) -> str:
        """2020年元至5月份 when the period is whole months of one year, else exact dates."""
        a, b = self.date_from, self.date_to
        if a.year == b.year and a.day == 1:
            first = "元" if a.month == 1 else str(a.month)
            return f"{a.year}年{b.month}月份" if a.month == b.month else f"{a.year}年{first}至{b.month}月份"
        return f"{zh_date(a)}至{zh_date(b)}"

    def as_dict(self) -> dict[str, Any]:
        return {"from": self.date_from.isoformat(), "to": self.date_to.isoformat(),
                "as_of": self.as_of.astimezone(CHINA_TZ).isoformat(timespec="seconds"),
                "units": list(self.units) if self.units else None}


@dataclass(frozen=True)
class Field:
    """One column of a table: machine key, Chinese header, width in characters, how to show it."""

    key: str
    label: str
    width: float = 12
    kind: Literal["text", "int", "float", "date", "datetime", "url", "percent", "file"] = "text"


@dataclass
class Chart:
    """A bar chart of some numeric fields per row label, drawn next to the table in the xlsx."""

    title: str
    label_key: str
    value_keys: list[str]
    y_title: str = "条"
    stacked: bool = False
    rows: int | None = None  # the first N rows only (leaves out a 合计 row)


@dataclass
class Table:
    """One sheet of an xlsx, one section of the csv, one entry of the json."""

    key: str
    title: str
    fields: list[Field]
    rows: Iterable[dict[str, Any]]  # a list, or a generator when `count` is given (streamed exports)
    charts: list[Chart] = field(default_factory=list)
    in_csv: bool = True  # per-unit copies of the main sheet are left out of the csv and json
    count: int | None = None

    @property
    def size(self) -> int:
        return self.count if self.count is not None else len(self.rows)  # type: ignore[arg-type]


def local(moment: datetime | None) -> datetime | None:
    return moment.astimezone(CHINA_TZ) if moment else None


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(CHINA_TZ).isoformat(timespec="seconds") if moment else None
