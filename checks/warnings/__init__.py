"""预警: every subject that will fail a rule within its lead time if nothing changes (`portalcheck warnings`).

    find_warnings(store, config, as_of, units=None, within=None) -> list[EarlyWarning]

Warnings read the same facts (checks/facts/) and the same thresholds as the rules, computed at the
moment asked for; lead times come from config `warnings:`. They are stored nowhere and are never
findings: no notice, verdict or score sees them. The rule catalogue is unchanged by them.
"""

from __future__ import annotations

from datetime import date, datetime

from checks.base import CheckContext
from checks.runner import unit_ids_of
from checks.warnings.base import EarlyWarning, Leads
from checks.warnings.columns import column_warnings, count_warnings
from checks.warnings.media import account_warnings
from checks.warnings.messages import message_warnings
from checks.warnings.probes import probe_warnings
from portalcheck.core.config import Config
from storage.session import Store

FINDERS = (column_warnings, count_warnings, account_warnings, message_warnings, probe_warnings)


def find_warnings(store: Store, config: Config, as_of: datetime, units: list[str] | None = None,
                  within: int | None = None) -> list[EarlyWarning]:
    """The warnings at `as_of` for the units named (None: all), soonest first; KeyError for an unknown unit."""
    if as_of.tzinfo is None:
        as_of = as_of.replace(tzinfo=config.zone)
    leads = Leads(config.warnings, within)
    with store.session() as session:
        ctx = CheckContext.from_config(session, config, as_of, unit_ids_of(session, units))
        found = [warning for finder in FINDERS for warning in finder(ctx, leads)]
    return sorted(found, key=lambda w: (w.fails_on or date.max, w.unit or "", w.rule, w.subject))


def format_warnings(warnings: list[EarlyWarning], as_of: datetime, timezone: str) -> str:
    """The command's output: one line per warning, soonest first, then the count."""
    from zoneinfo import ZoneInfo

    moment = as_of.astimezone(ZoneInfo(timezone))
    lines = [f"预警（截至{moment:%Y-%m-%d %H:%M}）："]
    for w in warnings:
        when = f"{w.fails_on.isoformat()}（{w.days_left}天后）" if w.fails_on else "日期未定"
        lines.append(f"  {when}  {w.unit or '—'}  {w.title}：{w.subject}——{w.detail}。建议：{w.action}")
    lines.append(f"预警{len(warnings)}条（预警不是问题，不计入通报、结论和得分）")
    return "\n".join(lines)


__all__ = ["EarlyWarning", "Leads", "find_warnings", "format_warnings"]
