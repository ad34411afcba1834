"""附件3 网上问政回复情况统计表: the figures of portalcheck.tables.messages as sheets."""

from __future__ import annotations

from typing import Any

from portalcheck.config import Config
from portalcheck.exports.common import Chart, Field, Period, Table
from storage.session import Store

UNIT_FIELDS = [
    Field("unit", "单位", 18), Field("received", "受理（件）", 10, "int"), Field("closed", "办结（件）", 10, "int"),
    Field("closure_rate", "办结率（%）", 10, "float"), Field("unanswered", "未答复（件）", 10, "int"),
    Field("avg_reply_days", "平均答复天数", 12, "float"), Field("max_reply_days", "最长答复天数", 12, "int"),
    Field("overdue", "超期答复（件）", 12, "int"), Field("poor_replies", "答复质量差（件）", 14, "int"),
]


def tables(figures: dict[str, Any]) -> list[Table]:
    totals = {**figures["totals"], "unit": "合计"}
    units = [*figures["units"], totals]
    categories = [{"category": name, "count": count} for name, count in figures["categories"].items()]
    lists = [{"list": "回复比较及时、质量较高的单位", "units": "、".join(figures["prompt_and_good"]) or "无"},
             {"list": "存在未答复、超期或答复质量差的单位",
              "units": "、".join(row["unit"] for row in figures["overdue_or_poor"]) or "无"}]
    return [
        Table("units", "网上问政回复情况", UNIT_FIELDS, units,
              charts=[Chart("各单位受理与办结", "unit", ["received", "closed"], "件", rows=len(units) - 1)]),
        Table("categories", "诉求分类", [Field("category", "类别", 16), Field("count", "件数", 10, "int")], categories),
        Table("lists", "通报名单", [Field("list", "名单", 28), Field("units", "单位", 80)], lists),
    ]


def build(store: Store, config: Config, period: Period) -> list[Table]:
    from portalcheck.tables.messages import messages_table

    figures = messages_table(store, config, period.date_from, period.date_to, period.as_of,
                             list(period.units) if period.units else None)
    return tables(figures)
