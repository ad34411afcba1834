"""A 复查 through the task queue does what the in-process one does (issue #15): after its crawl, the same
function (recheck.after_recheck_crawl) runs the unit's checks, moves its answered 整改 findings on (复核),
tells the unit and the office, and photographs what is still there; and the recheck request ends with the
job, carrying its result, not when it is enqueued.

Two PostgreSQL databases in the same state (the demo unit crawled and checked, a notice issued, two of its
findings answered 已整改 though nothing was fixed): one rechecked in-process (`process_queue`, as the
scheduler without a queue does), one through a real `portalcheck worker`; their effects are compared."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

import scheduler
from portalcheck.core.config import Config, load_config
from portalcheck.demo import DemoServer
from portalcheck.service import rectification as loop
from portalcheck.service.notify import wait_for_background
from storage.session import Store

from ..crawl.runner import query
from ..notify.receivers import Robots
from ..scheduler.helpers import cli, wait_until
from .helpers import Worker, postgres_database, queue_config

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

UNIT = "县统计局"


def prepared(server: DemoServer, folder: Path, db_url: str, robots: Robots, *, queue: bool) -> Config:
    """The demo unit crawled and checked, a notice issued, two findings answered 已整改 (a recheck requested)."""
    folder.mkdir()
    path = queue_config(server, folder, db_url, units=(UNIT,))
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not queue:
        del data["queue"]
    data["notifications"] = {"units": {UNIT: [robots.wecom_url]}, "office": [robots.ding_url]}
    data["evidence"] = {"pictures_dir": "evidence", "timeout_seconds": 30}
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    for args in (("db", "upgrade"), ("crawl", "--unit", UNIT), ("check",)):
        done = cli(path, db_url, *args, timeout=600)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    config = load_config(path)
    store = Store(db_url)
    try:
        loop.issue_notice(store, config, "督查甲")
        answered = query(db_url, "SELECT f.id FROM findings f JOIN units u ON u.id = f.unit_id "
                                 "WHERE u.name = :u AND f.status IN ('new', 'open', 'regressed') "
                                 "ORDER BY f.rule, f.detail LIMIT 2", u=UNIT)
        assert len(answered) == 2
        for (finding_id,) in answered:
            loop.answer(store, config, "单位甲", UNIT, finding_id, "已整改", "已整改完毕")  # nothing was fixed
    finally:
        store.dispose()
    assert query(db_url, "SELECT status FROM recheck_requests") == [("pending",), ("pending",)]  # one per answer
    return config


def same_text(message: str) -> str:
    return re.sub(r"问题\d+", "问题#", message)  # the two databases' finding ids need not agree


def effects(db_url: str) -> dict[str, object]:
    """What a recheck leaves behind, by content (the two databases' ids need not agree)."""
    review = Counter(query(db_url, "SELECT f.rule, f.detail, e.old, e.new, e.note FROM finding_events e "
                                   "JOIN findings f ON f.id = e.finding_id WHERE e.kind = 'rectification' "
                                   "AND e.actor = '复核'"))
    pictures = Counter(query(db_url, "SELECT f.rule, f.detail, p.kind FROM finding_pictures p "
                                     "JOIN findings f ON f.id = p.finding_id"))  # taken or failed: both tried
    told = Counter((unit, kind, target, status, str(summary)) for unit, kind, target, status, summary in query(
        db_url, "SELECT unit_name, kind, target, status, summary FROM notification_log"))
    states = Counter(query(db_url, "SELECT rule, detail, status, rectification_state FROM findings"))
    [(status, result), second] = query(db_url, "SELECT status, result FROM recheck_requests ORDER BY id")
    assert second == (status, result)  # both requests of the unit were answered by the one recheck
    shown = {key: sorted((f["rule"], f["detail"]) for f in result[key]) for key in ("before", "after", "resolved",
                                                                                     "new")}
    return {"review": review, "pictures": pictures, "told": told, "states": states, "request": status,
            "result": shown, "result_ok": result["ok"]}


def test_a_queued_recheck_reviews_photographs_and_tells_the_unit_as_the_in_process_one_does(
        server: DemoServer, pg_url: str, tmp_path: Path) -> None:
    robots = Robots()
    other = postgres_database()
    in_process_url = next(other)
    try:
        # In-process: the scheduler without a queue works through the request itself.
        config = prepared(server, tmp_path / "in_process", in_process_url, robots, queue=False)
        store = Store(in_process_url)
        try:
            assert scheduler.process_queue(scheduler.Runtime(config, store)) == 1
            assert wait_for_background(120)
        finally:
            store.dispose()
        by_hand = effects(in_process_url)
        received_in_process = list(robots.texts())

        # Through the queue: the scheduler's poll enqueues the request, a worker runs it.
        config = prepared(server, tmp_path / "queued", pg_url, robots, queue=True)
        store = Store(pg_url)
        try:
            scheduler.run_job_with(scheduler.Runtime(config, store), "recheck_queue")
        finally:
            store.dispose()
        assert query(pg_url, "SELECT status FROM recheck_requests") == [("running",)] * 2  # not done at enqueue
        worker = Worker(config.source, pg_url, "w")
        try:
            worker.wait_running()
            wait_until(lambda: query(pg_url, "SELECT status FROM recheck_requests")[0][0] in ("done", "failed"),
                       600, lambda: worker.log[-4000:])
        finally:
            worker.stop()
        queued = effects(pg_url)
        received_queued = robots.texts()[len(received_in_process):]
    finally:
        next(other, None)
        robots.stop()

    # The in-process recheck did what a 复查 does: 复核 failed both answers, the unit and the office were
    # told, still-active findings photographed.
    assert sum(by_hand["review"].values()) == 2
    assert {new for (_, _, _, new, _) in by_hand["review"]} == {"复核未通过"}
    assert {(unit, kind, status) for unit, kind, _, status, _ in by_hand["told"]} == {
        (UNIT, "recheck", "sent"), (None, "recheck", "sent")}
    assert any(kind == "recheck" for _, _, kind in by_hand["pictures"])
    assert by_hand["request"] == "done" and by_hand["result_ok"]
    # The queued one did exactly the same.
    assert queued == by_hand
    assert len(received_queued) == len(received_in_process) == 2
    assert sorted(map(same_text, received_queued)) == sorted(map(same_text, received_in_process))
