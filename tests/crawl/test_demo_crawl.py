"""The demo portal crawled end to end over HTTP: what the crawler sees is what the portal holds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from portalcheck.demo import DemoServer

from ..conftest import INJECTED_TITLE, PHONE_TITLE
from ..conftest import DemoCrawl as Crawled
from .runner import crawl, portal_runs, query, visits

CRAWL_SETTINGS = """
crawl:
  concurrency_per_host: 8
  delay_seconds: 0
  autothrottle: false
  check_external_links: false
  timeout_seconds: 60   # the demo has no slow page: the time is for rendering on a loaded CI machine
"""


def write_config(server: DemoServer, folder: Path) -> Path:
    text = server.portal.config_yaml(server.base_url)
    text = text.split("\ncrawl:")[0] + CRAWL_SETTINGS
    path = folder / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def crawled(demo_crawl: Crawled) -> Crawled:
    """The session's one crawl of the demo portal (tests/conftest.py: demo_crawl)."""
    return demo_crawl


def stored_columns(crawled: Crawled, unit: str) -> dict[str, tuple[str, str, int]]:
    rows = query(crawled.db_url, """SELECT c.url, c.name, c.category, c.level FROM columns c
                                    JOIN units u ON u.id = c.unit_id WHERE u.name = :unit""", unit=unit)
    return {url: (name, category, level) for url, name, category, level in rows}


def page_flags(crawled: Crawled, path: str) -> dict:
    [(flags,)] = query(crawled.db_url, "SELECT flags FROM pages WHERE url = :url", url=crawled.url(path))
    return json.loads(flags) if isinstance(flags, str) else flags


def item_count(crawled: Crawled, column_url: str) -> int:
    [(count,)] = query(crawled.db_url, """SELECT count(*) FROM list_items i JOIN columns c ON c.id = i.column_id
                                          WHERE c.url = :url""", url=column_url)
    return count


def test_every_units_columns_are_discovered_from_navigation(crawled: Crawled) -> None:
    for unit in crawled.server.portal.units:
        stored = stored_columns(crawled, unit.name)
        expected = {crawled.url(column.path) for column in unit.all_columns()}
        assert expected <= set(stored), f"{unit.name}: missing {sorted(expected - set(stored))}"
        assert len(stored) == len(expected), f"{unit.name}: unexpected {sorted(set(stored) - expected)}"


def test_sub_columns_are_stored_under_their_parent(crawled: Crawled) -> None:
    rows = query(crawled.db_url, """SELECT c.name, p.name, c.level FROM columns c JOIN columns p ON p.id = c.parent_id
                                    JOIN units u ON u.id = c.unit_id WHERE u.name = '白鹤镇'""")
    assert ("规范性文件", "政策文件", 2) in rows


def test_column_categories_are_inferred_from_names(crawled: Crawled) -> None:
    for unit in crawled.server.portal.units:
        stored = stored_columns(crawled, unit.name)
        for column in unit.all_columns():
            assert stored[crawled.url(column.path)][1] == column.category, (unit.name, column.name)


def test_every_list_page_of_every_pagination_family_is_harvested(crawled: Crawled) -> None:
    families = set()
    for unit in crawled.server.portal.units:
        for column in unit.all_columns():
            if column.broken or column.render == "js" or column.children:
                continue  # a parent's page only previews its sub-columns, whose lists are checked
            families.add(unit.cms)
            assert item_count(crawled, crawled.url(column.path)) == len(column.all_articles), (
                unit.name, column.name, unit.cms)
    assert families >= {"trs", "query", "next", "jsconfig"}


def test_item_dates_match_the_portal_in_every_date_format(crawled: Crawled) -> None:
    for unit in crawled.server.portal.units:
        for column in unit.all_columns():
            if column.broken or column.render == "js" or not column.all_articles:
                continue
            newest = column.all_articles[0]
            stored = query(crawled.db_url, "SELECT published_on FROM list_items WHERE url = :url",
                           url=crawled.url(newest.path))
            assert {str(d)[:10] for (d,) in stored} == {newest.published.date().isoformat()}, (
                unit.name, unit.date_format)


@pytest.mark.browser
def test_javascript_only_column_is_rendered_by_chromium(crawled: Crawled) -> None:
    unit = next(u for u in crawled.server.portal.units if u.name == "县卫生健康局")
    column = unit.column("tzgg")
    assert column.render == "js"
    assert item_count(crawled, crawled.url(column.path)) == len(column.all_articles) > 0


def test_gbk_unit_titles_are_decoded(crawled: Crawled) -> None:
    titles = [t for (t,) in query(crawled.db_url, """SELECT i.title FROM list_items i JOIN columns c
        ON c.id = i.column_id JOIN units u ON u.id = c.unit_id WHERE u.name = '九道乡'""")]
    expected = {a.title for c in crawled.server.portal.unit("jdx").all_columns() for a in c.all_articles}
    assert titles and all("\ufffd" not in t for t in titles)
    assert set(titles) == expected  # every title of the GBK unit read as the portal wrote it


def test_article_pages_carry_title_date_source_and_body(crawled: Crawled) -> None:
    unit = crawled.server.portal.units[0]
    article = next(a for a in unit.all_articles() if a.title not in (INJECTED_TITLE, PHONE_TITLE))  # not planted
    [(title, published, source, body)] = query(
        crawled.db_url, "SELECT title, published_at, source, body_text FROM pages WHERE url = :url",
        url=crawled.url(article.path))
    assert title == article.title
    assert str(published)[:10] == article.published.date().isoformat()
    assert source and body and len(body) > 50


def test_column_that_redirects_home_is_recorded_with_its_redirect(crawled: Crawled) -> None:
    assert page_flags(crawled, "/bm/rsj/czxx/")["redirected_home"] is True


def test_broken_and_placeholder_columns_are_not_silently_blank(crawled: Crawled) -> None:
    seen = query(crawled.db_url, """SELECT c.url, v.status, v.reason, v.http_status FROM column_visits v
                                    JOIN columns c ON c.id = v.column_id""")
    by_url = {url: (status, reason, code) for url, status, reason, code in seen}
    assert by_url[crawled.url("/bm/fgj/ghjh/")] == ("not_seen", "http_404", 404)
    assert page_flags(crawled, "/xzjd/shx/ldxx/")["under_construction"] is True


def test_empty_column_with_explanation_keeps_the_note(crawled: Crawled) -> None:
    assert "暂无" in page_flags(crawled, "/bm/tjj/zcwj/")["empty_notice"]


def test_a_differently_worded_note_is_kept_in_the_pages_own_words(crawled: Crawled) -> None:
    column = crawled.server.portal.unit("jtj").column("czzj")
    assert page_flags(crawled, column.path)["empty_notice"] == column.note.rstrip("。")


@pytest.mark.browser
def test_a_script_drawn_column_nobody_configured_is_rendered_and_counted(crawled: Crawled) -> None:
    column = crawled.server.portal.unit("jtj").column("xxdt")
    assert not column.configured and "xxdt" not in crawled.config.read_text(encoding="utf-8")
    assert item_count(crawled, crawled.url(column.path)) == len(column.all_articles) > 0
    [(mode,)] = query(crawled.db_url, "SELECT read_mode FROM columns WHERE url = :u", u=crawled.url(column.path))
    assert mode == "rendered"


def test_dead_links_are_recorded_with_status_or_error(crawled: Crawled) -> None:
    dead = {t["target"]: t for t in crawled.server.portal.truth() if t["rule"] == "link.dead"}
    rows = {url: (status, error, soft) for url, status, error, soft in query(
        crawled.db_url, "SELECT url, http_status, error, soft_404 FROM link_targets")}
    for target, truth in dead.items():
        url = target if target.startswith("http") else crawled.url(target)
        expected = {"404": (404, None, False), "attachment 404": (404, None, False),
                    "connection refused": (None, "refused", False), "soft 404": (200, None, True)}[truth["detail"]]
        assert rows[url] == expected, (target, truth, rows[url])  # each dead link as it is dead, nothing else


def test_home_page_dated_items_are_stored(crawled: Crawled) -> None:
    rows = query(crawled.db_url, """SELECT max(i.published_on), count(*) FROM list_items i JOIN columns c
                                    ON c.id = i.column_id WHERE c.category = 'home'""")
    newest, count = rows[0]
    assert count >= 10 and newest is not None


def test_footer_marks_are_read_from_unit_pages(crawled: Crawled) -> None:
    def marks(path: str) -> dict:
        [(value,)] = query(crawled.db_url, "SELECT marks FROM pages WHERE url = :url", url=crawled.url(path))
        return json.loads(value) if isinstance(value, str) else value

    assert marks("/xzjd/bhz/")["site_code_text"] == "3609990001"
    assert marks("/bm/fgj/")["site_code_text"] is None
    assert marks("/bm/tjj/")["error_report"]["status"] == "commented_out"
    assert marks("/xzjd/shx/")["error_report"]["status"] == "hidden"


def test_every_column_ends_the_run_with_a_visit_status(crawled: Crawled) -> None:
    statuses = visits(crawled.db_url)
    assert statuses and set(s for s, _ in statuses.values()) <= {"full", "partial", "not_seen"}
    counts = portal_runs(crawled.db_url)[-1]["counts"]
    assert counts["pages"] > 500 and "errors" in counts and counts["columns"]["full"] > 50


def test_crawling_again_adds_no_rows(crawled: Crawled) -> None:
    tables = ["columns", "pages", "list_items", "links", "link_targets", "units", "sites"]

    def counts() -> dict[str, int]:
        return {t: query(crawled.db_url, f"SELECT count(*) FROM {t}")[0][0] for t in tables}

    before = counts()
    result = crawl(crawled.config, crawled.db_url, "--full")
    assert result.returncode == 0, result.stderr[-3000:]
    assert counts() == before
