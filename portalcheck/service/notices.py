"""What `portalcheck notice` prints: a notice just issued, the list of notices, one notice's findings and their
整改 state (in Chinese, for the inspector's terminal)."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import aliased

from portalcheck.core.config import Config
from portalcheck.exports.loop import NOT_FIXED, NoticeInfo, is_overdue, notices, overdue_by_unit
from storage.models import Column, Finding, Notice, NoticeFinding, Unit
from storage.session import Store


def zh_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def format_issued(made: NoticeInfo) -> str:
    return (f"已下发第{made.number}期通报：问题{made.findings}个，整改期限{zh_date(made.deadline)}。"
            f"各单位可在检查工作台逐条答复（已整改、申诉、情况说明）。")


def format_list(store: Store, config: Config) -> str:
    today = _today(config)
    with store.session() as session:
        rows = notices(session)
        if not rows:
            return "尚未下发通报：请运行 portalcheck notice issue。"
        lines = [f"{'期数':<6}{'下发时间':<18}{'问题':>5}  {'整改期限':<12}逾期单位"]
        for n in rows:
            overdue = overdue_by_unit(session, today, n.id)
            named = "、".join(f"{unit}（{count}个）" for unit, count in overdue.most_common()) or "无"
            issued = n.issued_at.astimezone(config.zone).strftime("%Y-%m-%d %H:%M")
            lines.append(f"第{n.number}期{'':<3}{issued:<18}{n.findings:>5}  {zh_date(n.deadline):<12}{named}")
    return "\n".join(lines)


def format_notice(store: Store, config: Config, number: int) -> str | None:
    today = _today(config)
    column = aliased(Column)
    with store.session() as session:
        notice = session.scalars(select(Notice).where(Notice.number == number)).first()
        if notice is None:
            return None
        rows = session.execute(
            select(Unit.name, column.name, Finding.rule, NoticeFinding.detail, Finding.rectification_state,
                   Finding.deadline)
            .join(Finding, Finding.id == NoticeFinding.finding_id).outerjoin(Unit, Unit.id == NoticeFinding.unit_id)
            .outerjoin(column, column.id == Finding.column_id)
            .where(NoticeFinding.notice_id == notice.id).order_by(Unit.id, Finding.rule, Finding.id)).all()
    states = Counter(state or NOT_FIXED for *_, state, _ in rows)
    lines = [f"第{notice.number}期通报（{notice.issued_at.astimezone(config.zone):%Y-%m-%d %H:%M} 下发"
             + (f"，{notice.issued_by}" if notice.issued_by else "") + f"）：问题{len(rows)}个，整改期限"
             f"{zh_date(notice.deadline)}",
             "整改状态：" + "，".join(f"{state}{count}个" for state, count in states.most_common())]
    for unit, column_name, rule, detail, state, deadline in rows:
        late = "（逾期）" if is_overdue(deadline, state, today) else ""
        where = f"{column_name}：" if column_name else ""
        lines.append(f"　{unit}　[{state or NOT_FIXED}{late}] {where}{detail}（{rule}）")
    return "\n".join(lines)


def _today(config: Config) -> date:
    from datetime import datetime

    return datetime.now(config.zone).date()
