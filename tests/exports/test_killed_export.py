"""A killed `portalcheck export` never replaces the previous file, and leaves nothing that looks like an export.

A real export subprocess over a store of 21,000 findings (streamed, as large exports are) is killed
with SIGKILL or SIGTERM at moments chosen by its progress on disk: as soon as its temporary file
appears, while rows are being written, and while the file itself is being written (the xlsx's zip,
the csv's last rows). The previous file must be byte for byte what it was and still open; the next
uninterrupted export removes what the killed one left and replaces the file.
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bench.exports import CONFIG, fill

from ..conftest import REPO, fresh_database

FINDINGS = 21_000  # above PER_UNIT_SHEETS_MAX: rows stream from the store while the file is written
MB = 1 << 20


@dataclass
class BigStore:
    config: Path
    db_url: str
    reference: dict[str, Path]  # an uninterrupted export of everything, per format


def _export(store_config: Path, db_url: str, fmt: str, out: Path, *extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PORTALCHECK_DATABASE_URL": db_url}
    return subprocess.Popen([sys.executable, "-m", "portalcheck.cli", "--config", str(store_config), "export",
                             "findings", "--format", fmt, "--out", str(out), "--from", "2000-01-01", *extra],
                            env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _finish(child: subprocess.Popen[bytes]) -> None:
    _, err = child.communicate(timeout=240)
    assert child.returncode == 0, err.decode()[-2000:]


@pytest.fixture(scope="module")
def big_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BigStore]:
    folder = tmp_path_factory.mktemp("killed-export")
    config = folder / "config.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    for db_url in fresh_database(folder):
        fill(db_url, FINDINGS, 40)
        reference = {fmt: folder / f"reference.{fmt}" for fmt in ("xlsx", "csv")}
        for fmt, path in reference.items():
            _finish(_export(config, db_url, fmt, path))
        yield BigStore(config, db_url, reference)


def _hidden(folder: Path, pid: int) -> list[Path]:
    """What the export with this pid has in progress: its temporary file and scratch folder."""
    return [p for p in folder.iterdir() if p.name.startswith(".") and f".pc{pid}-" in p.name]


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


Progress = Callable[[dict[str, int], int], bool]  # sizes of .part/.scratch so far, reference size → kill now?
MOMENTS: dict[str, Progress] = {
    "temporary file appears": lambda sizes, _: "part" in sizes,
    "rows being written": lambda sizes, _: sizes.get("scratch", 0) + sizes.get("part", 0) >= MB,
    "file being written": lambda sizes, ref: sizes.get("part", 0) >= (1 if "scratch" in sizes else ref * 0.7),
}


def _kill_when(child: subprocess.Popen[bytes], folder: Path, ready: Progress, reference_size: int,
               sig: signal.Signals) -> None:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        assert child.poll() is None, "the export finished before the moment to kill it"
        try:
            sizes = {p.suffix[1:]: _size(p) for p in _hidden(folder, child.pid)}
        except FileNotFoundError:  # the scratch folder is being emptied; look again
            continue
        if ready(sizes, reference_size):
            child.send_signal(sig)
            child.communicate(timeout=60)
            return
        time.sleep(0.002)
    raise AssertionError("the export never reached the moment to kill it")


def _opens(path: Path, fmt: str) -> int:
    """Rows of the findings list in the file (it must open as what it claims to be)."""
    if fmt == "xlsx":
        book = load_workbook(path, read_only=True)
        try:
            return book["问题清单"].max_row
        finally:
            book.close()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][0] == "单位"
    return len(rows)


# Each moment once, each format, each signal: a case costs three exports of 21,000 findings.
CASES = [("xlsx", moment, signal.SIGKILL) for moment in MOMENTS]
CASES += [("csv", "file being written", signal.SIGKILL), ("xlsx", "rows being written", signal.SIGTERM)]


@pytest.mark.parametrize(("fmt", "moment", "sig"), CASES, ids=[f"{f}-{m}-{s.name}" for f, m, s in CASES])
def test_killed_export_leaves_the_previous_file_intact(big_store: BigStore, tmp_path: Path, fmt: str, moment: str,
                                                       sig: signal.Signals) -> None:
    target = tmp_path / f"问题清单.{fmt}"
    _finish(_export(big_store.config, big_store.db_url, fmt, target, "--unit", "单位01"))  # yesterday's file
    before = target.read_bytes()
    old_rows = _opens(target, fmt)
    reference = big_store.reference[fmt]

    child = _export(big_store.config, big_store.db_url, fmt, target)
    _kill_when(child, tmp_path, MOMENTS[moment], reference.stat().st_size, sig)

    assert child.returncode != 0
    assert target.read_bytes() == before
    assert _opens(target, fmt) == old_rows
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith(".")] == [target.name]

    _finish(_export(big_store.config, big_store.db_url, fmt, target))
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # what the killed run left is gone
    assert _opens(target, fmt) == _opens(reference, fmt) == FINDINGS + 1
    if fmt == "csv":
        assert target.read_bytes() == reference.read_bytes()
