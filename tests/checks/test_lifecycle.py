"""The life of a finding: new → open → resolved → regressed, scoped resolution, idempotent re-runs."""

from __future__ import annotations

from datetime import timedelta

from checks import format_report, run_checks
from storage.models import Column
from tests.checks.facts import AS_OF, Facts, days_ago, findings, make_config

DAY = timedelta(days=1)


def stale_column(facts: Facts) -> tuple[int, int]:
    unit = facts.unit()
    return unit, facts.seen_column(unit, "工作动态", "news", [days_ago(30)])


def check(store, as_of, **kwargs):  # type: ignore[no-untyped-def]
    return run_checks(store, make_config(), as_of, only=["column.stale"], **kwargs)


def recrawl(facts: Facts, column: int, as_of, status: str = "full") -> None:  # type: ignore[no-untyped-def]
    facts.visit(facts.crawl(as_of - timedelta(hours=2)), column, status)


def test_first_sighting_is_new_and_a_later_one_is_open(store) -> None:
    facts = Facts(store)
    _unit, column = stale_column(facts)
    check(store, AS_OF)
    first = findings(store)[0]
    recrawl(facts, column, AS_OF + DAY)
    check(store, AS_OF + DAY)
    [again] = findings(store)
    assert (first.status, again.status) == ("new", "open")
    assert again.key == first.key and again.first_seen == AS_OF and again.last_seen == AS_OF + DAY


def test_fixed_problem_is_resolved_and_its_return_is_regressed(store) -> None:
    facts = Facts(store)
    _unit, column = stale_column(facts)
    check(store, AS_OF)
    facts.items(column, [days_ago(-1)])  # a new item published the next day
    recrawl(facts, column, AS_OF + DAY)
    check(store, AS_OF + DAY)
    [resolved] = findings(store)
    assert (resolved.status, resolved.resolved_at) == ("resolved", AS_OF + DAY)
    recrawl(facts, column, AS_OF + 30 * DAY)
    report = check(store, AS_OF + 30 * DAY)
    [regressed] = findings(store)
    assert regressed.status == "regressed" and regressed.resolved_at is None
    assert report.outcomes[0].regressed == 1


def test_rerun_at_the_same_time_changes_nothing(store) -> None:
    facts = Facts(store)
    stale_column(facts)
    check(store, AS_OF)
    before = [(f.key, f.status, f.last_seen) for f in findings(store)]
    report = check(store, AS_OF)
    assert [(f.key, f.status, f.last_seen) for f in findings(store)] == before
    assert report.totals()["new"] == 1 and report.totals()["resolved"] == 0


def test_finding_of_a_column_not_seen_this_time_stays_open(store) -> None:
    facts = Facts(store)
    _unit, column = stale_column(facts)
    check(store, AS_OF)
    facts.items(column, [days_ago(-1)])
    recrawl(facts, column, AS_OF + DAY, status="not_seen")
    check(store, AS_OF + DAY)
    assert findings(store)[0].status == "new"


def test_finding_of_a_unit_out_of_scope_is_not_resolved(store) -> None:
    facts = Facts(store)
    _unit, column = stale_column(facts)
    other = facts.unit("土城镇")
    facts.seen_column(other, "工作动态", "news", [days_ago(1)])
    check(store, AS_OF)
    facts.items(column, [days_ago(-1)])
    recrawl(facts, column, AS_OF + DAY)
    check(store, AS_OF + DAY, units=["土城镇"])
    assert findings(store)[0].status == "new"
    check(store, AS_OF + DAY, units=["白鹤镇"])
    assert findings(store)[0].status == "resolved"


def test_finding_of_a_rule_that_did_not_run_is_not_resolved(store) -> None:
    facts = Facts(store)
    _unit, column = stale_column(facts)
    check(store, AS_OF)
    facts.items(column, [days_ago(-1)])
    recrawl(facts, column, AS_OF + DAY)
    run_checks(store, make_config(), AS_OF + DAY, only=["column.blank"])
    assert findings(store)[0].status == "new"


def test_deleted_column_drops_its_finding_from_view_but_keeps_the_row(store) -> None:
    facts = Facts(store)
    _unit, column = stale_column(facts)
    check(store, AS_OF)
    with store.session() as session:
        session.delete(session.get(Column, column))
    check(store, AS_OF + DAY)
    [finding] = findings(store)
    assert finding.column_id is None and finding.status == "new"


def test_report_summarises_in_chinese(store) -> None:
    facts = Facts(store)
    stale_column(facts)
    text = format_report(check(store, AS_OF))
    assert "column.stale" in text and "合计：发现问题1个（新增1个" in text


def test_old_check_runs_are_pruned_but_each_months_last_is_kept(store) -> None:
    """A check run holds every subject's figures: older than `database.keep_check_runs_days` only the last run
    of each month stays, so a past month's notice can still be drawn; recent runs all stay."""
    from sqlalchemy import select

    from storage.models import CheckRun

    facts = Facts(store)
    stale_column(facts)
    start = AS_OF - 500 * DAY
    moments = [start + n * 10 * DAY for n in range(50)] + [AS_OF]  # every 10 days over ~16 months, then today
    for moment in moments:
        check(store, moment)
    with store.session() as session:
        kept = sorted(session.scalars(select(CheckRun.as_of)))
    cutoff = AS_OF - 400 * DAY
    zone = make_config().zone
    recent = [m for m in moments if m >= cutoff]
    months: dict[tuple[int, int], object] = {}
    for moment in moments:
        if moment < cutoff:
            local = moment.astimezone(zone)
            months[(local.year, local.month)] = moment  # moments ascend: the month's last wins
    assert kept == sorted([*recent, *months.values()])
    assert len(kept) < len(moments)  # something older than the window was pruned


def test_a_units_checks_without_figures_move_its_findings_and_leave_the_stored_run_to_the_whole_site(store) -> None:
    """A queue night's unit job checks with figures=False: its unit's findings move on, no check run is stored,
    and what the exports read stays the last run over every unit (the night's site-wide run stores the next)."""
    from sqlalchemy import select

    from checks.results import latest_run
    from storage.models import CheckRun

    facts = Facts(store)
    unit, column = stale_column(facts)
    other = facts.unit("城关镇")
    facts.seen_column(other, "工作动态", "news", [days_ago(30)])
    check(store, AS_OF)
    recrawl(facts, column, AS_OF + DAY)
    report = check(store, AS_OF + DAY, units=["白鹤镇"], figures=False)
    assert report.ok and report.outcomes[0].open == 1
    by_unit = {f.unit_id: f for f in findings(store)}
    assert by_unit[unit].status == "open" and by_unit[unit].last_seen == AS_OF + DAY
    assert by_unit[other].status == "new" and by_unit[other].last_seen == AS_OF
    with store.session() as session:
        runs = session.execute(select(CheckRun.as_of, CheckRun.units)).all()
        stored = latest_run(session, AS_OF + DAY)
    assert runs == [(AS_OF, None)]
    assert stored is not None and stored.as_of == AS_OF and set(stored.verdicts.units) == {"白鹤镇", "城关镇"}


def test_runs_older_than_a_week_keep_only_each_days_last_and_their_figures_go_with_them(store) -> None:
    """Rechecks store a whole picture each: a week on, only the day's last run is needed (an export's moment is
    the end of a day by default), so the others go with their column figures."""
    from sqlalchemy import func, select

    from checks.figures import KEEP_EVERY_RUN_DAYS
    from storage.models import CheckRun, CheckRunColumn

    facts = Facts(store)
    stale_column(facts)
    zone = make_config().zone
    morning = AS_OF.astimezone(zone).replace(hour=9, minute=0) - 10 * DAY
    old_day = [morning, morning + timedelta(hours=3), morning + timedelta(hours=6)]  # ten days ago: 3 runs
    recent_day = [m + 8 * DAY for m in old_day]  # two days ago: every run stays
    for moment in [*old_day, *recent_day]:
        check(store, moment)
    assert KEEP_EVERY_RUN_DAYS < 10
    with store.session() as session:
        kept = sorted(session.scalars(select(CheckRun.as_of)))
        columns = dict(session.execute(select(CheckRunColumn.run_id, func.count())
                                       .group_by(CheckRunColumn.run_id)).all())
        runs = set(session.scalars(select(CheckRun.id)))
    assert kept == sorted([old_day[-1], *recent_day])
    assert set(columns) == runs and all(n == 1 for n in columns.values())
