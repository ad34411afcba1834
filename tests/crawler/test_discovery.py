from scrapy.http import HtmlResponse

from crawler.discovery import (
    DiscoveredColumn,
    RootOwners,
    discover_columns,
    link_name,
    parent_folder,
    sitemap_columns,
    sitemap_link,
)
from crawler.soft404 import looks_like_soft_404
from tests.crawler.responses import file_response


def _tree():
    response = file_response("synthetic_nav_tree.html", "http://www.example.gov.cn/jyj/")
    return {c.name: c for c in discover_columns(response, site_root="http://www.example.gov.cn/jyj/")}


def test_nested_catalogue_tree_gives_parent_and_depth():
    cols = _tree()
    assert cols["法定主动公开内容"].depth == 1 and cols["法定主动公开内容"].parent_url is None
    assert cols["机构职能"].parent_url == "http://www.example.gov.cn/jyj/xxgk/fdzdgknr/"
    assert cols["年度计划"].depth == 3
    assert cols["年度计划"].parent_url == "http://www.example.gov.cn/jyj/xxgk/fdzdgknr/ghjh/"


def test_discovery_excludes_other_units_home_articles_files_and_scripts():
    cols = _tree()
    assert set(cols) == {
        "工作动态",
        "法定主动公开内容",
        "机构职能",
        "规划计划",
        "年度计划",
        "人事信息",
        "信息公开指南",
    }
    assert cols["人事信息"].url == "http://www.example.gov.cn/jyj/xxgk/fdzdgknr/rsxx/"  # anchor dropped


def test_yichun_drawer_menu_headings_are_parents():
    response = file_response("yichun_home.html", "http://www.yichun.gov.cn/ycsrmzf/index.shtml")
    cols = {c.name: c for c in discover_columns(response, site_root="http://www.yichun.gov.cn/ycsrmzf/")}
    assert cols["政务动态"].parent_url == "http://www.yichun.gov.cn/ycsrmzf/zwgk/zwgk.shtml"
    assert cols["政务公开"].depth == 1 and cols["政务动态"].depth == 2


def test_pingtan_sidebar_columns_nest_by_directory():
    response = file_response("pingtan_gzjzqk_list.html", "https://www.pingtan.gov.cn/zwgk/ghxx/gzjzqk/")
    cols = {c.name: c for c in discover_columns(response, site_root="https://www.pingtan.gov.cn/")}
    assert cols["年度计划"].parent_url == "https://www.pingtan.gov.cn/zwgk/ghxx/"
    assert cols["年度计划"].depth == 3


def test_soft_404_phrases_in_title_or_short_text():
    assert looks_like_soft_404("404 - 页面不存在", "")
    assert looks_like_soft_404("某县人民政府", "抱歉，您访问的页面不存在或已被删除。返回首页")
    assert not looks_like_soft_404("关于2024年度工作的通知", "正文" * 2000 + "页面不存在")
    assert not looks_like_soft_404("第4040号公告", "")


def _sitemap(root: str = "http://www.example.gov.cn/xzjd/bhz/"):
    response = file_response("synthetic_sitemap.html", "http://www.example.gov.cn/wzdt/")
    return {c.name: c for c in sitemap_columns(response, site_root=root)}


def test_sitemap_lists_the_units_columns_from_its_map_box_only():
    assert set(_sitemap()) == {"工作动态", "通知公告", "重大项目", "信息公开", "财政资金", "人事信息"}


def test_sitemap_headings_nest_their_lists_under_the_heading_column():
    cols = _sitemap()
    assert cols["财政资金"].parent_url == "http://www.example.gov.cn/xzjd/bhz/xxgk/" and cols["财政资金"].depth == 2
    assert cols["信息公开"].depth == 1 and cols["信息公开"].parent_url is None
    assert cols["工作动态"].parent_url is None  # its heading is the unit's own site, not a column


def test_sitemap_of_another_unit_root_gives_only_that_units_columns():
    assert {c.url for c in _sitemap("http://www.example.gov.cn/xzjd/shx/").values()} == {
        "http://www.example.gov.cn/xzjd/shx/gzdt/", "http://www.example.gov.cn/xzjd/shx/ldxx/"}


def test_page_without_a_map_box_gives_no_sitemap_columns():
    response = file_response("synthetic_nav_tree.html", "http://www.example.gov.cn/wzdt/")
    assert sitemap_columns(response, site_root="http://www.example.gov.cn/jyj/") == []


def test_sitemap_link_is_found_by_its_name():
    links = [("http://x/", "a", "首页"), ("http://x/logo.png", "img", ""), ("http://x/wzdt/", "a", " 网站地图 ")]
    assert sitemap_link(links) == "http://x/wzdt/"
    assert sitemap_link(links[:2]) is None


def test_a_url_belongs_to_the_unit_with_the_narrowest_site_folder_on_its_host():
    owners = RootOwners([("县政府办公室", "http://x.gov.cn/"), ("白鹤镇", "http://x.gov.cn/xzjd/bhz/index.html"),
                         ("教育局", "http://jyj.x.gov.cn/")])
    assert owners.owner("http://x.gov.cn/xzjd/bhz/gzdt/") == "白鹤镇"
    assert owners.owner("http://X.gov.cn/zwgk/") == "县政府办公室"
    assert owners.owner("http://jyj.x.gov.cn/tzgg/") == "教育局"
    assert owners.owner("http://other.gov.cn/xzjd/bhz/") is None


def test_units_sharing_one_site_folder_leave_its_urls_unowned():
    owners = RootOwners([("县政府办公室", "http://x.gov.cn/"), ("县发改委", "http://x.gov.cn/index.html")])
    assert owners.owner("http://x.gov.cn/zwgk/") is None


PT_INDEX = "pingtan_zwgk/_lists/index.html"  # the real 平潭 政务公开 index (ChnlId 394)


def _index(url: str) -> dict[str, DiscoveredColumn]:
    response = file_response(PT_INDEX, url)
    return {c.url.removeprefix(url): c for c in discover_columns(response, site_root=url)}


def test_pingtan_index_boxes_tabs_and_tiles_are_columns_besides_its_menu():
    cols = _index("https://www.pingtan.gov.cn/zwgk/")
    assert len(cols) == 54  # the 14 sections of its menu, and 40 box, tab and tile links of its body
    assert cols["zfxxgk/fdzdgknr/zkly/rsrm/"].name == "人事任免"
    assert cols["zfxxgk/fdzdgknr/zkly/rsrm/"].parent_url == "https://www.pingtan.gov.cn/zwgk/zfxxgk/fdzdgknr/"
    assert cols["ghxx/ztgh/"].parent_url == "https://www.pingtan.gov.cn/zwgk/ghxx/"
    assert cols["zdlyxxgk/czzj/"].name == "财政资金" and cols["zdlyxxgk/czzj/"].depth == 2


def test_pingtan_index_on_another_host_name_finds_its_relative_links_without_its_absolute_menu():
    cols = _index("http://127.0.0.1:8080/zwgk/")  # the menu links https://www.pingtan.gov.cn/zwgk/…: off-site
    assert len(cols) == 46
    assert {"gsgg/", "ghxx/ztgh/", "zfxxgk/fdzdgknr/zkly/rsrm/", "ztzl/gazl/"} <= set(cols)
    assert "ghxx/" not in cols and "zfxxgk/dfbmptlj/ggqsydw/" not in cols


def test_more_links_are_named_by_their_box_not_more():
    cols = _index("https://www.pingtan.gov.cn/zwgk/")
    assert not [c for c in cols.values() if c.name.startswith("更多")]
    # ./tjxx/ is the tile 数据发布 first, then the tab 统计信息 whose 更多> box names it
    assert cols["tjxx/"].name == "统计信息"
    assert {cols[p].name for p in ("gsgg/", "ghxx/ztgh/", "zxwj/")} == {"公示公告", "中长期发展规划", "最新文件"}


def test_a_more_link_under_a_plain_heading_takes_the_heading():
    html = ('<html><body><div class="nav"><a href="/x/a/">甲</a></div>'
            '<div class="box"><div class="hd"><h3>通知公告</h3><a href="/x/tzgg/">更多&gt;&gt;</a></div></div>'
            '<div class="box2"><span class="more"><a href="/x/nameless/">more&gt;</a></span></div></body></html>')
    response = HtmlResponse(url="http://x.gov.cn/x/", body=html.encode(), encoding="utf-8")
    cols = {c.url: c.name for c in discover_columns(response, site_root="http://x.gov.cn/x/")}
    assert cols == {"http://x.gov.cn/x/a/": "甲", "http://x.gov.cn/x/tzgg/": "通知公告"}


def test_chrome_links_are_no_columns():
    html = ('<html><body><div class="top"><a href="/x/wzdt/">网站地图</a><a href="/x/wza/">无障碍浏览</a>'
            '<a href="/x/en/">English</a></div><div class="nav"><a href="/x/gzdt/">工作动态</a></div></body></html>')
    response = HtmlResponse(url="http://x.gov.cn/x/", body=html.encode(), encoding="utf-8")
    assert [c.name for c in discover_columns(response, site_root="http://x.gov.cn/x/")] == ["工作动态"]


def test_a_column_page_names_its_parent_folder_by_its_breadcrumb():
    response = file_response("pingtan_zwgk/ghxx/ztgh/_lists/index.html", "https://www.pingtan.gov.cn/zwgk/ghxx/ztgh/")
    assert link_name(response, "https://www.pingtan.gov.cn/zwgk/ghxx/") == "规划信息"
    assert parent_folder("https://www.pingtan.gov.cn/zwgk/ghxx/ztgh/") == "https://www.pingtan.gov.cn/zwgk/ghxx/"
    assert parent_folder("https://www.pingtan.gov.cn/zwgk/ghxx/ztgh/index.htm") == "https://www.pingtan.gov.cn/zwgk/ghxx/"
