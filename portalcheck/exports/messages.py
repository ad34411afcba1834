"""附件3 网上问政回复情况统计表 (房县 2020 通报): per unit received, closed, closure rate, reply days,
overdue and poor replies; per category counts; the units that replied promptly and well and those that
did not.

Whether a message was answered, answered late or answered poorly is read from the check run that
judged `as_of` (checks/figures.py, with the rules of message.overdue and
message.reply_poor), so a unit listed as late here has the findings to show why. Only consultation
boards are counted, and messages a board marks invalid are left out, as the checks do; a message the
run had not yet seen waits for the next run.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from crawler.messages.categories import category_names, split
from crawler.messages.store import match_unit
from portalcheck.core.config import Config
from portalcheck.core.messages import COUNTED_KINDS, status_group
from portalcheck.exports.common import Chart, Field, Period, Table, stored_run, zoned_bounds
from storage.models import Message, Unit
from storage.session import Store


@dataclass
class UnitRow:
    unit: str
    received: int = 0
    closed: int = 0
    unanswered: int = 0
    reply_days: list[int] = field(default_factory=list)
    overdue: int = 0
    poor: int = 0

    def as_dict(self) -> dict[str, Any]:
        days = self.reply_days
        return {
            "unit": self.unit, "received": self.received, "closed": self.closed,
            "closure_rate": round(100 * self.closed / self.received, 1) if self.received else None,
            "unanswered": self.unanswered,
            "avg_reply_days": round(sum(days) / len(days), 1) if days else None,
            "max_reply_days": max(days) if days else None,
            "overdue": self.overdue, "poor_replies": self.poor,
        }


def messages_table(store: Store, config: Config, date_from: date, date_to: date, as_of: datetime,
                   units: list[str] | None = None) -> dict[str, Any]:
    """Messages left from `date_from` to `date_to` (local dates, inclusive), judged as of `as_of`.

    A message is counted for the unit that handles it (its 办理单位 matched to a configured unit),
    else for the unit whose board holds it. Reply days are calendar days from the day left to the
    day answered; overdue uses working days like message.overdue.
    """
    zone = ZoneInfo(config.schedule.timezone)
    start, end = zoned_bounds(date_from, date_to, config.schedule.timezone)
    run = stored_run(store, as_of, "网上问政回复情况统计表")
    judged = run.messages
    names = [config.portal.name] + [u.name for u in config.units]
    rows: dict[str, UnitRow] = {}
    categories: Counter[str] = Counter()
    with store.session() as session:
        unit_names = dict(session.execute(select(Unit.id, Unit.name)).all())
        messages = session.execute(
            select(Message).where(Message.board_kind.in_(COUNTED_KINDS), Message.asked_at >= start,
                                  Message.asked_at < end, Message.asked_at <= as_of, Message.asked_at <= run.as_of,
                                  Message.first_seen <= run.recorded_at)
            .order_by(Message.asked_at, Message.id)).scalars().all()
        for message in messages:
            if status_group(message.status_word) == "invalid":
                continue
            name = match_unit(message.handling_unit, names) or unit_names.get(message.unit_id) or config.portal.name
            if units and name not in units:
                continue
            row = rows.setdefault(name, UnitRow(name))
            row.received += 1
            categories.update(split(message.category) or [category_names()[-1]])
            if message.id in judged.unanswered:
                row.unanswered += 1
            else:
                if status_group(message.status_word) not in ("in_progress", "transferred"):
                    row.closed += 1
                if message.replied_at is not None:
                    row.reply_days.append((message.replied_at.astimezone(zone).date()
                                           - message.asked_at.astimezone(zone).date()).days)
                row.poor += message.id in judged.poor
            row.overdue += message.id in judged.overdue
    table = [rows[name].as_dict() for name in sorted(rows, key=lambda n: (names.index(n) if n in names else 999, n))]
    good = [r["unit"] for r in table if r["received"] and r["closed"] == r["received"] and not r["overdue"]
            and not r["poor_replies"]]
    bad = [{"unit": r["unit"], "overdue": r["overdue"], "poor_replies": r["poor_replies"], "unanswered": r["unanswered"]}
           for r in table if r["overdue"] or r["poor_replies"] or r["unanswered"]]
    totals = UnitRow("合计")
    for row in rows.values():
        totals.received += row.received
        totals.closed += row.closed
        totals.unanswered += row.unanswered
        totals.overdue += row.overdue
        totals.poor += row.poor
        totals.reply_days += row.reply_days
    return {
        "title": "网上问政回复情况统计表", "date_from": date_from.isoformat(), "date_to": date_to.isoformat(),
        "as_of": as_of.isoformat(), "units": table, "totals": totals.as_dict(),
        "categories": {name: categories[name] for name in category_names() if categories[name]},
        "prompt_and_good": good, "overdue_or_poor": bad,
    }


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
    figures = messages_table(store, config, period.date_from, period.date_to, period.as_of,
                             list(period.units) if period.units else None)
    return tables(figures)
