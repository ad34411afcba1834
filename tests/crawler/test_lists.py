from datetime import date

import pytest
from scrapy.http import HtmlResponse

from crawler.layouts import parse_list
from crawler.layouts.base import PageRequest
from tests.crawler.responses import file_response

TODAY = date(2026, 9, 10)  # crawl date of the 平潭 archive
PT = "https://www.pingtan.gov.cn/zwgk/"


@pytest.fixture(scope="module")
def gzjzqk():
    return parse_list(file_response("pingtan_gzjzqk_list.html", PT + "ghxx/gzjzqk/"), today=TODAY)


def test_pingtan_trs_list_yields_75_dated_items_newest_2025_11_11(gzjzqk):
    assert gzjzqk.family == "trs"
    assert len(gzjzqk.items) == 75
    assert all(i.published_on for i in gzjzqk.items)
    assert gzjzqk.newest == date(2025, 11, 11)
    assert min(i.published_on for i in gzjzqk.items) == date(2021, 4, 16)


def test_pingtan_items_have_absolute_urls_titles_and_positions(gzjzqk):
    first, third = gzjzqk.items[0], gzjzqk.items[2]
    assert first.url == PT + "zdlyxxgk/ssjygk/sjccjg/202511/t20251111_103189.htm"
    assert third.url == PT + "ghxx/gzjzqk/202503/t20250321_97999.htm"
    assert third.title == "区公安局2025年第一季度易制毒化学品企事业抽查工作情况"
    assert [i.position for i in gzjzqk.items] == list(range(75))


def test_pingtan_js_pager_gives_page_count_and_needs_js_without_static_urls(gzjzqk):
    assert gzjzqk.page_count == 8  # recordCount 107 / prepage 15
    assert gzjzqk.next_urls == []
    assert gzjzqk.needs_js


def test_pingtan_error_text_of_the_js_template_is_not_an_empty_notice(gzjzqk):
    assert gzjzqk.empty_notice is None and not gzjzqk.under_construction


def test_pingtan_personnel_list_keeps_non_monotonic_order():
    page = parse_list(file_response("pingtan_rsrm_list.html", PT + "zfxxgk/fdzdgknr/zkly/rsrm/"), today=TODAY)
    assert len(page.items) == 75 and page.page_count == 9
    assert page.newest == date(2025, 8, 5)
    assert page.items[0].url.endswith("/202602/t20260205_105072.htm")  # URL month says 2026, list date 2025


def test_pingtan_policy_list_has_244_pages():
    page = parse_list(file_response("pingtan_bmwj_list.html", PT + "zxwj/bmwj/"), today=TODAY)
    assert len(page.items) == 75 and page.page_count == 244 and page.newest == date(2026, 5, 19)


def test_pingtan_single_page_list_of_pdfs_needs_no_js():
    page = parse_list(file_response("pingtan_tjnj_list.html", PT + "tjxx/tjnj/"), today=TODAY)
    assert len(page.items) == 8 and page.page_count == 1 and not page.needs_js
    assert page.items[0].url == PT + "tjxx/tjnj/202601/P020260113391333909432.pdf"
    assert sum(1 for i in page.items if i.published_on == date(2022, 10, 31)) == 4


def test_trs_create_page_html_derives_static_index_pages():
    url = "http://www.example.gov.cn/tzgg/index.html"
    page = parse_list(file_response("synthetic_trs_createpage_list.html", url), today=TODAY)
    assert page.family == "trs" and page.page_count == 4 and len(page.items) == 2
    assert page.next_urls == [f"http://www.example.gov.cn/tzgg/index_{k}.html" for k in (1, 2, 3)]


WANAN = "http://www.wanan.gov.cn/col/col77278/index.html"
PROXY = "http://www.wanan.gov.cn/module/web/jpage/dataproxy.jsp"


@pytest.fixture(scope="module")
def wanan():
    return parse_list(file_response("synthetic_hanweb_list.html", WANAN), today=date(2026, 1, 5))


def test_hanweb_records_are_parsed_from_cdata_with_years_across_new_year(wanan):
    assert wanan.family == "hanweb"
    assert [i.published_on for i in wanan.items] == [date(2026, 1, 4), date(2025, 12, 30), date(2025, 12, 15)]
    assert wanan.items[0].url == "http://www.wanan.gov.cn/art/2026/1/4/art_77278_9003.html"
    assert wanan.page_count == 7  # totalRecord 100 / perPage 15
    assert not wanan.needs_js


def test_hanweb_further_groups_are_posts_with_only_the_record_range_in_the_query(wanan):
    first = wanan.next_pages[0]
    assert first.method == "POST"
    assert first.url == PROXY + "?startrecord=4&endrecord=48&perpage=15"


def test_hanweb_groups_cover_the_remaining_records_once_in_groups_of_group_size_pages(wanan):
    assert wanan.next_urls == [PROXY + f"?startrecord={s}&endrecord={e}&perpage=15"
                               for s, e in ((4, 48), (49, 93), (94, 100))]


def test_hanweb_form_is_the_ajax_param_in_page_order(wanan):
    assert wanan.next_pages[0].form == (
        ("col", "1"), ("appid", "1"), ("webid", "67"), ("path", "/"), ("columnid", "77278"),
        ("sourceContentType", "1"), ("unitid", "303271"), ("webname", "万安县人民政府"), ("permissiontype", "0"))
    assert {p.form for p in wanan.next_pages} == {wanan.next_pages[0].form}


def test_hanweb_form_keeps_quoted_values_whole_even_with_commas_and_colons():
    html = ("<html><body><script type='text/xml'><datastore><recordset></recordset></datastore></script><script>"
            "$('#1').jpage({proxyUrl:'module/web/jpage/dataproxy.jsp', perPage:15, totalRecord:40, "
            "ajaxParam:{col:1, webname:'某县人民政府,办公室', path:\"/\", keyword : \"a:b\", unitid:\t303271}});"
            "</script></body></html>")
    response = HtmlResponse(url="http://www.example.gov.cn/col/col1/index.html", body=html.encode(), encoding="utf-8")
    [group] = parse_list(response, today=TODAY).next_pages
    assert group.form == (("col", "1"), ("webname", "某县人民政府,办公室"), ("path", "/"), ("keyword", "a:b"),
                          ("unitid", "303271"))


@pytest.fixture(scope="module")
def nextgroup():
    url = "http://www.wanan.gov.cn/col/col77279/index.html"
    return parse_list(file_response("synthetic_hanweb_nextgroup_list.html", url), today=TODAY)


def test_hanweb_without_ajax_param_posts_the_nextgroup_query_to_its_proxy(nextgroup):
    assert nextgroup.family == "hanweb" and nextgroup.page_count == 4
    proxy = "http://www.wanan.gov.cn/module/jslib/jquery/jpage/dataproxy.jsp"
    assert [(p.method, p.url.split("?")[0]) for p in nextgroup.next_pages] == [("POST", proxy)] * 2
    assert nextgroup.next_pages[0].form == (
        ("appid", "1"), ("webid", "67"), ("path", "/"), ("columnid", "77279"), ("unitid", "303300"),
        ("webname", "万安县人民政府"), ("permissiontype", "0"))


def test_hanweb_groups_start_after_every_record_of_the_page_even_one_without_a_link(nextgroup):
    assert len(nextgroup.items) == 2  # of 3 records
    assert [p.url.split("?")[1] for p in nextgroup.next_pages] == [
        "startrecord=4&endrecord=23&perpage=10", "startrecord=24&endrecord=40&perpage=10"]


def test_posted_pages_of_two_columns_at_one_proxy_url_have_distinct_keys():
    url = PROXY + "?startrecord=46&endrecord=90&perpage=15"
    first = PageRequest(url, "POST", (("columnid", "77278"), ("webname", "万安县")))
    second = PageRequest(url, "POST", (("columnid", "77279"), ("webname", "万安县")))
    assert first.key != second.key
    assert first.key == url + "&columnid=77278&webname=%E4%B8%87%E5%AE%89%E5%8E%BF"
    assert PageRequest(url).key == url


def test_hanweb_dataproxy_answer_is_a_list_page_without_further_pages():
    url = PROXY + "?startrecord=46&endrecord=90&perpage=15"
    page = parse_list(file_response("synthetic_hanweb_dataproxy.xml", url), today=TODAY)
    assert page.family == "hanweb" and len(page.items) == 2 and page.page_count == 7 and page.next_pages == []


def test_catalogue_table_takes_publication_date_column_from_header():
    url = "http://www.wanzai.gov.cn/xxgk/fdzdgknr/"
    page = parse_list(file_response("synthetic_catalogue_table.html", url), today=TODAY)
    assert page.family == "catalogue"
    assert [i.published_on for i in page.items] == [date(2025, 9, 10), date(2025, 8, 20), None]
    assert page.items[0].title == "万载县关于印发秋冬季森林防火工作方案的通知"
    assert page.items[0].url == "http://www.wanzai.gov.cn/xxgk/fdzdgknr/202509/t20250910_1001.html"


def test_page_param_pagination_expands_to_all_pages_and_ignores_nav_lists():
    url = "http://www.example.gov.cn/news/list?page=1"
    page = parse_list(file_response("synthetic_page_param_list.html", url), today=TODAY)
    assert page.family == "generic" and len(page.items) == 3 and page.page_count == 5
    assert page.items[0].published_on == date(2025, 10, 9)
    assert page.next_urls == [f"http://www.example.gov.cn/news/list?page={n}" for n in (2, 3, 4, 5)]


def test_next_page_link_is_followed_when_it_is_the_only_pager():
    url = "http://www.example.gov.cn/xzdt/list.shtml"
    page = parse_list(file_response("synthetic_next_link_list.html", url), today=date(2025, 10, 20))
    assert len(page.items) == 2 and page.items[1].published_on == date(2025, 10, 5)
    assert page.next_urls == ["http://www.example.gov.cn/xzdt/list_2.shtml"]


def test_empty_column_notice_is_reported():
    page = parse_list(
        file_response("synthetic_empty_column.html", "http://www.example.gov.cn/xzcf/"), today=TODAY
    )
    assert page.items == [] and page.empty_notice == "本栏目暂无信息" and not page.needs_js


def test_under_construction_placeholder_is_reported():
    page = parse_list(
        file_response("synthetic_under_construction.html", "http://x.gov.cn/zdxm/"), today=TODAY
    )
    assert page.items == [] and page.under_construction and not page.needs_js


def test_script_built_list_needs_js_and_template_text_is_no_notice():
    page = parse_list(file_response("synthetic_js_only_list.html", "http://x.gov.cn/zcjd/"), today=TODAY)
    assert page.items == [] and page.needs_js and page.empty_notice is None


def test_yichun_home_month_day_items_take_the_crawl_year():
    page = parse_list(
        file_response("yichun_home.html", "http://www.yichun.gov.cn/ycsrmzf/index.shtml"),
        today=date(2023, 10, 11),
    )
    assert len(page.items) >= 5
    assert page.newest == date(2023, 10, 11)
    assert all(i.published_on <= date(2023, 10, 11) for i in page.items if i.published_on)


def test_undated_list_keeps_its_items_undated_instead_of_looking_empty():
    url = "http://www.example.gov.cn/bhz/rsxx/"
    page = parse_list(file_response("synthetic_undated_list.html", url), today=TODAY)
    assert [i.title for i in page.items] == ["关于张明等同志任职的通知", "白鹤镇2025年公开招聘村级后备干部公告", "干部任前公示"]
    assert all(i.published_on is None for i in page.items)
    assert page.items[0].url == "http://www.example.gov.cn/bhz/rsxx/202603/t20260312_5512.html"
