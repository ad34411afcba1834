"""interaction.no_channel from a crawl run's board facts: petitions alone are no consultation channel."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from checks.runner import run_checks
from portalcheck.core.config import Config
from storage.models import CrawlRun, Finding, Unit
from storage.session import Store

NOW = datetime(2026, 6, 30, 4, tzinfo=timezone.utc)


def config() -> Config:
    return Config.model_validate({"portal": {"name": "青山县人民政府门户网站", "home": "http://x/", "site_code": "3609990001"},
                                  "units": [{"name": "县人社局", "site": "http://x/bm/rsj/"}]})


def test_a_portal_with_only_a_petition_board_has_no_channel(store: Store) -> None:
    board = {"unit": "青山县人民政府门户网站", "name": "网上信访", "kind": "petition", "origin": "configured",
             "http_status": 200, "family": "qa_blocks"}
    with store.session() as session:
        session.add(Unit(name="青山县人民政府门户网站", kind="门户", site_url="http://x/"))
        session.add(CrawlRun(mode="full", started_at=NOW, status="finished",
                             counts={"spider": "messages", "boards": {"http://x/wsxf/": board}}))
    run_checks(store, config(), NOW, only=["interaction"])
    with store.session() as session:
        [finding] = session.scalars(select(Finding)).all()
    assert finding.detail == ("门户网站未开设有效的网上咨询建言渠道（未发现领导信箱、网上问政等咨询类栏目；"
                              "网上信访属专门渠道，不能替代咨询建言渠道）")


def test_without_a_board_crawl_the_channel_is_not_judged(store: Store) -> None:
    with store.session() as session:
        session.add(Unit(name="青山县人民政府门户网站", kind="门户", site_url="http://x/"))
    report = run_checks(store, config(), NOW, only=["interaction"])
    assert [(o.found, o.not_checked) for o in report.outcomes] == [(0, 1)]
