"""Columns whose lists the page's scripts draw are read as a browser shows them, on any column (discovered here,
none configured `render: js`): counted, judged fresh, never blank; a column drawn empty because its API failed is
"not checked"; how each column was read is stored, exported (读取方式), and a nightly run renders a known
script-drawn column at once instead of detecting it again."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from checks.base import NotChecked
from checks.runner import run_checks
from portalcheck.core.config import load_config
from portalcheck.exports import export
from portalcheck.exports.common import Period
from storage.session import Store

from ..checks.crawled.portal import _findings, _ids
from ..clock import frozen_at
from ..conftest import fresh_database
from ..servers import FixtureServer
from .fixture_site import write_config
from .runner import crawl, query
from .script_site import (
    EMPTY_NOTE,
    MOMENT,
    NEWS,
    NOTICE_API,
    NOTICES,
    PERSONNEL_API,
    PLANS,
    POLICIES,
    SITE,
    routes,
    static_list,
)

pytestmark = pytest.mark.browser
AS_OF = MOMENT + timedelta(hours=1)


@dataclass
class Crawled:
    db_url: str
    base: str
    first_run: list[tuple[str, str]]  # (method, path) the server saw during the first crawl
    second_run: list[tuple[str, str]]  # … during the following incremental crawl
    full_again: list[tuple[str, str]]  # … during a later full crawl, 通知公告 now served as a static list
    modes_after_first: dict[str, str]  # columns.read_mode after the first crawl
    modes_after_full: dict[str, str]
    findings: list[dict]
    not_checked: list[NotChecked]
    column_ids: dict[str, set[int]]
    export_rows: list[dict]

    def items(self, column: str) -> list[tuple[str, date | None]]:
        rows = query(self.db_url, """SELECT i.title, i.published_on FROM list_items i JOIN columns c
                                     ON c.id = i.column_id WHERE c.name = :n ORDER BY i.position""", n=column)
        return [(title, day if isinstance(day, date) or day is None else date.fromisoformat(day))
                for title, day in rows]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    folder = tmp_path_factory.mktemp("script_site")
    with frozen_at(MOMENT), FixtureServer(routes()) as server, pytest.MonkeyPatch.context() as patch:
        config = write_config(folder, server.base_url, [("白鹤镇", "乡镇", SITE)], "incremental_revisit_fraction: 0")
        for db_url in fresh_database(folder):
            result = crawl(config, db_url, "--full")
            assert result.returncode == 0, result.stderr[-3000:]
            first = list(server.log)
            first_modes = read_modes(db_url)
            patch.setenv("PORTALCHECK_DATABASE_URL", db_url)
            store = Store(db_url)
            try:
                report = run_checks(store, load_config(config), AS_OF, only=["column.stale", "column.blank"])
                findings, (_, column_ids) = _findings(store), _ids(store)
            finally:
                store.dispose()
            out = export(load_config(config), "columns", folder / "columns.json", fmt="json",
                         period=Period.make(as_of=AS_OF))
            rows = json.loads(out.read_text(encoding="utf-8"))["tables"]["columns"]["rows"]
            server.log.clear()
            again = crawl(config, db_url)
            assert again.returncode == 0, again.stderr[-3000:]
            second = list(server.log)
            server.log.clear()
            server.routes[SITE + "tzgg/"] = static_list("通知公告", NOTICES)  # the site went back to static lists
            full = crawl(config, db_url, "--full")
            assert full.returncode == 0, full.stderr[-3000:]
            modes = read_modes(db_url)
            server.routes[SITE + "tzgg/"] = routes()[SITE + "tzgg/"]
            yield Crawled(db_url, server.base_url, first, second, list(server.log), first_modes, modes, findings,
                          report.not_checked, column_ids, rows)


def read_modes(db_url: str) -> dict[str, str]:
    return dict(query(db_url, "SELECT name, read_mode FROM columns WHERE name != '首页'"))


def expected(found: list[dict[str, str]]) -> list[tuple[str, date]]:
    return [(r["title"], date.fromisoformat(r["date"])) for r in found]


def test_inline_records_looped_into_the_page_are_counted_with_their_dates(crawled: Crawled) -> None:
    assert crawled.items("工作动态") == expected(NEWS)


def test_template_filled_from_a_json_search_api_is_counted_with_its_dates(crawled: Crawled) -> None:
    assert crawled.items("通知公告") == expected(NOTICES)


def test_list_written_from_an_xml_dataproxy_answer_is_counted_with_its_dates(crawled: Crawled) -> None:
    assert crawled.items("政策文件") == expected(POLICIES)


def test_script_drawn_columns_are_judged_fresh_never_stale_or_blank(crawled: Crawled) -> None:
    judged = {(f["rule"], f["column"]) for f in crawled.findings}
    for column in ("工作动态", "通知公告", "政策文件", "规划计划"):
        assert ("column.stale", column) not in judged and ("column.blank", column) not in judged


def test_a_column_whose_data_api_answers_500_is_not_checked_never_blank(crawled: Crawled) -> None:
    assert crawled.items("人事信息") == []
    assert not [f for f in crawled.findings if f["column"] == "人事信息"]
    ids = crawled.column_ids["人事信息"]
    skipped = {n.rule: n.reason for n in crawled.not_checked if n.column_id in ids}
    assert set(skipped) == {"column.blank", "column.stale"}
    assert "render_failed: http_500" in skipped["column.blank"] and PERSONNEL_API in skipped["column.blank"]


def test_how_each_column_was_read_is_stored_and_exported_as_读取方式(crawled: Crawled) -> None:
    assert crawled.modes_after_first == {"工作动态": "rendered", "通知公告": "rendered", "政策文件": "rendered",
                      "人事信息": "rendered_failed", "规划计划": "static", "财政信息": "rendered"}
    shown = {row["column"]: row["read_mode"] for row in crawled.export_rows}
    assert shown == {"工作动态": "浏览器渲染", "通知公告": "浏览器渲染", "政策文件": "浏览器渲染",
                     "人事信息": "渲染失败", "规划计划": "静态", "财政信息": "浏览器渲染"}


def test_first_crawl_reads_a_script_column_as_served_then_rendered(crawled: Crawled) -> None:
    assert crawled.first_run.count(("GET", SITE + "tzgg/")) == 2
    assert crawled.first_run.count(("GET", SITE + "ghjh/")) == 1  # static items: never rendered
    assert sum(1 for _, path in crawled.first_run if path.startswith(NOTICE_API)) == 1


def test_nightly_crawl_renders_a_known_script_column_at_once_without_static_redetection(crawled: Crawled) -> None:
    for column in ("gzdt/", "tzgg/", "zcwj/", "rsxx/"):
        assert crawled.second_run.count(("GET", SITE + column)) == 1, column
    assert sum(1 for _, path in crawled.second_run if path.startswith(NOTICE_API)) == 1  # drawn by chromium
    assert crawled.items("通知公告") == expected(NOTICES)
    visits = dict(query(crawled.db_url, """SELECT c.name, v.status FROM column_visits v JOIN columns c
                                           ON c.id = v.column_id WHERE v.run_id = (SELECT max(run_id)
                                           FROM column_visits)"""))
    assert visits["通知公告"] == "full" and visits["人事信息"] == "not_seen"
    assert crawled.items("规划计划") == expected(PLANS)


def test_a_note_the_script_draws_keeps_the_pages_own_words_and_the_column_is_not_blank(crawled: Crawled) -> None:
    assert crawled.items("财政信息") == []
    assert not [f for f in crawled.findings if f["column"] == "财政信息"]
    [(flags,)] = query(crawled.db_url, "SELECT p.flags FROM pages p JOIN columns c ON c.url = p.url "
                                       "WHERE c.name = '财政信息'")
    flags = json.loads(flags) if isinstance(flags, str) else flags
    assert flags["empty_notice"] == EMPTY_NOTE and flags["rendered"] is True


def test_a_full_crawl_reads_a_known_script_column_as_served_and_goes_back_to_static(crawled: Crawled) -> None:
    assert crawled.full_again.count(("GET", SITE + "tzgg/")) == 1
    assert not [path for _, path in crawled.full_again if path.startswith(NOTICE_API)]
    assert crawled.modes_after_full["通知公告"] == "static" and crawled.modes_after_full["工作动态"] == "rendered"


def test_the_crawl_subprocesses_read_the_tests_frozen_clock(crawled: Crawled) -> None:
    """The site's dates hang on MOMENT, so the crawls must have run at MOMENT too (tests/clock.py), not today."""
    started = [value if isinstance(value, datetime) else datetime.fromisoformat(value)
               for (value,) in query(crawled.db_url, "SELECT started_at FROM crawl_runs")]
    assert started
    for value in started:
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        assert timedelta(0) <= moment - MOMENT < timedelta(minutes=30), value
