"""附件4 政务新媒体检查情况表: one row per account, the totals (合格率) and the units a notice names.

The shape follows a county notice's 附件4 (房县 2020: 38 accounts, 24 合格, 14 不合格, 63%, and the
units whose accounts were silent over a year). Each account's verdict and the outcome of each account
check are read from the check run that judged `as_of` (checks/figures.py); only the
posts in the period are counted here. An account the collector could not read is "未检查" and stays
out of the rate.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from checks.results import FAIL, PASS, RESULT_FAIL, UNKNOWN
from portalcheck.core.config import Config
from portalcheck.exports.common import Field, Period, Table, stored_run, zoned_bounds
from storage.models import Post
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
                    for c in row["checks"].values() if c["result"] == RESULT_FAIL]
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

def accounts_table(store: Store, config: Config, date_from: date, date_to: date, as_of: datetime,
                   units: list[str] | None = None) -> dict[str, Any]:
    """Rows, totals (合格率) and the units a notice names, for the accounts of `units` (None: all)."""
    if as_of.tzinfo is None:
        raise ValueError("as_of must be timezone-aware")
    run = stored_run(store, as_of, "政务新媒体检查情况表")
    start, end = zoned_bounds(date_from, date_to, config.schedule.timezone)
    with store.session() as session:
        in_period = dict(session.execute(
            select(Post.account_id, func.count()).where(Post.published_at >= start, Post.published_at < end,
                                                        Post.published_at <= as_of)
            .group_by(Post.account_id)).all())
    rows = [{**row, "posts_in_period": in_period.get(row["account_id"], 0)} for row in run.accounts
            if not units or row["unit"] in units]
    checks = [{"rule": rule, "title": c["title"]} for rule, c in rows[0]["checks"].items()] if rows else []
    return _with_totals(rows, checks, date_from, date_to, as_of)


def _with_totals(rows: list[dict[str, Any]], checks: list[dict[str, str]], date_from: date, date_to: date,
                 as_of: datetime) -> dict[str, Any]:
    qualified = sum(1 for r in rows if r["verdict"] == PASS)
    unqualified = sum(1 for r in rows if r["verdict"] == FAIL)
    not_checked = sum(1 for r in rows if r["verdict"] == UNKNOWN)
    judged = qualified + unqualified
    rate = round(100 * qualified / judged) if judged else None
    unqualified_units = list(dict.fromkeys(r["unit"] for r in rows if r["verdict"] == FAIL))
    dormant_units = list(dict.fromkeys(r["unit"] for r in rows if "account.dormant" in r["failed"]))
    text = (f"共开设微博、微信公众号等政务新媒体{len(rows)}个。本次检查发现合格的政务新媒体有{qualified}个，"
            f"不合格的新媒体{unqualified}个")
    text += f"，责任单位分别是：{'、'.join(unqualified_units)}" if unqualified_units else ""
    text += f"，合格率为{rate}%。" if rate is not None else "。"
    if not_checked:
        text += f"另有{not_checked}个账号因采集受限未能检查。"
    if dormant_units:
        text += f"超过一年以上未更新的新媒体责任单位分别是：{'、'.join(dormant_units)}。"
    return {
        "as_of": as_of.isoformat(timespec="minutes"), "period": {"from": date_from.isoformat(),
                                                                 "to": date_to.isoformat()},
        "checks": checks,
        "rows": rows,
        "totals": {"accounts": len(rows), "qualified": qualified, "unqualified": unqualified,
                   "not_checked": not_checked, "rate": rate, "rate_text": f"{qualified}/{judged}，{rate}%"
                   if rate is not None else "—"},
        "unqualified_units": unqualified_units, "dormant_units": dormant_units, "text": text,
    }


def build(store: Store, config: Config, period: Period) -> list[Table]:
    figures = accounts_table(store, config, period.date_from, period.date_to, period.as_of,
                             list(period.units) if period.units else None)
    return tables(figures)
