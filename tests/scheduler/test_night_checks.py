"""The night's checks run in a process of their own that has exited before the evidence pictures start: the
process that ends the night (a queue worker, the scheduler) never holds the checks' memory beside chromium
(issue #15). What they find, and an error that stops them, reach the night as before."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from portalcheck.core.config import load_config
from portalcheck.service.night_checks import JudgingFailed
from portalcheck.service.nightly import site_wide
from storage.session import Store
from tests.conftest import REPO, DemoCrawl
from tests.crawl.runner import query
from tests.web.conftest import copy_database, drop_database

# The end of a night as a worker runs it, watching its own children (read from /proc) while it runs: which
# kinds of process it started, and whether two kinds ever ran at once.
END_OF_NIGHT = r"""
import json, os, sys, threading, time
from portalcheck.core.config import load_config
from portalcheck.service.nightly import site_wide
from storage.session import Store

def children():
    kinds = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                if stat.read().rsplit(")", 1)[1].split()[1] != str(os.getpid()):
                    continue
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                args = cmdline.read().decode(errors="replace")
        except OSError:
            continue
        kinds |= {kind for kind, marker in (("checks", "night_checks"), ("browser", "playwright")) if marker in args}
    return frozenset(kinds)

seen, done = set(), threading.Event()
def watch():
    while not done.is_set():
        seen.add(children())
        time.sleep(0.02)
watcher = threading.Thread(target=watch)
watcher.start()
store = Store(sys.argv[2])
try:
    ok, counts = site_wide(load_config(sys.argv[1]), store)
finally:
    done.set()
    watcher.join()
print(json.dumps({"ok": ok, "counts": counts, "children": sorted(map(sorted, seen))}, default=str))
"""


@pytest.fixture
def night(demo_crawl: DemoCrawl, tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """The demo crawl's config in a folder of the test's own (logs, pictures, exports land here) and a copy of
    its store (the night's findings do not reach what other tests read)."""
    config = tmp_path / "config.yaml"
    config.write_text(demo_crawl.config.read_text(encoding="utf-8"), encoding="utf-8")
    url = copy_database(demo_crawl.db_url, tmp_path)
    yield config, url
    drop_database(url)


def test_the_nights_checks_run_in_a_process_of_their_own_then_the_pictures_and_exports(
        night: tuple[Path, str], tmp_path: Path) -> None:
    config, url = night
    done = subprocess.run([sys.executable, "-c", END_OF_NIGHT, str(config), url], cwd=REPO, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    night_end = json.loads(done.stdout.splitlines()[-1])
    assert ["checks"] in night_end["children"], "the checks ran in a child process"
    assert ["browser"] in night_end["children"], "the pictures were taken in a browser"
    assert ["browser", "checks"] not in night_end["children"], "the checks' process exits before the pictures"
    counts = night_end["counts"]
    assert night_end["ok"] and counts["checks"] and not counts["check_errors"]
    [(stored,)] = query(url, "SELECT count(*) FROM findings WHERE status IN ('new', 'open', 'regressed')")
    assert counts["open_findings"] == stored > 0
    assert "night checks done" in (tmp_path / "logs" / "night-checks.log").read_text(encoding="utf-8")
    assert counts["evidence"]["taken"] > 0 and not counts["evidence"].get("error"), counts["evidence"]
    assert counts["exports"], "the exports follow the pictures"


def test_a_config_broken_since_the_worker_started_fails_the_night_naming_its_line(
        night: tuple[Path, str]) -> None:
    config_path, url = night
    config = load_config(config_path)
    text = config_path.read_text(encoding="utf-8")
    config_path.write_text(text.replace("\ncrawl:", "\ncrawl:\n  concurrency_per_host: many"), encoding="utf-8")
    store = Store(url)
    try:
        with pytest.raises(JudgingFailed, match=r"config\.yaml:\d+: crawl\.concurrency_per_host"):
            site_wide(config, store)
    finally:
        store.dispose()
    assert not (config_path.parent / "exports").exists(), "no picture or export after checks that did not run"
