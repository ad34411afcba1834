"""A unit the crawl finds no column for is named, with why, in the run and on screen: otherwise every table
would pass it silently (no column, so nothing stale, blank or broken)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..conftest import fresh_database
from ..servers import FixtureServer
from .fixture_site import PORTAL, nav, one_item_list, write_config
from .runner import crawl, portal_runs, visits


def page(title: str, body: str) -> str:
    return f'<html><head><meta charset="utf-8"><title>{title}</title></head><body>{body}</body></html>'


ROUTES = {
    "/": page(PORTAL, ""),
    # 大汉-style: the unit's "site" is one column page; its columns are sibling /col/ pages outside its folder.
    "/col/col1/index.html": page("白鹤镇", nav(("/col/col2/index.html", "工作动态"), ("/col/col3/index.html", "通知公告"))),
    "/xzjd/shx/": page("沙河乡", nav(("/xzjd/shx/gzdt/", "工作动态"))),
    "/xzjd/shx/gzdt/": page("工作动态", one_item_list("/xzjd/shx/gzdt/", "工作动态")),
}  # 中坝乡's site /xzjd/zbx/ is not served: 404


def test_units_without_any_column_are_named_with_the_reason(tmp_path: Path) -> None:
    with FixtureServer(ROUTES) as server:
        config = write_config(tmp_path, server.base_url, [("白鹤镇", "乡镇", "/col/col1/index.html"),
                                                          ("沙河乡", "乡镇", "/xzjd/shx/"), ("中坝乡", "乡镇", "/xzjd/zbx/")])
        for db_url in fresh_database(tmp_path):
            result = crawl(config, db_url, "--full")
            assert result.returncode == 0, result.stderr[-3000:]
            counts = portal_runs(db_url)[-1]["counts"]
            assert counts["units_without_columns"] == {"白鹤镇": "none_found", "中坝乡": "site_not_read"}
            assert "2个单位没有发现任何栏目" in result.stderr
            assert "白鹤镇：首页中未找到其网站目录下的栏目" in result.stderr
            assert "中坝乡：网站首页未能打开" in result.stderr
            assert "沙河乡：" not in result.stderr


SCRIPTED_HOME = page("土城镇", """<div id="xxgk-tree" class="tree"></div>
<script>
var zNodes = [{id: 1, pId: 0, name: "信息公开目录"},
              {id: 2, pId: 1, name: "工作动态", url: "/xzjd/tcz/gzdt/"},
              {id: 3, pId: 1, name: "通知公告", url: "/xzjd/tcz/tzgg/"}];
var list = document.createElement("ul");
zNodes.filter(function (n) { return n.url; }).forEach(function (n) {
  var a = document.createElement("a"); a.href = n.url; a.textContent = n.name;
  var li = document.createElement("li"); li.appendChild(a); list.appendChild(li);
});
document.getElementById("xxgk-tree").appendChild(list);
</script>""")


@pytest.mark.browser
def test_a_unit_home_whose_menu_is_built_by_script_is_rendered_and_its_columns_crawled(tmp_path: Path) -> None:
    routes = {"/": page(PORTAL, ""), "/xzjd/tcz/": SCRIPTED_HOME}
    for path, name in (("/xzjd/tcz/gzdt/", "工作动态"), ("/xzjd/tcz/tzgg/", "通知公告")):
        routes[path] = page(name, one_item_list(path, name))
    with FixtureServer(routes) as server:
        config = write_config(tmp_path, server.base_url, [("土城镇", "乡镇", "/xzjd/tcz/")])
        for db_url in fresh_database(tmp_path):
            result = crawl(config, db_url, "--full")
            assert result.returncode == 0, result.stderr[-3000:]
            assert visits(db_url) == {"工作动态": ("full", None), "通知公告": ("full", None),
                                      "首页": ("full", None)}
            assert portal_runs(db_url)[-1]["counts"]["units_without_columns"] == {}
            assert server.log.count(("GET", "/xzjd/tcz/")) == 2  # read as HTML, then once rendered
