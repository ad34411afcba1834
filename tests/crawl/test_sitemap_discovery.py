"""Columns that no menu shows are found on the site's 网站地图: a county portal whose sitemap lists every unit's
columns, some of them in no navigation, crawled over HTTP. Each unit takes the columns under its own root
(the narrowest root wins), and the shared sitemap is fetched once."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ..conftest import fresh_database
from ..crawler.responses import SAMPLES
from ..servers import FixtureServer
from .fixture_site import PORTAL, nav, one_item_list, write_config
from .runner import crawl, query, visits

SITEMAP = (SAMPLES / "synthetic_sitemap.html").read_text(encoding="utf-8")  # /xzjd/bhz/ and /xzjd/shx/ columns
MAP_LINK = '<div class="top"><a href="/wzdt/">网站地图</a></div>'


def page(title: str, body: str) -> str:
    return f'<html><head><meta charset="utf-8"><title>{title}</title></head><body>{MAP_LINK}{body}</body></html>'


def routes() -> dict[str, object]:
    columns = {"/xzjd/bhz/gzdt/": "工作动态", "/xzjd/bhz/tzgg/": "通知公告", "/xzjd/bhz/zdxm/": "重大项目",
               "/xzjd/bhz/xxgk/": "信息公开", "/xzjd/bhz/xxgk/czzj/": "财政资金", "/xzjd/bhz/xxgk/rsxx/": "人事信息",
               "/xzjd/shx/gzdt/": "工作动态", "/xzjd/shx/ldxx/": "领导信息", "/zwgk/": "政务公开"}
    out: dict[str, object] = {path: page(name, one_item_list(path, name)) for path, name in columns.items()}
    out.update({
        "/": page(PORTAL, nav(("/zwgk/", "政务公开"))),
        # The menus show only some columns: 重大项目, 信息公开 and its children, 领导信息 are on the sitemap alone.
        "/xzjd/bhz/": page("白鹤镇", nav(("/xzjd/bhz/gzdt/", "工作动态"), ("/xzjd/bhz/tzgg/", "通知公告"))),
        "/xzjd/shx/": page("沙河乡", nav(("/xzjd/shx/gzdt/", "工作动态"))),
        "/wzdt/": SITEMAP,
    })
    return out


@dataclass
class Crawled:
    server: FixtureServer
    db_url: str
    config: Path

    def columns(self, unit: str) -> dict[str, tuple[str, str | None, int]]:
        """Column path → (name, parent path, level) of one unit."""
        base = self.server.base_url
        rows = query(self.db_url, """SELECT c.url, c.name, p.url, c.level FROM columns c JOIN units u ON u.id = c.unit_id
                                     LEFT JOIN columns p ON p.id = c.parent_id WHERE u.name = :unit""", unit=unit)
        return {url.removeprefix(base): (name, parent.removeprefix(base) if parent else None, level)
                for url, name, parent, level in rows}


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    folder = tmp_path_factory.mktemp("sitemap")
    with FixtureServer(routes()) as server:
        config = write_config(folder, server.base_url, [("县政府办公室", "部门", "/"), ("白鹤镇", "乡镇", "/xzjd/bhz/"),
                                                        ("沙河乡", "乡镇", "/xzjd/shx/")])
        for db_url in fresh_database(folder):
            result = crawl(config, db_url, "--full")
            assert result.returncode == 0, result.stderr[-3000:]
            yield Crawled(server, db_url, config)


def test_columns_only_on_the_sitemap_are_discovered_for_their_unit(crawled: Crawled) -> None:
    assert set(crawled.columns("白鹤镇")) == {"/xzjd/bhz/gzdt/", "/xzjd/bhz/tzgg/", "/xzjd/bhz/zdxm/",
                                              "/xzjd/bhz/xxgk/", "/xzjd/bhz/xxgk/czzj/", "/xzjd/bhz/xxgk/rsxx/"}
    assert set(crawled.columns("沙河乡")) == {"/xzjd/shx/gzdt/", "/xzjd/shx/ldxx/"}


def test_sitemap_nesting_gives_the_column_its_parent(crawled: Crawled) -> None:
    assert crawled.columns("白鹤镇")["/xzjd/bhz/xxgk/czzj/"] == ("财政资金", "/xzjd/bhz/xxgk/", 2)


def test_a_unit_rooted_at_the_portal_does_not_take_other_units_sitemap_columns(crawled: Crawled) -> None:
    assert set(crawled.columns("县政府办公室")) == {"/zwgk/"}


def test_sitemap_columns_are_crawled_like_any_other(crawled: Crawled) -> None:
    seen = visits(crawled.db_url)
    assert seen["重大项目"] == ("full", None) and seen["领导信息"] == ("full", None)
    [(items,)] = query(crawled.db_url, """SELECT count(*) FROM list_items i JOIN columns c ON c.id = i.column_id
                                         WHERE c.url LIKE '%/xzjd/bhz/zdxm/'""")
    assert items == 1


def test_the_shared_sitemap_is_fetched_once_and_is_no_column(crawled: Crawled) -> None:
    assert crawled.server.count("/wzdt/", "GET") == 1
    assert query(crawled.db_url, "SELECT kind FROM pages WHERE url LIKE '%/wzdt/'") == [("sitemap",)]
    assert not query(crawled.db_url, "SELECT 1 FROM columns WHERE url LIKE '%/wzdt/'")


def test_the_sitemap_page_belongs_to_the_unit_whose_site_holds_it(crawled: Crawled) -> None:
    assert query(crawled.db_url, """SELECT u.name FROM pages p JOIN units u ON u.id = p.unit_id
                                    WHERE p.url LIKE '%/wzdt/'""") == [("县政府办公室",)]


def test_a_one_unit_crawl_reads_the_sitemap_for_that_unit_without_visiting_the_others(
        crawled: Crawled, tmp_path: Path) -> None:
    server = crawled.server
    server.log.clear()
    for db_url in fresh_database(tmp_path):
        result = crawl(crawled.config, db_url, "--full", "--unit", "白鹤镇")
        assert result.returncode == 0, result.stderr[-3000:]
        assert "/xzjd/bhz/zdxm/" in {path for _, path in server.log}  # found on the sitemap, crawled
        assert server.count("/xzjd/shx/") == 0  # 沙河乡's columns on the same sitemap: neither crawled nor checked
