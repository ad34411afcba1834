"""The exports a scheduled run writes."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from portalcheck.core.config import Config

log = logging.getLogger("portalcheck.scheduler")


def write_exports(config: Config, day: date) -> list[str]:
    """The findings list and the warnings (预警清单) in each configured format: a dated file, and the same as a
    stable name, so a unit reads in the morning what it will fail soon as well as what it failed.

    Each is written to a temporary name and renamed (portalcheck.exports.atomic), so a reader (or a stop
    mid-way) never sees half a file.
    """
    from portalcheck.exports import Period, export, export_findings

    period = Period.make(as_of=datetime.now(config.zone))
    found = current_warnings(config, period.as_of)
    written = []
    for fmt in config.schedule.export_formats:
        written += _dated(config, "findings", day, fmt, lambda path, fmt=fmt: export_findings(config, path, fmt=fmt))
        written += _dated(config, "warnings", day, fmt, lambda path, fmt=fmt: export(
            config, "warnings", path, fmt=fmt, period=period, warnings=found))
    return written


def _dated(config: Config, kind: str, day: date, fmt: str, write: Callable[[Path], object]) -> list[str]:
    from portalcheck.exports.atomic import replacing

    folder = config.exports_dir()
    dated, stable = folder / f"{kind}-{day.isoformat()}.{fmt}", folder / f"{kind}.{fmt}"
    write(dated)
    with replacing(stable) as partial:
        shutil.copyfile(dated, partial)
    return [str(dated), str(stable)]


def current_warnings(config: Config, as_of: datetime, units: list[str] | None = None) -> list[dict[str, Any]]:
    """The warnings at `as_of` (for `units`, None: all) as export rows (computed, never stored: checks.warnings)."""
    from checks.warnings import find_warnings
    from storage.session import Store

    store = Store(config.database_url())
    try:
        return [w.as_dict() for w in find_warnings(store, config, as_of, units)]
    finally:
        store.dispose()
