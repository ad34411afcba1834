"""The real-page fixtures are the original bytes of ../shared/samples, as tests/fixtures/samples/SOURCES.md says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import SHARED
from tests.crawler.responses import SAMPLES

ROW = re.compile(r"^\| (?P<fixture>[\w.-]+\.html) \| (?P<original>[^|(]+?)\s*(?:\([^|]*\))? \|$", re.M)


def _table() -> list[tuple[str, str]]:
    return [(m["fixture"], m["original"]) for m in ROW.finditer((SAMPLES / "SOURCES.md").read_text("utf-8"))]


def _original(path: str) -> Path:
    """The original named by a SOURCES.md row; '…' stands for the long title folder of an article."""
    found = sorted(SHARED.joinpath("samples").glob(path.replace("…", "*")))
    assert len(found) == 1, f"{path}: {len(found)} files match under {SHARED / 'samples'}"
    return found[0]


def test_sources_table_names_every_real_fixture() -> None:
    listed = {fixture for fixture, _ in _table()}
    real = {p.name for p in SAMPLES.glob("*.html") if not p.name.startswith("synthetic_")}
    assert listed == real and len(real) >= 16


@pytest.mark.parametrize(("fixture", "original"), _table(), ids=[f for f, _ in _table()])
def test_real_fixture_is_the_original_bytes(fixture: str, original: str) -> None:
    if not SHARED.joinpath("samples").is_dir():
        pytest.skip(f"{SHARED}/samples is not on this machine: the copies cannot be compared")
    assert (SAMPLES / fixture).read_bytes() == _original(original).read_bytes()
