"""The night's checks run in a process of their own that has exited before the evidence pictures start: the
process that ends the night (a queue worker, the scheduler) never holds the checks' memory beside chromium, and
the pictures' driver runs with a small node heap that no other child inherits (issue #15). What the checks find,
and an error that stops them, reach the night as before."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from portalcheck.core.child_env import child_env, set_while_starting
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
from portalcheck.core.child_env import child_env, set_while_starting
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
            with open(f"/proc/{pid}/environ", "rb") as environ:
                small = b"--jitless" in environ.read()
        except OSError:
            continue
        kinds |= {kind for kind, marker in (("checks", "night_checks"), ("browser", "playwright")) if marker in args}
        kinds |= {"small heap"} if small and "playwright" in args else set()
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
print(json.dumps({"ok": ok, "counts": counts, "children": sorted(map(sorted, seen)),
                  "node_options_left": os.environ.get("NODE_OPTIONS")}, default=str))
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
    assert ["browser", "small heap"] in night_end["children"], "the pictures' driver ran with node's small heap"
    assert not [kinds for kinds in night_end["children"] if "checks" in kinds and "browser" in kinds], (
        "the checks' process exits before the pictures")
    assert night_end["node_options_left"] is None, "the driver's options were set for its start only"
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


def test_a_child_started_while_the_drivers_options_are_set_waits_and_never_inherits_them() -> None:
    started = threading.Event()
    seen: list[dict[str, str]] = []

    def start_a_crawl() -> None:
        started.wait(5)
        seen.append(child_env(PORTALCHECK_ROLE="crawl"))

    crawl = threading.Thread(target=start_a_crawl)
    crawl.start()
    with set_while_starting(NODE_OPTIONS="--jitless"):
        assert os.environ["NODE_OPTIONS"] == "--jitless"
        started.set()
        crawl.join(0.5)
        assert crawl.is_alive() and not seen, "the crawl's environment waits for the driver's start"
    crawl.join(5)
    assert seen[0]["PORTALCHECK_ROLE"] == "crawl" and seen[0].get("NODE_OPTIONS") == os.environ.get("NODE_OPTIONS")
    assert "--jitless" not in os.environ.get("NODE_OPTIONS", "")
