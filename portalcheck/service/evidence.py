"""证据截图: after a check run (nightly or 复查), photograph what the findings a picture proves are about.

Which findings, on which page, outlining what, is decided here from the store; crawler.evidence_shots drives
chromium. Pictures are kept content-addressed (sha256 of the PNG) under evidence.pictures_dir and referenced
from finding_pictures; a shot that fails is a row with its error and no file. At most evidence.per_night_cap
pictures per local date, new findings first. Nothing here raises into the night: every failure is logged and
returned in the counts.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
import time as time_module
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import case, delete, func, select

from crawler.evidence_shots import Picture, Shot
from portalcheck.core.config import Config
from portalcheck.exports.pictures import PICTURE_NAME
from storage.models import ACTIVE_STATUSES, Finding, FindingPicture, ListItem
from storage.session import Store

log = logging.getLogger("portalcheck.evidence")

EVIDENCE_RULES = ("column.stale", "column.blank", "footer.site_code", "page.no_error_report",
                  "content.serious_error", "content.sensitive", "link.dead", "content.garbled")
MAX_FIRST_ATTEMPTS = 3  # a finding whose first picture failed this often is left without one
# Where a blank column's (empty) list would be: the list area, outlined whole.
LIST_AREA = ["[role=viewlist]", ".list_base", ".no-data", ".list-box", ".news-list", "#list", ".list",
             ".content", "#content", "main", ".main"]

Taker = Callable[[list[Shot], str | None, float], list[Picture]]
# Debian's chromium-headless-shell (Chromium's old headless mode, no browser behind it; Playwright's own choice
# for headless pages): the same engine and pictures at about half chromium's memory and ~3× the speed
# (bench.evidence_memory, 40 shots over 40 hosts: PSS 242 vs 459 MB, 15 vs 44–55 s). The binary, not its
# /usr/bin wrapper (a shell that stays between Playwright and the browser).
HEADLESS_SHELL = ("/usr/lib/chromium/chromium-headless-shell", "chromium-headless-shell")


def _newest_item(session: Any, finding: Finding) -> tuple[list[str], str | None]:
    """Needles for a stale column's newest item: its date as the list shows it, the ISO date, its title."""
    ev = finding.evidence or {}
    query = select(ListItem.raw_date, ListItem.title).where(ListItem.column_id == finding.column_id)
    if ev.get("newest"):
        query = query.where(ListItem.published_on == date.fromisoformat(ev["newest"][:10]))
    row = session.execute(query.order_by(ListItem.list_page, ListItem.position).limit(1)).first()
    needles = []
    if row and row.raw_date:
        needles.append(row.raw_date.strip())
    if ev.get("newest"):
        needles.append(ev["newest"][:10])
    if row and row.title:
        needles.append(row.title.strip()[:40])
    return [n for n in dict.fromkeys(needles) if n], None


def plan_shot(session: Any, finding: Finding, home: str | None = None) -> Shot | None:
    """The page to open and what to outline on it for one finding; None when the finding names no page."""
    ev = finding.evidence or {}
    rule = finding.rule
    if rule == "column.stale" and finding.url:
        needles, _ = _newest_item(session, finding)
        if not needles:
            return Shot(finding.id, finding.url, "block", selectors=LIST_AREA)
        return Shot(finding.id, finding.url, "text", needles[0], fallback_needles=needles[1:])
    if rule == "column.blank" and finding.url:
        return Shot(finding.id, finding.url, "block", selectors=LIST_AREA)
    if rule in ("footer.site_code", "page.no_error_report"):
        samples = [s.get("url") for s in ev.get("samples") or [] if s.get("url")]
        return Shot(finding.id, samples[0], "footer") if samples else None
    if rule == "content.serious_error" and finding.url and ev.get("wrong"):
        return Shot(finding.id, finding.url, "text", ev["wrong"], fallback_needles=list(ev.get("sentences") or []))
    if rule == "content.sensitive" and finding.url and ev.get("words"):
        words = list(ev["words"])
        return Shot(finding.id, finding.url, "text", words[0],
                    fallback_needles=words[1:] + list(ev.get("sentences") or []))
    if rule == "content.garbled" and finding.url and (ev.get("markers") or ev.get("snippets")):
        needles = sorted(ev.get("markers") or [], key=len, reverse=True) + list(ev.get("snippets") or [])
        return Shot(finding.id, finding.url, "text", needles[0], fallback_needles=needles[1:])
    if rule == "link.dead" and (ev.get("target") or finding.url):
        pages = list(ev.get("pages") or [])
        if not pages:
            return None
        page = home if ev.get("on_home") and home in pages else pages[0]
        return Shot(finding.id, page, "link", ev.get("target") or finding.url)
    return None


def store_png(folder: Path, png: bytes) -> tuple[str, str]:
    """Write the PNG once under its sha256 (ab/abcdef….png); returns (sha256, path relative to folder)."""
    digest = hashlib.sha256(png).hexdigest()
    relative = f"{digest[:2]}/{digest}.png"
    target = folder / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, delete=False, suffix=".part") as out:
            out.write(png)
        os.replace(out.name, target)
    return digest, relative


def _local_day_start(config: Config, now: datetime) -> datetime:
    local = now.astimezone(config.zone)
    return datetime.combine(local.date(), time(0), tzinfo=config.zone).astimezone(timezone.utc)


def taken_today(session: Any, config: Config, now: datetime) -> int:
    return session.scalar(select(func.count(FindingPicture.id))
                          .where(FindingPicture.taken_at >= _local_day_start(config, now))) or 0


def first_candidates(session: Any, finding_ids: Iterable[int] | None = None) -> list[Finding]:
    """Active findings of the picture rules without a picture yet: new ones first, then regressed, then
    open (older findings made before pictures existed), the most recently seen first."""
    has_picture = select(FindingPicture.finding_id).where(FindingPicture.sha256.is_not(None))
    attempts = (select(FindingPicture.finding_id).where(FindingPicture.kind == "first")
                .group_by(FindingPicture.finding_id).having(func.count(FindingPicture.id) >= MAX_FIRST_ATTEMPTS))
    query = (select(Finding).where(Finding.rule.in_(EVIDENCE_RULES), Finding.status.in_(ACTIVE_STATUSES),
                                   Finding.id.not_in(has_picture), Finding.id.not_in(attempts))
             .order_by(case((Finding.status == "new", 0), (Finding.status == "regressed", 1), else_=2),
                       Finding.first_seen.desc(), Finding.id))
    if finding_ids is not None:
        query = query.where(Finding.id.in_(list(finding_ids)))
    return list(session.scalars(query))


def take_pictures(config: Config, store: Store, *, kind: str = "first", finding_ids: Iterable[int] | None = None,
                  now: datetime | None = None,
                  taker: Taker | None = None) -> dict[str, Any]:
    """Photograph tonight's findings (kind first: those without a picture, or those of `finding_ids`; kind
    recheck: `finding_ids`, still active after a 复查), then prune; returns the figures for the run's record."""
    now = now or datetime.now(timezone.utc)
    counts: dict[str, Any] = {"taken": 0, "failed": 0, "left_for_cap": 0}
    cap = config.evidence.per_night_cap
    chromium = pictures_browser(config)
    try:
        with store.session() as session:
            if kind == "recheck":
                ids = list(finding_ids or [])
                findings = list(session.scalars(select(Finding).where(
                    Finding.id.in_(ids), Finding.rule.in_(EVIDENCE_RULES), Finding.status.in_(ACTIVE_STATUSES))
                    .order_by(Finding.id))) if ids else []
            else:
                findings = first_candidates(session, None if finding_ids is None else list(finding_ids))
            budget = max(0, cap - taken_today(session, config, now))
            home = str(config.portal.home)
            planned = []  # a finding that names no page takes no slot of the cap
            for finding in findings:
                if len(planned) > budget:
                    break
                if (shot := plan_shot(session, finding, home)) is not None:
                    planned.append(shot)
            shots = planned[:budget]
            counts["left_for_cap"] = max(0, len(findings) - budget) if len(planned) > budget else 0
            session.expunge_all()
        if shots and not chromium:
            counts["error"] = "no_chromium"
            return counts
        if shots:
            started = time_module.perf_counter()
            pictures = (taker or chromium_taker)(shots, chromium, config.evidence.timeout_seconds)
            counts.update(record(config, store, pictures, kind, now))
            counts["seconds"] = round(time_module.perf_counter() - started, 1)
        counts["pruned"] = prune(config, store, now)
    except Exception as exc:  # chromium would not start, the disk is full: the night's checks stand
        log.exception("evidence pictures failed")
        counts["error"] = f"{type(exc).__name__}: {exc}"[:200]
    return counts


def pictures_browser(config: Config) -> str | None:
    """The browser the pictures are taken in: crawl.chromium_path when the deployment names one, else the
    headless shell when installed (the night's end job's memory, issue #15), else Debian's chromium."""
    if config.crawl.chromium_path:
        return config.crawl.chromium_path
    for name in HEADLESS_SHELL:
        if found := shutil.which(name):
            return found
    return shutil.which("chromium")


def chromium_taker(shots: list[Shot], chromium: str | None, timeout_s: float) -> list[Picture]:
    """Playwright's sync API refuses to run in a thread with a running asyncio loop (the workspace's, a
    caller's Playwright): the browser is driven from a thread of its own."""
    from concurrent.futures import ThreadPoolExecutor

    from crawler.evidence_shots import take

    with ThreadPoolExecutor(1, thread_name_prefix="evidence") as pool:
        return pool.submit(take, shots, chromium, timeout_s).result()


def record(config: Config, store: Store, pictures: list[Picture], kind: str, now: datetime) -> dict[str, int]:
    """Files written, one finding_pictures row per shot (a failed one with its error and no file)."""
    folder = config.pictures_dir()
    rows = []
    for picture in pictures:
        row = FindingPicture(finding_id=picture.shot.key, kind=kind, taken_at=now, page_url=picture.shot.url)
        if picture.png is not None and picture.box is not None and picture.clip is not None:
            row.sha256, row.path = store_png(folder, picture.png)
            row.box_x, row.box_y = picture.box["x"], picture.box["y"]
            row.box_w, row.box_h = picture.box["width"], picture.box["height"]
            row.clip_x, row.clip_y = picture.clip["x"], picture.clip["y"]
            row.clip_w, row.clip_h = picture.clip["width"], picture.clip["height"]
        else:
            row.error = (picture.error or "not_taken")[:200]
        rows.append(row)
    with store.session() as session:
        session.add_all(rows)
    return {"taken": sum(1 for r in rows if r.sha256), "failed": sum(1 for r in rows if not r.sha256)}


def prune(config: Config, store: Store, now: datetime) -> dict[str, int]:
    """Rows older than evidence.retention_days go (except the newest picture of a still-active finding), then
    every picture file no kept row references."""
    cutoff = now - timedelta(days=config.evidence.retention_days)
    with store.session() as session:
        newest: dict[int, tuple[datetime, int]] = {}
        for finding_id, picture_id, taken_at in session.execute(
                select(FindingPicture.finding_id, FindingPicture.id, FindingPicture.taken_at)
                .join(Finding, Finding.id == FindingPicture.finding_id)
                .where(Finding.status.in_(ACTIVE_STATUSES), FindingPicture.sha256.is_not(None))):
            newest[finding_id] = max(newest.get(finding_id, (taken_at, picture_id)), (taken_at, picture_id))
        kept_newest = {picture_id for _, picture_id in newest.values()}
        old = [i for i in session.scalars(select(FindingPicture.id).where(FindingPicture.taken_at < cutoff))
               if i not in kept_newest]
        for start in range(0, len(old), 500):
            session.execute(delete(FindingPicture).where(FindingPicture.id.in_(old[start:start + 500])))
        referenced = set(session.scalars(select(FindingPicture.sha256).where(FindingPicture.sha256.is_not(None))
                                         .distinct()))
    files = 0
    folder = config.pictures_dir()
    if folder.is_dir():
        for path in folder.glob("*/*.png"):
            if PICTURE_NAME.match(path.name) and path.stem not in referenced:
                path.unlink(missing_ok=True)
                files += 1
    return {"rows": len(old), "files": files}
