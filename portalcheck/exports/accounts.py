"""附件4 政务新媒体检查情况表: the verdict of every account, the totals and rate (24/38, 63%)."""

from __future__ import annotations

from typing import Any

from portalcheck.config import Config
from portalcheck.exports.common import Field, Period, Table
from storage.session import Store

ACCOUNT_FIELDS = [
    Field("unit", "责任单位", 18), Field("platform_zh", "平台", 8), Field("name", "账号名称", 18),
    Field("last_post", "最近更新", 18), Field("posts_in_period", "期内发布（条）", 12, "int"),
    Field("health_zh", "采集状态", 12), Field("problems", "存在问题", 50), Field("verdict", "检查结果", 10),
    Field("url", "地址", 30, "url"),
]


def tables(figures: dict[str, Any]) -> list[Table]:
    rows = []
    for row in figures["rows"]:
        problems = [f"{c['title']}：{c['detail']}" if c["detail"] else c["title"]
                    for c in row["checks"].values() if c["result"] == "fail"]
        rows.append({**row, "problems": "；".join(problems)})
    totals = figures["totals"]
    summary = [
        {"item": "政务新媒体总数", "value": totals["accounts"]},
        {"item": "合格", "value": totals["qualified"]},
        {"item": "不合格", "value": totals["unqualified"]},
        {"item": "未能检查", "value": totals["not_checked"]},
        {"item": "合格率", "value": totals["rate_text"]},
        {"item": "不合格账号责任单位", "value": "、".join(figures["unqualified_units"]) or "无"},
        {"item": "超过一年以上未更新的责任单位", "value": "、".join(figures["dormant_units"]) or "无"},
    ]
    return [Table("accounts", "政务新媒体检查情况", ACCOUNT_FIELDS, rows),
            Table("totals", "合计", [Field("item", "项目", 28), Field("value", "数值", 60)], summary)]


def build(store: Store, config: Config, period: Period) -> list[Table]:
    from portalcheck.tables.accounts import accounts_table

    figures = accounts_table(store, config, period.date_from, period.date_to, period.as_of,
                             list(period.units) if period.units else None)
    return tables(figures)
