"""portalcheck.service.runs.recorded: the one job_runs start/finish every scheduled job goes through."""

from __future__ import annotations

from sqlalchemy import select

from portalcheck.service.runs import recorded
from storage.models import JobRun
from storage.session import Store


def _runs(store: Store) -> list[JobRun]:
    with store.session() as session:
        return list(session.scalars(select(JobRun).order_by(JobRun.id)))


def test_a_recorded_block_that_ends_is_ok_with_its_counts(store: Store) -> None:
    with recorded(store, "digest", "digest failed", mode="queue") as run:
        assert [(r.job, r.outcome) for r in _runs(store)] == [("digest", "running")]
        run.counts = {"messages": 3}
    [row] = _runs(store)
    assert run.failed is None
    assert (row.outcome, row.counts, row.error) == ("ok", {"mode": "queue", "messages": 3}, None)
    assert row.finished_at is not None


def test_a_recorded_block_that_raises_is_failed_with_the_cause_and_the_caller_goes_on(store: Store) -> None:
    def send() -> None:
        raise ConnectionError("robot unreachable")

    with recorded(store, "probe", "probe round failed") as run:
        send()
        run.counts = {"never": 1}
    [row] = _runs(store)
    assert isinstance(run.failed, ConnectionError)
    assert row.outcome == "failed" and row.counts == {} and row.finished_at is not None
    assert row.error.startswith("ConnectionError: robot unreachable\n") and "in send" in row.error
