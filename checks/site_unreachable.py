"""站点无法访问: over the last 7 days, ≥5% of the availability probes failed (indicators.md A2).

The rule presumes ≥20 spaced probes a day; days with fewer probes make the ratio unreliable,
so they are reported as "not checked" alongside any verdict the probes that were taken give.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from sqlalchemy import case, func, select

from checks.base import Check, CheckContext, FindingDraft, iso
from storage.models import Probe, Site


def probe_totals(ctx: CheckContext) -> list[tuple[int, str, str, int | None, int, int]]:
    """(site id, url, name, unit id, probes, failed probes) of every site in scope over the monitoring window
    (the 7 days up to the check); the rule and the warnings (checks/warnings/) count the same probes."""
    start = ctx.as_of - timedelta(days=ctx.thresholds.availability_window_days)
    rows = ctx.session.execute(
        select(Site.id, Site.url, Site.name, Site.unit_id, func.count(Probe.id),
               func.sum(case((Probe.ok, 0), else_=1)))
        .outerjoin(Probe, (Probe.site_id == Site.id) & (Probe.probed_at > start) & (Probe.probed_at <= ctx.as_of))
        .where(ctx.unit_filter(Site.unit_id))
        .group_by(Site.id, Site.url, Site.name, Site.unit_id)
    ).all()
    return [(site_id, url, name, unit_id, probes, int(failed or 0)) for site_id, url, name, unit_id, probes, failed
            in rows]


def run(ctx: CheckContext) -> Iterator[FindingDraft]:
    t = ctx.thresholds
    start = ctx.as_of - timedelta(days=t.availability_window_days)
    window = (Probe.probed_at > start, Probe.probed_at <= ctx.as_of)
    for site_id, url, name, unit_id, probes, failed in probe_totals(ctx):
        days = _probes_per_day(ctx, site_id, start)
        short_days = [d for d in _window_days(ctx) if days.get(d, 0) < t.probes_per_day]
        if probes == 0:
            ctx.skip(f"{name}近{t.availability_window_days}天无可用性监测记录，未检查", unit_id=unit_id, url=url)
            continue
        ctx.checked_pages([(unit_id, url)])
        if short_days:
            ctx.skip(f"{name}有{len(short_days)}天监测次数少于每天{t.probes_per_day}次，监测不充分", unit_id=unit_id,
                     url=url)
        ratio = failed / probes
        if ratio < t.unreachable_failure_ratio:
            continue
        errors = ctx.session.execute(
            select(Probe.error, func.count(Probe.id))
            .where(Probe.site_id == site_id, ~Probe.ok, *window).group_by(Probe.error)
        ).all()
        samples = ctx.session.execute(
            select(Probe.probed_at, Probe.http_status, Probe.error, Probe.latency_ms)
            .where(Probe.site_id == site_id, ~Probe.ok, *window).order_by(Probe.probed_at.desc()).limit(10)
        ).all()
        yield ctx.draft(
            f"{name}近{t.availability_window_days}天监测{probes}次，访问失败{failed}次，失败率{ratio:.1%}"
            f"（达到{t.unreachable_failure_ratio:.0%}即单项否决）",
            unit_id=unit_id, url=url,
            evidence={"probes": probes, "failed": failed, "ratio": round(ratio, 4),
                      "errors": {e or "http": n for e, n in errors}, "days_under_sampled": [d.isoformat() for d in short_days],
                      "window_start": iso(start), "window_end": iso(ctx.as_of),
                      "failures": [{"at": iso(a), "http_status": s, "error": e, "latency_ms": ms}
                                   for a, s, e, ms in samples]},
        )


def _window_days(ctx: CheckContext) -> list:
    """The local days lying wholly inside the window (the first and the current day are partial)."""
    return [ctx.today - timedelta(days=i) for i in range(1, ctx.thresholds.availability_window_days)]


def _probes_per_day(ctx: CheckContext, site_id: int, start) -> dict:  # type: ignore[no-untyped-def]
    """Probe counts per local day (counted in Python: date functions differ between SQLite and PostgreSQL)."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(ctx.timezone)
    times = ctx.session.execute(
        select(Probe.probed_at).where(Probe.site_id == site_id, Probe.probed_at > start, Probe.probed_at <= ctx.as_of)
    ).scalars()
    counts: dict = {}
    for at in times:
        day = at.astimezone(zone).date()
        counts[day] = counts.get(day, 0) + 1
    return counts


CHECK = Check(
    rule="site.unreachable",
    title="站点无法访问",
    clause="国办秘函〔2019〕19号 单项否决 A2",
    severity="veto",
    scope="site",
    run=run,
    fix="排查服务器、网络和域名解析，确保站点稳定可访问。",
    description="连续监测1周，每天不少于20次，15秒内无法打开的次数占比≥5%；监测次数不足时注明“监测不充分”。",
)
