"""What the pages show, read from the store through the exports' own readers (the figures are the
exports' figures: a page never counts or judges a second way)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select

from checks.registry import catalogue
from portalcheck.core.config import CHINA_TZ, Config
from portalcheck.exports import BUILDERS, Period
from portalcheck.exports import columns as upkeep
from portalcheck.exports import summary as summary_mod
from portalcheck.exports.common import (
    CATEGORY_ZH,
    SEVERITY_ZH,
    STATUS_ZH,
    Field,
    Table,
    clean_text,
    stored_run,
)
from portalcheck.exports.evidence import LABELS, SKIP, evidence_text
from portalcheck.exports.pictures import KIND_ZH, pictures_of
from storage.models import (
    ACTIVE_STATUSES,
    CheckRun,
    Column,
    CrawlRun,
    Finding,
    FindingPicture,
    RecheckRequest,
    Unit,
)
from storage.session import Store

PORTAL_KIND = "门户"


def rules_by_id() -> dict[str, dict[str, Any]]:
    return {meta["rule"]: meta for meta in catalogue()}


def safe_href(url: Any) -> str | None:
    """Only http(s) URLs become links (a crawled `javascript:` or `data:` URL stays text)."""
    if not isinstance(url, str):
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


def shown(field: Field | None, value: Any) -> str:
    """A cell as text for HTML (Jinja escapes it): the csv's way of showing dates, no spreadsheet quoting."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if field is not None and field.kind == "percent" and isinstance(value, float):
        return f"{value:.1%}"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def unit_ids(store: Store) -> dict[str, int]:
    with store.session() as session:
        return dict(session.execute(select(Unit.name, Unit.id)).all())


def unit_name(store: Store, unit_id: int) -> str | None:
    with store.session() as session:
        unit = session.get(Unit, unit_id)
        return None if unit is None or unit.kind == PORTAL_KIND else unit.name


@dataclass
class Overview:
    summary: summary_mod.Summary
    ranking: list[dict[str, Any]]
    site: dict[str, Any]
    indicators: list[dict[str, Any]]
    last_crawl: dict[str, Any] | None
    last_check: dict[str, Any]
    changes: dict[str, Any] | None  # since the check run before the last: new, fixed, recurring


def overview(store: Store, config: Config) -> Overview:
    """The site's verdict per indicator, the last runs, and the units ranked (summary export's figures)."""
    summary = summary_mod.compute(store, config, Period.make())
    ids = unit_ids(store)
    site, units = summary.targets[0], summary.targets[1:]
    ranking = sorted(units, key=lambda t: (t["verdict"] != "合格", -(t["score"] or -1), -t["findings"], t["key"]))
    by_severity = findings_by_severity(store)
    trends = unit_trends(store)
    ranking = [{**t, "id": ids.get(t["key"]), **by_severity.get(t["key"], {}),
                "trend": sparkline(trends.get(t["key"], []))} for t in ranking]
    indicators = [{"rule": m["rule"], "title": m["title"], "severity": SEVERITY_ZH.get(m["severity"], ""),
                   "clause": m["clause"], "cell": summary.cells[m["rule"]][summary_mod.SITE]}
                  for m in summary.catalogue]
    run = stored_run(store, summary.period.as_of, "总览")
    with store.session() as session:
        crawl = session.scalars(select(CrawlRun).order_by(CrawlRun.started_at.desc()).limit(1)).first()
        last_crawl = None if crawl is None else {
            "mode": crawl.mode, "status": crawl.status, "started": shown(None, crawl.started_at),
            "finished": shown(None, crawl.finished_at), "units": crawl.unit_filter or "全部单位",
            "minutes": round((crawl.finished_at - crawl.started_at).total_seconds() / 60, 1)
            if crawl.finished_at else None,
            "counts": {k: v for k, v in (crawl.counts or {}).items() if isinstance(v, int | float | str)}}
    last_check = {"as_of": shown(None, run.as_of), "recorded": shown(None, run.recorded_at),
                  "units": "、".join(run.units) if run.units else "全部单位", "rules": len(run.rules),
                  "not_checked": site["not_checked"]}
    return Overview(summary, ranking, site, indicators, last_crawl, last_check, changes_since_previous(store))


def findings_by_severity(store: Store) -> dict[str, dict[str, int]]:
    """Each unit's active findings by severity (veto/deduct/info → 否决/扣分/提示), one count on the list index."""
    out: dict[str, dict[str, int]] = {}
    with store.session() as session:
        for name, severity, count in session.execute(
                select(Unit.name, Finding.severity, func.count(Finding.id)).join(Unit, Unit.id == Finding.unit_id)
                .where(Finding.status.in_(ACTIVE_STATUSES)).group_by(Unit.name, Finding.severity)):
            out.setdefault(name, {})[severity] = count
    return out


TREND_NIGHTS = 30


def unit_trends(store: Store, nights: int = TREND_NIGHTS) -> dict[str, list[tuple[str, int]]]:
    """Each unit's number of findings as judged by the last check run of each of the last `nights` nights
    (the stored verdicts: what that night's exports said), oldest first."""
    last: dict[date, int] = {}
    with store.session() as session:
        # Moments first, then the verdicts of each night's last run only: a day of many rechecks holds many runs.
        for run_id, as_of in session.execute(select(CheckRun.id, CheckRun.as_of)
                                             .order_by(CheckRun.as_of.desc(), CheckRun.id.desc())):
            night = as_of.astimezone(CHINA_TZ).date()
            if night not in last:  # newest first: the first run seen of a night is its last
                if len(last) == nights:
                    break
                last[night] = run_id
        verdicts = dict(session.execute(select(CheckRun.id, CheckRun.verdicts)
                                        .where(CheckRun.id.in_(list(last.values())))).all())
    per_night = {night: (verdicts.get(run_id) or {}).get("units") or {} for night, run_id in last.items()}
    trends: dict[str, list[tuple[str, int]]] = {}
    for night in sorted(per_night):
        for name, judged in per_night[night].items():
            count = sum((judged.get("findings") or {}).values()) if isinstance(judged, dict) else 0
            trends.setdefault(name, []).append((night.isoformat(), count))
    return trends


def sparkline(points: list[tuple[str, int]], width: int = 120, height: int = 24) -> dict[str, Any] | None:
    """A small line chart as SVG coordinates (the template draws it inline: no script, no library)."""
    if len(points) < 2:
        return None
    top = max(count for _, count in points) or 1
    step = (width - 4) / (len(points) - 1)
    coords = " ".join(f"{2 + i * step:.1f},{height - 2 - (count / top) * (height - 4):.1f}"
                      for i, (_, count) in enumerate(points))
    first, last = points[0], points[-1]
    return {"points": coords, "width": width, "height": height, "last_x": f"{2 + (len(points) - 1) * step:.1f}",
            "last_y": coords.rsplit(",", 1)[1],
            "title": f"近{len(points)}次夜间检查的问题数：{first[0]} {first[1]} 个 → {last[0]} {last[1]} 个",
            "first": first[1], "last": last[1]}


def changes_since_previous(store: Store) -> dict[str, int] | None:
    """Findings new, fixed and back again since the check run before the newest one (None: only one run)."""
    with store.session() as session:
        moments = session.scalars(select(CheckRun.as_of).order_by(CheckRun.as_of.desc()).limit(2)).all()
        if len(moments) < 2:
            return None
        previous = moments[1]

        def count(*where: Any) -> int:
            return session.scalar(select(func.count(Finding.id)).where(*where)) or 0

        return {"since": shown(None, previous),  # type: ignore[dict-item]
                "new": count(Finding.first_seen > previous, Finding.status.in_(ACTIVE_STATUSES)),
                "fixed": count(Finding.resolved_at > previous),
                "recurring": count(Finding.status == "regressed")}


def unit_verdict(store: Store, period: Period, name: str) -> dict[str, Any] | None:
    """The unit's row of the summary export (检查结论), read from the stored run alone: summary.compute would
    count every unit's findings to fill the site's row too."""
    judged = stored_run(store, period.as_of, "检查结论").verdicts.units.get(name)
    if judged is None:
        return None
    score = summary_mod._score(judged)
    titles = {rule: meta["title"] for rule, meta in rules_by_id().items()}
    return {"verdict": judged.verdict if score is None or score >= summary_mod.PASS_MARK else "不合格",
            "vetoes": "、".join(titles.get(r, r) for r in judged.vetoes), "score": score,
            "findings": sum(judged.findings.values()), "not_checked": judged.not_checked}


UNIT_FINDINGS_SHOWN = 200  # the rest through the findings list, filtered to the unit (paged there)


@dataclass
class UnitPage:
    id: int
    name: str
    verdict: dict[str, Any] | None
    columns: Table
    by_rule: list[dict[str, Any]]
    findings: list[dict[str, Any]]  # the first UNIT_FINDINGS_SHOWN, active ones first
    findings_total: int
    accounts: list[Table]
    messages: list[Table]
    recheck: dict[str, Any] | None


def unit_page(store: Store, config: Config, unit_id: int, name: str) -> UnitPage:
    period = Period.make(units=[name])
    verdict = unit_verdict(store, period, name)
    detail = upkeep.compute(store, config, period)
    columns = Table("columns", "栏目", upkeep.COLUMN_FIELDS, [r for r in detail.columns if r["unit"] == name])
    titles = {rule: meta["title"] for rule, meta in rules_by_id().items()}
    with store.session() as session:
        counts = dict(session.execute(select(Finding.rule, func.count(Finding.id))
                                      .where(Finding.unit_id == unit_id, Finding.status.in_(ACTIVE_STATUSES))
                                      .group_by(Finding.rule)).all())
        total = session.scalar(select(func.count(Finding.id)).where(Finding.unit_id == unit_id)) or 0
        rows = session.execute(
            select(Finding.id, Finding.rule, Finding.severity, Finding.status, Finding.detail, Column.name,
                   Finding.first_seen, Finding.last_seen)
            .outerjoin(Column, Column.id == Finding.column_id)
            .where(Finding.unit_id == unit_id).order_by(Finding.status.in_(ACTIVE_STATUSES).desc(), Finding.rule,
                                                          Finding.id).limit(UNIT_FINDINGS_SHOWN)).all()
    findings = []
    for fid, rule, severity, status, text, column, first, last in rows:
        findings.append({"id": fid, "rule": rule, "title": titles.get(rule, rule), "column": column or "",
                         "severity": SEVERITY_ZH.get(severity, severity), "status": STATUS_ZH.get(status, status),
                         "active": status in ACTIVE_STATUSES, "detail": clean_text(text),
                         "first_seen": shown(None, first), "last_seen": shown(None, last)})
    by_rule = [{"rule": rule, "title": titles.get(rule, rule), "count": n} for rule, n in sorted(counts.items())]
    return UnitPage(unit_id, name, verdict, columns, by_rule, findings, total,
                    BUILDERS["accounts"](store, config, period), BUILDERS["messages"](store, config, period),
                    latest_recheck(store, name))


def latest_recheck(store: Store, unit: str) -> dict[str, Any] | None:
    with store.session() as session:
        request = session.scalars(select(RecheckRequest).where(RecheckRequest.unit_name == unit)
                                  .order_by(RecheckRequest.id.desc()).limit(1)).first()
        return None if request is None else recheck_state(request)


RECHECK_ZH = {"pending": "排队中", "running": "复查中", "done": "已完成", "failed": "失败"}


def recheck_state(request: RecheckRequest) -> dict[str, Any]:
    result = request.result or {}
    return {"id": request.id, "unit": request.unit_name, "status": request.status,
            "status_zh": RECHECK_ZH.get(request.status, request.status),
            "finished": request.status in ("done", "failed"), "requested": shown(None, request.requested_at),
            "ended": shown(None, request.finished_at), "error": request.error,
            "before": len(result.get("before") or []), "after": len(result.get("after") or []),
            "resolved": len(result.get("resolved") or []), "new": len(result.get("new") or [])}


def pending_rechecks(store: Store) -> int:
    with store.session() as session:
        return session.scalar(select(func.count(RecheckRequest.id)).where(RecheckRequest.status == "pending")) or 0


def recheck(store: Store, request_id: int) -> dict[str, Any] | None:
    with store.session() as session:
        request = session.get(RecheckRequest, request_id)
        return None if request is None else recheck_state(request)


@dataclass
class FindingPage:
    id: int
    unit: str | None
    unit_id: int | None
    column: str | None
    meta: dict[str, Any]
    finding: dict[str, Any]
    evidence: list[tuple[str, str, str | None]]  # label, text, link
    evidence_text: str
    pictures: list[dict[str, Any]] = field(default_factory=list)  # 证据截图, newest first (failed ones say why)


# Kept on the finding's page though the one-line summary of the exports leaves them out.
EVIDENCE_LABELS = {"page_url": "所在页面", "column": "栏目"}


def finding_page(store: Store, finding_id: int) -> FindingPage | None:
    with store.session() as session:
        row = session.execute(select(Finding, Unit.name, Column.name).outerjoin(Unit, Unit.id == Finding.unit_id)
                              .outerjoin(Column, Column.id == Finding.column_id)
                              .where(Finding.id == finding_id)).first()
    if row is None:
        return None
    f, unit, column = row
    meta = rules_by_id().get(f.rule, {"rule": f.rule, "title": f.rule, "clause": "", "description": "", "fix": ""})
    evidence = []
    for key, value in (f.evidence or {}).items():
        if key in SKIP and key not in EVIDENCE_LABELS:
            continue  # the summary's bookkeeping (visit, times): the facts above say it
        if key == "category":
            value = CATEGORY_ZH.get(value, value)
        for item in value if isinstance(value, list) else [value]:
            text = clean_text(item if isinstance(item, str) else _flat(item))
            link = safe_href(item.get("url")) if isinstance(item, dict) else safe_href(item)
            evidence.append((EVIDENCE_LABELS.get(key) or LABELS.get(key, key), text, link))
    finding = {"rule": f.rule, "severity": SEVERITY_ZH.get(f.severity, f.severity), "points": f.points,
               "status": STATUS_ZH.get(f.status, f.status), "detail": clean_text(f.detail), "url": f.url,
               "href": safe_href(f.url), "first_seen": shown(None, f.first_seen),
               "last_seen": shown(None, f.last_seen), "resolved_at": shown(None, f.resolved_at),
               "deadline": shown(None, f.deadline)}
    pictures = [{"id": p.id, "kind": KIND_ZH.get(p.kind, p.kind), "taken_at": shown(None, p.taken_at),
                 "page_url": p.page_url, "href": safe_href(p.page_url), "taken": bool(p.sha256),
                 "error": PICTURE_ERRORS.get(p.error or "", p.error), "width": p.clip_w, "height": p.clip_h}
                for p in pictures_of(store, [f.id]).get(f.id, [])[:PICTURES_SHOWN]]
    return FindingPage(f.id, unit, f.unit_id, column, meta, finding, evidence, evidence_text(f.evidence or {}),
                       pictures)


PICTURES_SHOWN = 10
PICTURE_ERRORS = {"not_found": "页面上未找到问题所在位置（可能已整改）", "not_visible": "问题所在元素在页面上不可见",
                  "no_chromium": "未安装浏览器"}


def finding_picture(store: Store, finding_id: int, picture_id: int) -> tuple[str | None, Any] | None:
    """(the finding's unit, the picture row) when the picture belongs to that finding; else None."""
    with store.session() as session:
        row = session.execute(select(Unit.name, FindingPicture).join(Finding, Finding.id == FindingPicture.finding_id)
                              .outerjoin(Unit, Unit.id == Finding.unit_id)
                              .where(FindingPicture.id == picture_id, FindingPicture.finding_id == finding_id)).first()
    return None if row is None else (row[0], row[1])


def _flat(value: Any) -> str:
    if isinstance(value, dict):
        return "；".join(f"{k}：{_flat(v)}" for k, v in value.items() if v not in (None, "", []))
    if isinstance(value, list):
        return "、".join(_flat(v) for v in value)
    return "" if value is None else str(value)


def active_count(store: Store) -> int:
    with store.session() as session:
        return session.scalar(select(func.count(Finding.id)).where(Finding.status.in_(ACTIVE_STATUSES))) or 0
