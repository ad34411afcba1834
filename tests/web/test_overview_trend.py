"""The overview's per-unit trend: one point per night (that night's last check run), at most 30 nights, drawn as
an inline SVG line; findings by severity count only active findings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from portalcheck.web.views import findings_by_severity, sparkline, unit_trends
from storage.models import CheckRun, Finding, Unit
from storage.session import Store


def _run(store: Store, at: datetime, count: int) -> None:
    verdict = {"name": "甲局", "verdict": "合格", "vetoes": [], "counts": {}, "deductions": 0.0,
               "findings": {"column.stale": count, "link.dead": 1}, "not_checked": 0}
    with store.session() as session:
        session.add(CheckRun(as_of=at, units=None, rules=[], accounts=[],
                             verdicts={"site": {}, "columns": {}, "units": {"甲局": verdict}},
                             messages={"unanswered": [], "overdue": [], "poor": {}}))


def test_trend_takes_each_nights_last_run_for_thirty_nights(store: Store) -> None:
    start = datetime(2026, 5, 1, 18, 0, tzinfo=UTC)  # 02:00 the next day in China
    for night in range(35):
        _run(store, start + timedelta(days=night), night)
    _run(store, start + timedelta(days=34, hours=3), 100)  # a recheck later that same night: the night's figure
    trend = unit_trends(store)["甲局"]
    assert len(trend) == 30
    assert trend[0] == ("2026-05-07", 5 + 1) and trend[-1] == ("2026-06-05", 101)
    assert [n for n, _ in trend] == sorted(n for n, _ in trend)
    line = sparkline(trend)
    assert line is not None and len(line["points"].split()) == 30
    assert line["first"] == trend[0][1] and line["last"] == 101
    assert all(0 <= float(y) <= line["height"] for y in (p.split(",")[1] for p in line["points"].split()))
    assert sparkline(trend[:1]) is None  # one night draws no line


def test_severity_counts_are_active_findings_per_unit(store: Store) -> None:
    now = datetime(2026, 6, 1, tzinfo=UTC)
    with store.session() as session:
        session.execute(insert(Unit), [{"id": 1, "name": "甲局", "kind": "部门", "site_url": "https://e.gov.cn/"}])
        session.execute(insert(Finding), [
            {"key": str(i), "rule": "r", "severity": severity, "unit_id": unit, "detail": "", "evidence": {},
             "status": status, "first_seen": now, "last_seen": now}
            for i, (severity, status, unit) in enumerate([("veto", "open", 1), ("veto", "resolved", 1),
                                                          ("deduct", "new", 1), ("deduct", "regressed", 1),
                                                          ("info", "open", 1), ("veto", "open", None)])])
    assert findings_by_severity(store) == {"甲局": {"veto": 1, "deduct": 2, "info": 1}}


def test_a_night_of_many_rechecks_does_not_shorten_the_trend(store: Store) -> None:
    start = datetime(2026, 5, 1, 18, 0, tzinfo=UTC)
    for night in range(30):
        _run(store, start + timedelta(days=night), night)
    for minute in range(200):  # the last night: 200 rechecks after its nightly run
        _run(store, start + timedelta(days=29, minutes=minute + 1), 50)
    trend = unit_trends(store)["甲局"]
    assert len(trend) == 30 and trend[0] == ("2026-05-02", 0 + 1) and trend[-1] == ("2026-05-31", 51)
