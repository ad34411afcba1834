"""检查结论汇总: the verdict per indicator for the site and for every unit, and the score.

国办秘函〔2019〕19号: any single-veto hit makes a site 不合格 and it is not scored further;
otherwise the deduction indicators are taken from 100 and below 60 is also 不合格. The 2019
deduction table is only partly known (indicators.md §B), so the score is indicative and the
sheet says so.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from portalcheck.core.config import Config
from portalcheck.exports.common import ACTIVE, SEVERITY_ZH, Field, Period, Table, stored_run
from storage.models import Finding, Unit
from storage.session import Store

FULL_MARKS = 100.0
PASS_MARK = 60.0
SITE = "（整站）"


@dataclass
class Summary:
    period: Period
    catalogue: list[dict[str, Any]]
    targets: list[dict[str, Any]]  # site first, then units
    cells: dict[str, dict[str, str]]  # rule → target name → verdict text


def _score(verdict: Any) -> float | None:
    return None if verdict.vetoes else round(max(0.0, FULL_MARKS - verdict.deductions), 2)


def compute(store: Store, config: Config, period: Period) -> Summary:
    from checks.registry import catalogue

    judged = stored_run(store, period.as_of, "检查结论汇总").verdicts
    rules = catalogue(dict(config.rule_severity))
    with store.session() as session:
        kinds = dict(session.execute(select(Unit.name, Unit.kind).order_by(Unit.id)).all())
        points = session.execute(
            select(Unit.name, Finding.rule, func.count(Finding.id), func.sum(Finding.points))
            .outerjoin(Unit, Unit.id == Finding.unit_id)
            .where(Finding.status.in_(ACTIVE)).group_by(Unit.name, Finding.rule)).all()
    per_rule: dict[tuple[str, str], tuple[int, float]] = {}
    site_rule: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    for unit, rule, count, total in points:
        per_rule[(unit or SITE, rule)] = (count, total or 0.0)
        site_rule[rule][0] += count
        site_rule[rule][1] += total or 0.0
    for rule, (count, total) in site_rule.items():
        per_rule[(SITE, rule)] = (count, total)
    targets = [(SITE, config.portal.name, "门户网站", judged.site)]
    targets += [(name, name, kind, judged.units[name]) for name, kind in kinds.items()
                if name in judged.units and period.wants(name) and kind != "门户"]
    rows = []
    for key, shown, kind, verdict in targets:
        score = _score(verdict)
        result = verdict.verdict if score is None or score >= PASS_MARK else "不合格"
        rows.append({"target": shown, "key": key, "kind": kind, "verdict": result,
                     "vetoes": "、".join(_title(rules, r) for r in verdict.vetoes),
                     "deductions": round(verdict.deductions, 2), "score": score,
                     "findings": sum(verdict.findings.values()), "not_checked": verdict.not_checked})
    cells: dict[str, dict[str, str]] = {}
    for meta in rules:
        rule = meta["rule"]
        cells[rule] = {}
        for key, _, _, verdict in targets:
            count, total = per_rule.get((key, rule), (0, 0.0))
            cells[rule][key] = _cell(meta, rule in verdict.vetoes, count, total)
    return Summary(period, rules, rows, cells)


def _title(rules: list[dict[str, Any]], rule: str) -> str:
    return next((m["title"] for m in rules if m["rule"] == rule), rule)


def _cell(meta: dict[str, Any], vetoed: bool, count: int, total: float) -> str:
    if vetoed:
        return f"否决（{count}处）" if count > 1 else "否决"
    if not count:
        return "合格"
    if meta["severity"] == "deduct" and total:
        return f"扣{round(total, 2):g}分（{count}处）"
    return f"{count}处"


TARGET_FIELDS = [
    Field("target", "检查对象", 24), Field("kind", "类别", 9), Field("verdict", "结论", 9),
    Field("vetoes", "触发的单项否决指标", 36), Field("deductions", "扣分合计", 9, "float"),
    Field("score", "得分（参考）", 10, "float"), Field("findings", "问题数", 8, "int"),
    Field("not_checked", "未检查对象", 10, "int"),
]


def tables(summary: Summary) -> list[Table]:
    names = [(t["key"], t["target"]) for t in summary.targets]
    fields = [Field("title", "指标", 28), Field("rule", "规则编号", 20), Field("severity", "性质", 7),
              *[Field(key, shown, 14) for key, shown in names]]
    rows = [{"title": m["title"], "rule": m["rule"], "severity": SEVERITY_ZH.get(m["severity"], m["severity"]),
             **summary.cells[m["rule"]]} for m in summary.catalogue]
    return [Table("targets", "检查结论", TARGET_FIELDS, summary.targets),
            Table("indicators", "分指标结论", fields, rows)]
