"""Availability probes through the day."""

from __future__ import annotations

import logging

from portalcheck.service.crawls import Runtime
from portalcheck.service.notify import alert_portal_unreachable
from portalcheck.service.runs import recorded

log = logging.getLogger("portalcheck.scheduler")


def probe(runtime: Runtime) -> str:
    from crawler.probe import run_probe_round

    with recorded(runtime.store, "probe", "probe round failed") as run:
        round_ = run_probe_round(runtime.config, runtime.store)
        run.counts = round_.counts()
    if run.failed:
        return "failed"
    alert_portal_unreachable(runtime.config, runtime.store,
                             [(r.target.site_id, r.reason_zh()) for r in round_.failed])  # in the background
    return "ok"
