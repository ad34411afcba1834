"""网上问政回复情况统计表 (房县 2020 通报 附件3): per unit received, closed, closure rate, reply days,
overdue and poor replies; per category counts; the units that replied promptly and well and those
that did not.

The figures use the same rules as the checks (message.overdue, message.reply_poor), so a unit
listed as late here has the findings to show why. Only consultation boards are counted, and
messages a board marks invalid are left out, as the checks do.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from checks.base import CheckContext
from checks.facts.messages import COUNTED_KINDS, answered, judge_reply, local_date
from checks.message_overdue import lateness
from crawler.messages.categories import category_names, split
from crawler.messages.store import match_unit
from portalcheck.config import Config
from portalcheck.core.messages import status_group
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
    start = datetime.combine(date_from, time.min, zone)
    end = datetime.combine(date_to, time.max, zone)
    names = [config.portal.name] + [u.name for u in config.units]
    rows: dict[str, UnitRow] = {}
    categories: Counter[str] = Counter()
    with store.session() as session:
        ctx = CheckContext.from_config(session, config, as_of)
        unit_names = dict(session.execute(select(Unit.id, Unit.name)).all())
        messages = session.execute(
            select(Message).where(Message.board_kind.in_(COUNTED_KINDS), Message.asked_at >= start,
                                  Message.asked_at <= end, Message.asked_at <= as_of)
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
            if not answered(message, as_of):
                row.unanswered += 1
            else:
                if status_group(message.status_word) not in ("in_progress", "transferred"):
                    row.closed += 1
                if message.replied_at is not None:
                    row.reply_days.append((local_date(message.replied_at, ctx) - local_date(message.asked_at, ctx)).days)
                row.poor += judge_reply(message.reply) is not None
            row.overdue += lateness(message, ctx) is not None
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
