"""What one page shows of a portal's register (crawler.register), read from saved pages: two real home pages
(宜春, the 平潭 政务公开 index) and a page of each remaining kind init must understand (unit lists under a <dt>,
Weibo profile links, a 互动交流 box with its 写信 link and message titles)."""

from __future__ import annotations

from pathlib import Path

from scrapy.http import HtmlResponse

from crawler.register import FoundAccount, FoundBoard, FoundUnit, read_register

from ..crawler.responses import SAMPLES, file_response

FIXTURES = Path(__file__).parent / "fixtures"
HOME = "https://www.example.gov.cn/"


def fixture_page(name: str, url: str = HOME) -> HtmlResponse:
    return HtmlResponse(url=url, body=(FIXTURES / name).read_bytes(), encoding="utf-8")


def test_yichun_home_gives_its_site_code_name_and_boards() -> None:
    page = read_register(file_response("yichun_home.html", "https://www.yichun.gov.cn/"),
                         home="https://www.yichun.gov.cn/")
    assert page.site_code == "3609000002"
    assert page.name == "中国宜春"
    assert {(b.name, b.kind) for b in page.boards} == {
        ("在线访谈", "interview"), ("民意征集", "survey"), ("网上信访", "petition")}


def test_yichun_app_downloads_beside_the_wechat_qr_code_are_not_accounts() -> None:
    page = read_register(file_response("yichun_home.html", "https://www.yichun.gov.cn/"),
                         home="https://www.yichun.gov.cn/")
    assert page.accounts == []  # the 赣政通 box lists Windows/Android downloads, not accounts


def test_yichun_home_leads_to_its_new_media_matrix_and_interaction_pages() -> None:
    page = read_register(file_response("yichun_home.html", "https://www.yichun.gov.cn/"),
                         home="https://www.yichun.gov.cn/")
    assert "https://www.yichun.gov.cn/ycsrmzf/zwxmtjz/zwxmtjz_list.shtml" in page.follow
    assert "https://www.yichun.gov.cn/ycsrmzf/hdjl/hdjl.shtml" in page.follow


def test_pingtan_footer_matrix_gives_a_wechat_account_by_its_icon_and_skips_the_app() -> None:
    url = "https://www.pingtan.gov.cn/zwgk/"
    response = HtmlResponse(url=url, body=(SAMPLES / "pingtan_zwgk" / "_lists" / "index.html").read_bytes(),
                            encoding="utf-8")
    page = read_register(response, home=url)
    assert page.accounts == [FoundAccount("wechat", "平潭发布"), FoundAccount(None, "平潭文旅")]
    assert page.skipped_accounts == ["闽政通APP"]
    assert page.site_code == "3590000001"


def test_units_under_a_dt_heading_keep_the_kind_the_heading_gives() -> None:
    page = read_register(fixture_page("weibo_links_home.html"), home=HOME)
    assert page.units == [FoundUnit("县财政局", "部门", "https://czj.example.gov.cn/", "heading"),
                          FoundUnit("县发展和改革委员会", "部门", "https://www.example.gov.cn/bm/fgw/", "heading")]


def test_weibo_profile_links_give_uids_and_captions_give_platforms() -> None:
    page = read_register(fixture_page("weibo_links_home.html"), home=HOME)
    assert page.accounts == [
        FoundAccount("weibo", "某某发布", None, "1987654321"),
        FoundAccount("weibo", "某某公安", None, "2987654321"),
        FoundAccount("wechat", "某某财政"),
        FoundAccount("toutiao", "某某司法", "https://www.toutiao.com/c/user/token/MS4wLjABAAAA/"),
    ]
    assert [a.readable for a in page.accounts] == [True, True, False, False]  # a 头条 page is not a feed
    assert page.skipped_accounts == ["某某通APP"]


def test_boards_are_named_links_not_sections_write_forms_or_messages() -> None:
    page = read_register(fixture_page("weibo_links_home.html"), home=HOME)
    assert page.boards == [FoundBoard("县长信箱", HOME + "hdjl/xzxx/", "consultation"),
                           FoundBoard("网上信访", HOME + "hdjl/wsxf/", "petition"),
                           FoundBoard("网上咨询", HOME + "hdjl/wszx/", "consultation")]
    assert page.follow == [HOME + "hdjl/", HOME + "xmt/"]


def test_a_page_whose_unit_lists_only_scripts_draw_asks_for_rendering() -> None:
    page = read_register(fixture_page("script_drawn_home.html"), home=HOME)
    assert page.units == [] and page.needs_js
    assert page.site_code == "1234560001" and page.name == "某某县人民政府门户网站"


def test_anxi_page_chrome_gives_boards_by_kind_and_not_columns_named_like_boards() -> None:
    page = read_register(file_response("anxi_article.html", "http://www.fjax.gov.cn/ggfw/"), home="http://www.fjax.gov.cn/")
    assert [(b.name, b.kind) for b in page.boards] == [
        ("咨询投诉", "consultation"), ("县长信箱", "consultation"), ("网上信访", "petition"),
        ("在线访谈", "interview"), ("民意征集", "survey"), ("网上调查", "survey")]
    # not 政策咨询问答库, 12345留言数据分析, 访谈预告 (columns) nor 国家信访局 (an office)
    assert page.site_code == "3505240010"


def test_anxi_matrix_account_platform_comes_from_its_qr_code_image_name() -> None:
    page = read_register(file_response("anxi_article.html", "http://www.fjax.gov.cn/ggfw/"), home="http://www.fjax.gov.cn/")
    assert page.accounts == [FoundAccount("wechat", "安溪融媒")]  # <img src="…/xmszf_wx_ewm.jpg">
    assert page.skipped_accounts == ["闽政通APP"]


def test_a_catalogue_tree_without_headings_gives_units_by_their_names_kind_guessed() -> None:
    page = read_register(fixture_page("catalogue_units.html", HOME + "xxgk/bmml/"), home=HOME)
    assert [(u.name, u.kind, u.site.removeprefix(HOME), u.kind_from) for u in page.units] == [
        ("县财政局", "部门", "xxgk/bm/czj/", "name"), ("县发展和改革委员会", "部门", "xxgk/bm/fgw/", "name"),
        ("县融媒体中心", "部门", "xxgk/bm/rmtzx/", "name"), ("白鹤镇", "乡镇", "xxgk/xz/bhz/", "name"),
        ("城关街道", "乡镇", "xxgk/xz/cjjd/", "name")]
    # not 法定主动公开内容 or 新闻中心 (columns), nor another government's 市财政局
