"""The exports a scheduled run writes."""

from __future__ import annotations

import logging
import shutil
from datetime import date

from portalcheck.core.config import Config

log = logging.getLogger("portalcheck.scheduler")


def write_exports(config: Config, day: date) -> list[str]:
    """The findings list in each configured format: a dated file, and the same as a stable name.

    Each is written to a temporary name and renamed (portalcheck.exports.atomic), so a reader (or a stop
    mid-way) never sees half a file.
    """
    from portalcheck.exports import export_findings
    from portalcheck.exports.atomic import replacing

    folder = config.exports_dir()
    written = []
    for fmt in config.schedule.export_formats:
        dated = folder / f"findings-{day.isoformat()}.{fmt}"
        stable = folder / f"findings.{fmt}"
        export_findings(config, dated, fmt=fmt)
        with replacing(stable) as partial:
            shutil.copyfile(dated, partial)
        written += [str(dated), str(stable)]
    return written
