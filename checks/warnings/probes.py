"""Sites whose failed availability probes over the monitoring window near the share site.unreachable vetoes.

No fail day can be foreseen (it depends on the next failures), so the warning says how many more
failures would reach the line; the probes counted are the rule's own (site_unreachable.probe_totals).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from sqlalchemy import select

from checks.base import CheckContext
from checks.site_unreachable import probe_totals
from checks.warnings.base import EarlyWarning, Leads
from storage.models import Unit


def probe_warnings(ctx: CheckContext, leads: Leads) -> Iterator[EarlyWarning]:
    t = ctx.thresholds
    veto, warn = t.unreachable_failure_ratio, leads.config.probe_failure_ratio
    names = dict(ctx.session.execute(select(Unit.id, Unit.name)).all())
    for _site_id, url, name, unit_id, probes, failed in probe_totals(ctx):
        if not probes or not warn <= failed / probes < veto:
            continue
        more = max(1, math.ceil((veto * probes - failed) / (1 - veto))) if veto < 1 else probes - failed
        yield EarlyWarning(
            "site.unreachable", names.get(unit_id) if unit_id is not None else None, name,
            f"近{t.availability_window_days}天监测{probes}次，访问失败{failed}次，失败率{failed / probes:.1%}；"
            f"达到{veto:.0%}即单项否决，再失败约{more}次即达到",
            "请排查服务器、网络和域名解析，确保站点稳定可访问",
            url=url, evidence={"probes": probes, "failed": failed, "ratio": round(failed / probes, 4),
                               "failures_to_veto": more},
        )
