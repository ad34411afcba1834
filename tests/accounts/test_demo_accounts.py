"""`portalcheck crawl` on the demo portal reads its accounts through chromium — feeds and the Weibo
API stand-in — and the checks give the demo's answer key: fresh accounts pass, 20 days silent fails,
400 days silent is also dormant, a closed account is unreachable, a blocked one is not checked."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from portalcheck.core.config import load_config
from portalcheck.exports.accounts import accounts_table
from storage.models import Finding, Unit
from storage.session import Store
from tests.conftest import DemoCrawl

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture(scope="module")
def crawled(demo_crawl: DemoCrawl) -> tuple[Path, str, list[dict]]:
    """The session's demo crawl (tests/conftest.py: demo_crawl), which read the nine accounts."""
    assert "政务新媒体采集：9个账号，正常7个，账号不存在或已关闭1个，未能检查1个" in demo_crawl.crawl.stderr
    return demo_crawl.config, demo_crawl.db_url, [t for t in demo_crawl.portal.truth() if "account" in t]


def test_demo_account_findings_are_the_answer_key(crawled: tuple[Path, str, list[dict]]) -> None:
    path, db_url, truth = crawled
    config = load_config(path)
    store = Store(db_url)
    try:
        with store.session() as session:  # the session's check run judged the accounts
            found = {(f.rule, name) for f, name in session.query(Finding, Unit.name).join(Unit)
                     if f.rule.startswith("account.")}
        expected = {(t["rule"], t["unit"]) for t in truth if t["rule"].startswith("account.")}
        assert found == expected
        assert ("account.dormant", "县财政局") in found and ("account.not_updated", "沙河乡") in found
        ok_units = {t["unit"] for t in truth if t["rule"] == "expected_ok"}
        table = accounts_table(store, config, date.today() - timedelta(days=30), date.today(), datetime.now(UTC))
        verdicts = {r["unit"]: r["verdict"] for r in table["rows"]}
        assert {u for u, v in verdicts.items() if v == "合格"} == ok_units
        assert table["dormant_units"] == ["县财政局"]
        # A closed account fails (account.unreachable); a blocked one is not checked and stays out of the rate.
        assert verdicts["县发改局"] == "不合格" and verdicts["县统计局"] == "未检查"
        assert ("account.not_updated", "县统计局") not in found
        checked = [v for v in verdicts.values() if v != "未检查"]
        assert (table["totals"]["accounts"], table["totals"]["qualified"]) == (9, len(ok_units))
        assert table["totals"]["rate"] == round(100 * len(ok_units) / len(checked))
    finally:
        store.dispose()
