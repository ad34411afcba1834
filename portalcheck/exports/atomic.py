"""Every export file is written beside its target under a hidden temporary name and renamed over it.

An export killed half-way (SIGKILL, SIGTERM, a full disk, an exception) must never replace
yesterday's good file with a truncated one: the rename happens only once the new file is complete
and on disk. The temporary name starts with '.' and ends in `.part`, so it never looks like a real
export; one left by a killed run is removed by the next export into the same folder, and so is
the `.scratch` folder beside it where a writer keeps its own working files (XlsxWriter's rows).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_PART = re.compile(r"^\..+\.pc(\d+)-[0-9a-f]{8}\.(?:part|scratch)$")


def temporary_name(path: Path) -> Path:
    """`.<name>.pc<pid>-<random>.part` in the target's folder (a rename within one file system)."""
    return path.with_name(f".{path.name}.pc{os.getpid()}-{secrets.token_hex(4)}.part")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def sweep(folder: Path) -> list[Path]:
    """Remove the temporary files that killed exports left in `folder` (their writer is gone)."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return removed
    for entry in entries:
        match = _PART.match(entry.name)
        if not match or _alive(int(match.group(1))) or entry.is_symlink():
            continue
        if entry.is_dir():
            shutil.rmtree(entry.path, ignore_errors=True)
        else:
            Path(entry.path).unlink(missing_ok=True)
        removed.append(Path(entry.path))
    return removed


@contextmanager
def scratch_folder(temporary: Path) -> Iterator[Path]:
    """A hidden folder beside a temporary export for the writer's working files, removed after."""
    folder = temporary.with_suffix(".scratch")
    folder.mkdir()
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _fsync(path: Path, *, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0))
    try:
        os.fsync(fd)
    except OSError:
        if not directory:  # some file systems cannot sync a folder; the file itself must be synced
            raise
    finally:
        os.close(fd)


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """Yield a temporary path to write the export to; on success it replaces `path` atomically.

    The file is fsynced before the rename and the folder after it, so after a crash the target is
    either the old file or the complete new one. On any error (KeyboardInterrupt and SystemExit
    included) the temporary file is removed and `path` is left as it was.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    sweep(path.parent)
    temporary = temporary_name(path)
    os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))  # umask applies, as for any file
    try:
        yield temporary
        _fsync(temporary)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync(path.parent, directory=True)
