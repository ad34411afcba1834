"""Reading evidence pictures (finding_pictures) for the exports and the workspace: which files prove which
finding. Taking them is portalcheck.service.evidence's."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import select

from portalcheck.core.config import Config
from storage.models import FindingPicture
from storage.session import Store

PICTURE_NAME = re.compile(r"^[0-9a-f]{64}\.png$")
KIND_ZH = {"first": "发现时", "recheck": "复查时"}


def pictures_of(store: Store, finding_ids: Iterable[int]) -> dict[int, list[FindingPicture]]:
    """Each finding's picture rows, newest first (taken ones and failed ones)."""
    ids = list(finding_ids)
    out: dict[int, list[FindingPicture]] = {}
    if not ids:
        return out
    with store.session() as session:
        for start in range(0, len(ids), 500):
            rows = session.scalars(select(FindingPicture).where(FindingPicture.finding_id.in_(ids[start:start + 500]))
                                   .order_by(FindingPicture.taken_at.desc(), FindingPicture.id.desc()))
            for row in rows:
                out.setdefault(row.finding_id, []).append(row)
        session.expunge_all()
    return out


def latest_taken(store: Store, finding_ids: Iterable[int]) -> dict[int, FindingPicture]:
    """Each finding's newest picture that was taken (a file exists for it)."""
    return {fid: next(r for r in rows if r.sha256) for fid, rows in pictures_of(store, finding_ids).items()
            if any(r.sha256 for r in rows)}


def picture_file(config: Config, picture: FindingPicture) -> Path | None:
    """The PNG on disk of a taken picture, or None (failed shot, pruned or tampered path)."""
    if not picture.sha256 or not picture.path:
        return None
    folder = config.pictures_dir().resolve()
    path = (folder / picture.path).resolve()
    if path.parent.parent != folder or not PICTURE_NAME.match(path.name) or path.stem != picture.sha256:
        return None
    return path if path.is_file() else None


def newest_picture_paths(store: Store) -> dict[int, str]:
    """finding id → path (relative to pictures_dir) of its newest taken picture, for every finding."""
    with store.session() as session:
        rows = session.execute(select(FindingPicture.finding_id, FindingPicture.path)
                               .where(FindingPicture.sha256.is_not(None))
                               .order_by(FindingPicture.finding_id, FindingPicture.taken_at, FindingPicture.id))
        return {finding_id: path for finding_id, path in rows}
