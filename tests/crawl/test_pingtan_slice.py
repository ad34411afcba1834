"""The real 平潭 政务公开 slice crawled as a site, the way a new user points portalcheck at it: the 政务公开 index as
the portal's home and as the unit's `site`, then `portalcheck check` at a fixed moment. Every expected figure is
read from the fixture pages themselves (tests/crawl/pingtan_slice.py) or is a fact SOURCES.md states of a page.

The loopback server stands for https://www.pingtan.gov.cn/: config names it as the portal's home and the unit's
site, so the pages' relative links (./gsgg/, ../gzjzqk/, ./202602/t20260203_105017.htm) land on it, while their
absolute links to the real host (the top menu, the footer's 使用帮助 …) are another host: off-site, neither
crawled nor link-checked (check_external_links is off: there is no internet here). On the real host the top menu
adds its 14 sections; here the same sections are found from the 公示公告 page's dropdown instead.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ..conftest import fresh_database
from ..servers import FixtureServer
from .pingtan_slice import SliceFacts, slice_routes
from .runner import REPO, crawl, query, visits

SITE_CODE = "3590000001"
UNIT = "平潭综合实验区管委会"
LOCAL = ZoneInfo("Asia/Shanghai")
# The checks' moment: after the crawl (a visit later than as_of is not seen), fixed for the module.
AS_OF = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
TODAY = AS_OF.astimezone(LOCAL).date()
WINDOWS = {"news": 14, "notice": 183, "policy": 183, "personnel": 365, "planning": 365, "basic": 365}  # config.yaml
# No page of the slice links these two (their sections /zwgk/tjxx/ and /zwgk/zxwj/ are not in the archive): the
# unit names them, as a user does "only where discovery needs help"; their categories are still inferred.
CONFIGURED = {"/zwgk/tjxx/tjnj/": "统计年鉴", "/zwgk/zxwj/bmwj/": "部门文件"}
FACTS = SliceFacts()


@dataclass
class Crawled:
    base: str
    db_url: str
    config: Path
    check_output: str

    def columns(self) -> dict[str, tuple[str, str, str]]:
        """Column path → (name, category, origin)."""
        rows = query(self.db_url, "SELECT url, name, category, origin FROM columns")
        return {url.removeprefix(self.base): (name, category, origin) for url, name, category, origin in rows}

    def items(self, path: str) -> list[tuple[str, object]]:
        return query(self.db_url, """SELECT i.title, i.published_on FROM list_items i
                                     JOIN columns c ON c.id = i.column_id WHERE c.url = :url""",
                     url=self.base + path)

    def findings(self, rule: str) -> list[tuple[str | None, str | None, str]]:
        """(column name, url path, detail) of the rule's findings."""
        rows = query(self.db_url, """SELECT c.name, f.url, f.detail FROM findings f
                                     LEFT JOIN columns c ON c.id = f.column_id WHERE f.rule = :rule""", rule=rule)
        return [(name, (url or "").removeprefix(self.base), detail) for name, url, detail in rows]


def config_yaml(base: str) -> str:
    return json.dumps({
        "portal": {"name": "平潭综合实验区政务公开", "home": f"{base}/zwgk/", "site_code": SITE_CODE},
        "units": [{"name": UNIT, "kind": "部门", "site": f"{base}/zwgk/",
                   "columns": [{"name": name, "url": base + path} for path, name in CONFIGURED.items()]}],
        "crawl": {"concurrency_per_host": 8, "delay_seconds": 0, "autothrottle": False, "timeout_seconds": 5,
                  "retries": 0, "check_external_links": False},
    }, ensure_ascii=False)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    folder = tmp_path_factory.mktemp("pingtan")
    with FixtureServer(slice_routes()) as server:
        config = folder / "config.yaml"
        config.write_text(config_yaml(server.base_url), encoding="utf-8")
        for db_url in fresh_database(folder):
            result = crawl(config, db_url, "--full")
            assert result.returncode == 0, result.stderr[-3000:]
            checked = crawl_check(config, db_url)
            assert checked.returncode == 0, checked.stdout[-3000:] + checked.stderr[-3000:]
            yield Crawled(server.base_url, db_url, config, checked.stdout)


def crawl_check(config: Path, db_url: str) -> subprocess.CompletedProcess[str]:
    """`portalcheck check --as-of` (Beijing time, as an inspector types it)."""
    env = {**os.environ, "PORTALCHECK_DATABASE_URL": db_url}
    return subprocess.run([sys.executable, "-m", "portalcheck.cli", "--config", str(config), "check",
                           "--as-of", AS_OF.astimezone(LOCAL).replace(tzinfo=None).isoformat(timespec="minutes")],
                          env=env, capture_output=True, text=True, timeout=240, cwd=REPO)


def expected_columns() -> dict[str, set[str]]:
    """Column path → the names the pages give it: the index's column links, the configured two, and (to a fixed
    point) the 更多栏目 dropdown siblings of every served list page the crawl reaches."""
    names: dict[str, set[str]] = {path: {name} for path, name in FACTS.index_column_links.items()}
    for path, name in CONFIGURED.items():
        names.setdefault(path, set()).add(name)
    while True:
        added = {sib: name for path in list(names) for sib, name in FACTS.dropdown_siblings.get(path, {}).items()
                 if sib not in names}
        if not added:
            return names
        for path, name in added.items():
            names[path] = {name}


# --- discovery -----------------------------------------------------------------------------------------------


def test_the_index_as_unit_site_discovers_every_column_it_links(crawled: Crawled) -> None:
    columns = crawled.columns()
    ours = {path for path, (_, _, origin) in columns.items() if origin != "configured" and path != "/zwgk/"}
    assert set(FACTS.index_column_links) <= ours  # 46 relative / root-relative folder links of the index
    assert ours | set(CONFIGURED) == set(expected_columns())
    assert len(expected_columns()) == 66


def test_index_columns_are_named_by_their_box_or_tab_not_by_more_links(crawled: Crawled) -> None:
    columns = crawled.columns()
    assert not [path for path, (name, _, _) in columns.items() if name.startswith("更多")]
    tabs = {"/zwgk/gsgg/": "公示公告", "/zwgk/zfxxgk/fdzdgknr/zkly/rsrm/": "人事任免",
            "/zwgk/ghxx/ztgh/": "中长期发展规划", "/zwgk/tjxx/": "统计信息", "/zwgk/zxwj/": "最新文件"}
    assert {path: columns[path][0] for path in tabs} == tabs
    for path, names in expected_columns().items():
        if path not in tabs:
            assert columns[path][0] in names, path


def test_sibling_columns_of_the_dropdown_are_found_where_no_parent_page_lists_them(crawled: Crawled) -> None:
    columns = crawled.columns()
    assert columns["/zwgk/ghxx/gzjzqk/"][:2] == ("工作进展情况", "planning")
    assert columns["/zwgk/ghxx/kjgh/"][:2] == ("空间规划", "planning")


def test_real_columns_land_in_their_update_window(crawled: Crawled) -> None:
    category = {path: cat for path, (_, cat, _) in crawled.columns().items()}
    assert {path: category[path] for path in (
        "/zwgk/ghxx/ztgh/", "/zwgk/ghxx/gzjzqk/", "/zwgk/ghxx/kjgh/", "/zwgk/ghxx/", "/zwgk/gsgg/",
        "/zwgk/zfxxgk/fdzdgknr/zkly/rsrm/", "/zwgk/rsxx/", "/zwgk/tjxx/tjnj/", "/zwgk/tjxx/", "/zwgk/tjxx/jdsj/",
        "/zwgk/zxwj/bmwj/", "/zwgk/yw/")} == {
        "/zwgk/ghxx/ztgh/": "planning", "/zwgk/ghxx/gzjzqk/": "planning", "/zwgk/ghxx/kjgh/": "planning",
        "/zwgk/ghxx/": "planning", "/zwgk/gsgg/": "notice", "/zwgk/zfxxgk/fdzdgknr/zkly/rsrm/": "personnel",
        "/zwgk/rsxx/": "personnel", "/zwgk/tjxx/tjnj/": "basic", "/zwgk/tjxx/": "basic",
        "/zwgk/tjxx/jdsj/": "basic",  # 进度数据 names nothing: it is 统计信息's
        "/zwgk/zxwj/bmwj/": "policy", "/zwgk/yw/": "news"}


# --- list pages ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(FACTS.lists))
def test_every_dated_static_item_is_read_with_its_date(crawled: Crawled, path: str) -> None:
    facts = FACTS.lists[path]
    dates = sorted(str(d) for _, d in crawled.items(path))  # SQLite answers text, PostgreSQL a date
    assert dates == sorted(d.isoformat() for d in facts.dates)
    assert (max(dates), min(dates)) == (facts.newest.isoformat(), facts.oldest.isoformat())


def test_list_figures_are_the_pages_own() -> None:
    """The figures the crawl tests assert, as SOURCES.md states them, so a changed fixture is noticed."""
    figures = {path: (len(f.dates), f.newest.isoformat(), f.oldest.isoformat(), f.record_count)
               for path, f in FACTS.lists.items()}
    assert figures == {
        "/zwgk/ghxx/gzjzqk/": (75, "2025-11-11", "2021-04-16", 107),
        "/zwgk/ghxx/kjgh/": (19, "2026-01-26", "2020-01-20", 19),
        "/zwgk/ghxx/ztgh/": (11, "2026-01-30", "2017-05-24", 11),
        "/zwgk/gsgg/": (75, "2026-09-10", "2026-08-21", 9546),
        "/zwgk/tjxx/tjnj/": (8, "2026-01-13", "2022-10-31", 8),
        "/zwgk/zfxxgk/fdzdgknr/zkly/rsrm/": (75, "2025-08-05", "2022-07-18", 127),
        "/zwgk/zxwj/bmwj/": (75, "2026-05-19", "2023-10-26", 3649),
    }


def test_trs_dynamic_pager_column_is_partial_when_the_search_api_holds_more_than_the_static_pages(
        crawled: Crawled) -> None:
    """The "动静结合" pager renders 5 static pages into the HTML; later pages only come from /fjdzapp/search (404
    here as on the mirror). A column whose recordCount exceeds what the static part holds is read partly, with
    the reason; one whose static part holds every record is read in full."""
    names = {path: name for path, (name, _, _) in crawled.columns().items()}
    seen = visits(crawled.db_url)
    for path, facts in FACTS.lists.items():
        expected = ("full", None) if facts.complete else ("partial", "js_pagination")
        assert seen[names[path]] == expected, path
    assert sum(not f.complete for f in FACTS.lists.values()) == 4


# --- articles ------------------------------------------------------------------------------------------------


def test_each_served_article_has_its_page_date_not_its_url_date_and_its_title(crawled: Crawled) -> None:
    rows = {url.removeprefix(crawled.base): (title, published) for url, title, published in query(
        crawled.db_url, "SELECT url, title, published_at FROM pages WHERE kind = 'article' AND http_status = 200")}
    assert len(FACTS.articles) == 6
    for article in FACTS.articles:
        title, published = rows[article.url_path]
        assert title == article.title
        assert local_minute(published) == article.pub_date, article.url_path
    # the URL-date trap: t20260203 in the URL, PubDate 2025-04-01 on the page
    trap = rows["/zwgk/zfxxgk/fdzdgknr/zkly/rsrm/202602/t20260203_105017.htm"]
    assert local_minute(trap[1]) == "2025-04-01 17:09"


def local_minute(stored: object) -> str:
    """A stored UTC moment (SQLite: naive text, PostgreSQL: aware) as the page writes it, Beijing time."""
    moment = stored if isinstance(stored, datetime) else datetime.fromisoformat(str(stored))
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M")


def test_every_served_page_carries_the_sites_footer_marks(crawled: Crawled) -> None:
    rows = query(crawled.db_url, "SELECT url, marks FROM pages WHERE http_status = 200 AND marks IS NOT NULL")
    assert len(rows) == 1 + len(FACTS.lists) + len(FACTS.articles)  # the index, 7 lists, 6 articles
    for url, marks in rows:
        marks = json.loads(marks) if isinstance(marks, str) else marks
        assert (marks["site_code_text"], marks["icp"], marks["police_record"], marks["conac"]) == (
            SITE_CODE, "闽ICP备09032658号", "35012899001-19002", True), url


# --- checks --------------------------------------------------------------------------------------------------


def test_error_report_span_the_site_script_fills_counts_as_an_entry_as_a_browser_shows_it(
        crawled: Crawled) -> None:
    """Every page has the empty <span id="_span_jiucuo" title="政府网站找错"> that the national jiucuo.js fills
    with the 找错 button; the site's own scripts load it (no _jiucuo_ tag in the HTML). A visitor sees the entry,
    so the pages are not reported as lacking it; its site code cannot be read, so no code mismatch is claimed."""
    rows = query(crawled.db_url, "SELECT marks FROM pages WHERE http_status = 200 AND marks IS NOT NULL")
    reports = {(m["error_report"]["status"], m["error_report"]["kind"])
               for m in (json.loads(r) if isinstance(r, str) else r for (r,) in rows)}
    assert reports == {("present", "span")}
    assert crawled.findings("page.no_error_report") == []
    assert [f for rule in ("footer.site_code", "footer.icp", "footer.police_record", "footer.conac")
            for f in crawled.findings(rule)] == []


def test_no_column_with_static_items_is_called_blank_even_when_read_partly(crawled: Crawled) -> None:
    assert crawled.findings("column.blank") == []
    assert all(facts.dates for facts in FACTS.lists.values())


def test_partly_read_trs_columns_are_judged_stale_on_their_static_newest_items_only_past_the_window(
        crawled: Crawled) -> None:
    """A TRS list is ordered newest first (-docorderpri,-docreltime): its newest items are on the static part,
    and the pages only /fjdzapp/search serves hold older ones, so judging a partly read column on what it holds
    is sound. Stale exactly where the newest date the page shows is older than its category's window."""
    category = {path: cat for path, (_, cat, _) in crawled.columns().items()}
    expected = {path for path, facts in FACTS.lists.items()
                if category[path] in WINDOWS and (TODAY - facts.newest).days > WINDOWS[category[path]]}
    assert {url for _, url, _ in crawled.findings("column.stale")} == expected


def test_broken_columns_are_only_those_the_mirror_answers_404(crawled: Crawled) -> None:
    broken = {url for _, url, _ in crawled.findings("column.broken")}
    assert broken and not broken & set(FACTS.lists)
    assert broken <= set(expected_columns()) - set(FACTS.lists)

