"""Availability probes through the day."""

from __future__ import annotations

import logging

from portalcheck.service.crawls import Runtime
from portalcheck.service.notify import alert_portal_unreachable
from portalcheck.service.runs import cause, finish_run, start_run

log = logging.getLogger("portalcheck.scheduler")


def probe(runtime: Runtime) -> str:
    from crawler.probe import run_probe_round

    run_id = start_run(runtime.store, "probe")
    try:
        round_ = run_probe_round(runtime.config, runtime.store)
    except Exception as exc:
        log.exception("probe round failed")
        finish_run(runtime.store, run_id, "failed", error=cause(exc))
        return "failed"
    finish_run(runtime.store, run_id, "ok", round_.counts())
    alert_portal_unreachable(runtime.config, runtime.store,
                             [(r.target.site_id, r.reason_zh()) for r in round_.failed])  # in the background
    return "ok"
