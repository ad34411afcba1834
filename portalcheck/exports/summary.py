"""检查结论汇总: the verdict per indicator for the site and for every unit, and the score.

国办秘函〔2019〕19号: any single-veto hit makes a site 不合格 and it is not scored further;
otherwise the deduction indicators are taken from 100 and below 60 is also 不合格. The 2019
deduction table is only partly known (indicators.md §B), so the score is indicative and the
sheet says so.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from portalcheck.core.config import Config
from portalcheck.exports.common import SEVERITY_ZH, Field, Period, Table, stored_run
from storage.models import ACTIVE_STATUSES, Finding, Unit
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
    network: list[dict[str, Any]] = field(default_factory=list)  # per host: site.ipv6 / site.https figures


def _score(verdict: Any) -> float | None:
    return None if verdict.vetoes else round(max(0.0, FULL_MARKS - verdict.deductions), 2)


def compute(store: Store, config: Config, period: Period) -> Summary:
    from checks.registry import catalogue

    run = stored_run(store, period.as_of, "检查结论汇总")
    judged = run.verdicts
    rules = catalogue()
    with store.session() as session:
        kinds = dict(session.execute(select(Unit.name, Unit.kind).order_by(Unit.id)).all())
        points = session.execute(
            select(Unit.name, Finding.rule, func.count(Finding.id), func.sum(Finding.points))
            .outerjoin(Unit, Unit.id == Finding.unit_id)
            .where(Finding.status.in_(ACTIVE_STATUSES)).group_by(Unit.name, Finding.rule)).all()
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
    return Summary(period, rules, rows, cells, [network_row(h) for h in run.network])


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


def _yes(value: Any) -> str:
    return "—" if value is None else ("是" if value else "否")


def network_row(host: dict[str, Any]) -> dict[str, Any]:
    """One host's IPv6 and HTTPS figures as the sheet shows them (checks/figures.py network_rows)."""
    v6, tls = host.get("ipv6") or {}, host.get("https") or {}
    verify = tls.get("verify") or {}
    home = (f"失败{v6['home_v6_failed']}/{v6['home_v6_rounds']}轮" if v6.get("home_v6_failed")
            else "可访问" if v6.get("home_v6_rounds") else "不可访问" if v6 else "—")
    return {"host": host["host"], "site": host.get("site"), "rounds": v6.get("rounds"),
            "aaaa": "、".join(v6.get("aaaa") or []) or ("无" if v6 else "—"), "home_v6": home,
            "similarity": v6.get("similarity"), "page_share": v6.get("page_share"),
            "pages": f"{v6.get('pages_reachable', 0)}/{v6.get('pages_tried', 0)}" if v6 else "—",
            "skylights": v6.get("skylights"), "https": _yes(tls.get("offered")) if tls else "—",
            "redirect": _yes((tls.get("redirect") or {}).get("to_https")) if tls else "—",
            "tls_version": tls.get("tls_version"), "not_after": (tls.get("not_after") or "")[:10] or None,
            "days_left": tls.get("days_left"), "host_match": _yes(tls.get("host_match")),
            "chain": _yes(verify.get("ok")) if verify else "—", "legacy": "、".join(tls.get("legacy") or []) or "无"}


NETWORK_FIELDS = [
    Field("host", "主机", 24), Field("site", "站点", 24), Field("rounds", "探测轮数", 8, "int"),
    Field("aaaa", "IPv6地址（AAAA）", 20), Field("home_v6", "首页IPv6访问", 12),
    Field("similarity", "首页IPv6/IPv4内容相似度", 12, "percent"),
    Field("page_share", "二三级页面IPv6可达率", 12, "percent"), Field("pages", "可达/抽查页面", 10),
    Field("skylights", "天窗（仅IPv4资源）", 10, "int"), Field("https", "提供HTTPS", 8),
    Field("redirect", "HTTP跳转HTTPS", 10), Field("tls_version", "TLS版本", 9), Field("not_after", "证书到期日", 11),
    Field("days_left", "证书剩余天数", 10, "float"), Field("host_match", "证书与域名一致", 10),
    Field("chain", "证书链可信", 9), Field("legacy", "支持TLS1.2以下", 12),
]


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
    tables = [Table("targets", "检查结论", TARGET_FIELDS, summary.targets),
              Table("indicators", "分指标结论", fields, rows)]
    if summary.network:  # only once a network round was judged: a deployment that never probed shows no sheet
        tables.append(Table("network", "IPv6与HTTPS", NETWORK_FIELDS, summary.network))
    return tables
