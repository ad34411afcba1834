"""Closed or missing accounts still listed: the platform says the account is gone (indicators.md D2).

Renamed, closed or deleted accounts that are not reported are flagged by inspections; the
collector's own failures (432, login, timeouts) are never read as "gone".
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.base import Check, CheckContext, FindingDraft, iso
from checks.facts.accounts import account_states
from portalcheck.core.accounts import HEALTH_ZH, OK


def run(ctx: CheckContext) -> Iterator[FindingDraft]:
    for state in account_states(ctx):
        if state.health == OK:
            ctx.checked_pages([(state.unit_id, state.subject)])
            continue
        if not state.gone:
            ctx.skip(state.not_checked_reason(), unit_id=state.unit_id, url=state.subject)
            continue
        ctx.checked_pages([(state.unit_id, state.subject)])
        why = state.visit.get("detail")
        yield ctx.draft(
            f"{state.label}无法访问（{HEALTH_ZH[state.health or '']}{'：' + why if why else ''}），"
            f"但仍在报送的账号清单中，应核实并更新备案或履行注销程序",
            unit_id=state.unit_id, url=state.subject, discriminator=f"{state.platform}:{state.name}",
            evidence={"account": state.name, "platform": state.platform, "health": state.health, "detail": why,
                      "checked_at": iso(state.checked_at)},
        )


CHECK = Check(
    rule="account.unreachable",
    title="政务新媒体账号无法访问",
    clause="国办发〔2018〕123号（开设、变更、关停备案）；国办公开办2023年通知",
    severity="veto",
    scope="account",
    run=run,
    fix="核实账号状态：已关停的从备案中删除，被封禁的查明原因并整改。",
    description="平台显示账号不存在、已关闭、被封禁或已迁移，但仍在检查清单中。",
)
