"""The network probes of a host within the availability window, newest last (site.ipv6, site.https)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from checks.base import CheckContext
from storage.models import NetworkProbe, Site


@dataclass
class HostRounds:
    host: str
    unit_id: int | None
    url: str
    name: str
    rounds: list[tuple[datetime, dict[str, Any]]]

    @property
    def latest(self) -> dict[str, Any]:
        return self.rounds[-1][1]


def host_rounds(ctx: CheckContext, kind: str) -> list[HostRounds]:
    start = ctx.as_of - timedelta(days=ctx.thresholds.availability_window_days)
    rows = ctx.session.execute(
        select(NetworkProbe.host, NetworkProbe.probed_at, NetworkProbe.facts, Site.unit_id, Site.url, Site.name)
        .join(Site, Site.id == NetworkProbe.site_id)
        .where(NetworkProbe.kind == kind, NetworkProbe.probed_at > start, NetworkProbe.probed_at <= ctx.as_of,
               ctx.unit_filter(Site.unit_id))
        .order_by(NetworkProbe.host, NetworkProbe.probed_at, NetworkProbe.id)
    ).all()
    found: dict[str, HostRounds] = {}
    for host, at, facts, unit_id, url, name in rows:
        entry = found.setdefault(host, HostRounds(host, unit_id, url, name, []))
        entry.unit_id, entry.url, entry.name = unit_id, url, name  # the newest round names the host
        entry.rounds.append((at, facts))
    return list(found.values())
