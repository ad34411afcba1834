"""site.unreachable from real availability probes (`portalcheck probe` rounds) against loopback sites:
a site that times out in one round of four fails (25% ≥ 5%), a site that always answers passes, and
a site registered but never probed — or probed fewer times a day than the rule presumes — is said
to be "not checked" instead of being judged on nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from checks.runner import run_checks
from crawler.probe import ensure_sites, run_probe_round
from portalcheck.core.config import Config
from storage.models import Finding, Unit
from storage.session import Store

from ...conftest import fresh_database
from ...servers import FixtureServer, send
from .portal import SITE_CODE

ROUNDS = 4
PAGE = "<html><head><title>白鹤镇</title></head><body>白鹤镇人民政府</body></html>"


def config(base: str, units: list[tuple[str, str]], probes_per_day: int = ROUNDS, window_days: int = 1) -> Config:
    return Config.model_validate({
        "portal": {"name": "青山县人民政府门户网站", "home": f"{base}/", "site_code": SITE_CODE},
        "units": [{"name": name, "site": f"{base}{path}"} for name, path in units],
        "thresholds": {"availability_window_days": window_days, "probes_per_day": probes_per_day,
                       "probe_timeout_seconds": 1},
    })


def slow_once(state: dict[str, int]):  # type: ignore[no-untyped-def]
    def handle(handler) -> None:  # type: ignore[no-untyped-def]
        state["n"] = state.get("n", 0) + 1
        if state["n"] == 2:
            time.sleep(2)  # longer than the probe timeout: this round fails
        send(handler, 200, PAGE)
    return handle


@pytest.fixture(scope="module")
def probed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, str]]:
    folder: Path = tmp_path_factory.mktemp("probes")
    routes = {"/": PAGE, "/bhz/": slow_once({}), "/shx/": PAGE}
    with FixtureServer(routes) as server:
        for db_url in fresh_database(folder):
            store = Store(db_url)
            probing = config(server.base_url, [("白鹤镇", "/bhz/"), ("沙河乡", "/shx/")])
            for _ in range(ROUNDS):
                run_probe_round(probing, store)
            # 中坝乡 joins the config after the probes ran: its site exists but was never probed.
            ensure_sites(store, config(server.base_url, [("白鹤镇", "/bhz/"), ("沙河乡", "/shx/"), ("中坝乡", "/zbx/")]))
            try:
                yield store, server.base_url
            finally:
                store.dispose()


def check(probed: tuple[Store, str], probes_per_day: int = ROUNDS, window_days: int = 1,  # type: ignore[no-untyped-def]
          later: timedelta = timedelta(minutes=1)):
    store, base = probed
    units = [("白鹤镇", "/bhz/"), ("沙河乡", "/shx/"), ("中坝乡", "/zbx/")]
    report = run_checks(store, config(base, units, probes_per_day, window_days), datetime.now(UTC) + later,
                        only=["site.unreachable"])
    with store.session() as session:
        found = {name: detail for name, detail in session.query(Unit.name, Finding.detail)
                 .join(Unit, Unit.id == Finding.unit_id).filter(Finding.status != "resolved")}
    return found, report.not_checked


def test_site_timing_out_in_one_round_of_four_is_unreachable(probed) -> None:  # type: ignore[no-untyped-def]
    found, _ = check(probed)
    assert found["白鹤镇"] == "白鹤镇近1天监测4次，访问失败1次，失败率25.0%（达到5%即单项否决）"


def test_site_answering_every_probe_passes(probed) -> None:  # type: ignore[no-untyped-def]
    found, _ = check(probed)
    assert "沙河乡" not in found and "青山县人民政府门户网站" not in str(found)


def test_site_never_probed_is_not_checked(probed) -> None:  # type: ignore[no-untyped-def]
    found, skipped = check(probed)
    assert "中坝乡" not in found
    assert any("中坝乡" in s.reason and "无可用性监测记录" in s.reason for s in skipped)


def test_too_few_probes_a_day_are_reported_as_insufficient(probed) -> None:  # type: ignore[no-untyped-def]
    # Checked tomorrow over two days, today is a whole day of the window with 4 probes, not 20.
    _, skipped = check(probed, probes_per_day=20, window_days=2, later=timedelta(days=1))
    assert any("沙河乡" in s.reason and "监测不充分" in s.reason for s in skipped)
