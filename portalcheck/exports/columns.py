"""附件2 网页督查情况表: the upkeep of every unit's columns — in time, stale, blank, broken.

Figures are those the newest check run stored (its column states and verdicts, checks/figures.py),
so a column counted stale here is a column.stale finding in the findings list, and a unit's 结论 is
its verdict. The best and worst units named in the notice are chosen here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from portalcheck.core.config import Config
from portalcheck.exports.common import CATEGORY_ZH, Chart, Field, Period, Table, stored_run
from storage.session import Store

BEST_N = WORST_N = 5
PORTAL_KIND = "门户"
STALE_GROUPS = {"news": "stale_news", "notice": "stale_notice", "policy": "stale_policy"}
READ_MODE_ZH = {"static": "静态", "rendered": "浏览器渲染", "rendered_failed": "渲染失败"}
STATE_ZH = {"合格": "更新及时", "未更新": "不更新", "空白": "空白", "无法访问": "无法访问", "未检查": "未检查"}


@dataclass
class UnitUpkeep:
    """One unit's columns as of the moment of the figures."""

    name: str
    kind: str
    verdict: str = "合格"
    vetoes: list[str] = field(default_factory=list)
    columns: int = 0
    timely: int = 0
    stale: dict[str, int] = field(default_factory=dict)
    blank: int = 0
    broken: int = 0
    not_checked: int = 0
    newest: date | None = None

    @property
    def stale_total(self) -> int:
        return sum(self.stale.values())

    @property
    def problems(self) -> int:
        return self.stale_total + self.blank + self.broken

    @property
    def timely_ratio(self) -> float:
        return self.timely / self.columns if self.columns else 0.0


@dataclass
class Upkeep:
    period: Period
    units: list[UnitUpkeep]
    columns: list[dict[str, Any]]

    @property
    def best(self) -> list[UnitUpkeep]:
        clean = [u for u in self.units if u.columns and not u.problems and not u.not_checked]
        return sorted(clean, key=lambda u: (u.newest or date.min), reverse=True)[:BEST_N]

    @property
    def worst(self) -> list[UnitUpkeep]:
        poor = [u for u in self.units if u.problems]
        return sorted(poor, key=lambda u: (-u.problems, u.timely_ratio))[:WORST_N]


def compute(store: Store, config: Config, period: Period) -> Upkeep:
    from sqlalchemy import select

    from storage.models import Unit

    run = stored_run(store, period.as_of, "网页督查情况表")
    with store.session() as session:
        kinds = dict(session.execute(select(Unit.name, Unit.kind).order_by(Unit.id)).all())
    units = {name: UnitUpkeep(name, kind) for name, kind in kinds.items()
             if kind != PORTAL_KIND and period.wants(name)}
    for name, unit in units.items():
        verdict = run.verdicts.units.get(name)
        if verdict is not None:
            unit.verdict, unit.vetoes = verdict.verdict, list(verdict.vetoes)
    detail = []
    for column in run.columns:
        unit = units.get(column["unit"])
        if unit is None or column["category"] == "home":
            continue
        shown = STATE_ZH.get(column["verdict"], "更新及时")
        unit.columns += 1
        if shown == "更新及时":
            unit.timely += 1
        elif shown == "不更新":
            group = STALE_GROUPS.get(column["category"], "stale_other")
            unit.stale[group] = unit.stale.get(group, 0) + 1
        elif shown == "空白":
            unit.blank += 1
        elif shown == "无法访问":
            unit.broken += 1
        else:
            unit.not_checked += 1
        newest = column["newest"]
        if newest:
            unit.newest = max(unit.newest or newest, newest)
        detail.append({"unit": column["unit"], "column": column["name"],
                       "category": CATEGORY_ZH.get(column["category"], column["category"]), "level": column["level"],
                       "items": column["items"], "newest": newest, "age_days": column["age_days"],
                       "window_days": column["window_days"], "state": shown, "url": column["url"],
                       "read_mode": READ_MODE_ZH.get(column.get("read_mode") or "", "")})
    return Upkeep(period, list(units.values()), detail)


UNIT_FIELDS = [
    Field("unit", "单位", 20), Field("kind", "类别", 8), Field("columns", "栏目数", 8, "int"),
    Field("timely", "更新及时", 9, "int"), Field("stale", "不更新", 8, "int"),
    Field("stale_news", "其中：动态要闻类", 10, "int"), Field("stale_notice", "其中：通知公告类", 10, "int"),
    Field("stale_policy", "其中：政策文件类", 10, "int"), Field("stale_other", "其中：其他类", 10, "int"),
    Field("blank", "空白栏目", 9, "int"), Field("broken", "无法访问", 9, "int"),
    Field("not_checked", "未检查", 8, "int"), Field("timely_ratio", "及时更新率", 10, "percent"),
    Field("newest", "最新信息日期", 13, "date"), Field("verdict", "结论", 10), Field("vetoes", "否决事项", 30),
    Field("rating", "评价", 10),
]
COLUMN_FIELDS = [
    Field("unit", "单位", 20), Field("column", "栏目", 16), Field("category", "栏目类别", 12),
    Field("level", "层级", 6, "int"), Field("items", "信息条数", 9, "int"), Field("newest", "最新信息日期", 13, "date"),
    Field("age_days", "距今天数", 9, "int"), Field("window_days", "更新时限（天）", 11, "int"),
    Field("state", "状况", 10), Field("url", "栏目网址", 40, "url"),
    Field("read_mode", "读取方式", 10),  # 浏览器渲染: judged as chromium drew the list (its scripts ran)
]


def tables(upkeep: Upkeep, rule_titles: dict[str, str]) -> list[Table]:
    best, worst = {u.name for u in upkeep.best}, {u.name for u in upkeep.worst}
    rows = []
    for u in upkeep.units:
        rows.append({
            "unit": u.name, "kind": u.kind, "columns": u.columns, "timely": u.timely, "stale": u.stale_total,
            **{key: u.stale.get(key, 0) for key in ("stale_news", "stale_notice", "stale_policy", "stale_other")},
            "blank": u.blank, "broken": u.broken, "not_checked": u.not_checked, "timely_ratio": u.timely_ratio,
            "newest": u.newest, "verdict": u.verdict, "vetoes": "、".join(rule_titles.get(v, v) for v in u.vetoes),
            "rating": "更新及时" if u.name in best else ("更新较差" if u.name in worst else ""),
        })
    chart = Chart("各单位不更新、空白栏目数", "unit", ["stale", "blank"], y_title="个")
    main = Table("units", f"附件2 网页督查情况（截至{upkeep.period.date_to.isoformat()}）", UNIT_FIELDS, rows,
                 charts=[chart])
    return [main, Table("columns", "栏目明细", COLUMN_FIELDS, upkeep.columns)]
