"""The 集约化 metadata read from real article pages (../shared/samples copies) and the date each page shows."""

from __future__ import annotations

from datetime import date

from crawler.page_rules import article_meta, is_report_title, report_links
from crawler.scan import scan
from tests.crawler.responses import file_response

TODAY = date(2026, 12, 3)


def meta_of(name: str) -> dict:
    response = file_response(name, f"http://www.example.gov.cn/{name}")
    return article_meta(scan(response.selector), today=TODAY)


def test_wanzai_article_carries_all_seven_metas_and_shows_no_publication_date() -> None:
    found = meta_of("wanzai_2022_article.html")
    assert found["metas"] == {"SiteName": "万载县人民政府", "SiteDomain": "www.wanzai.gov.cn",
                              "SiteIDCode": "3609220011", "ColumnName": "统计数据",
                              "ArticleTitle": "万载县2022年国民经济和社会发展统计公报",
                              "PubDate": "2023-08-16 10:33:59", "ContentSource": "万载县统计局"}
    assert found["shown"] is None  # its page shows 生成日期 2023-05-11 only: the document's date, not compared


def test_shown_date_follows_a_publication_label() -> None:
    found = meta_of("hongshan_article.html")
    assert found["shown"] is not None and found["metas"]["PubDate"].startswith(found["shown"])


def test_shanxi_article_carries_its_content_source() -> None:
    found = meta_of("shanxi_article.html")
    assert found["metas"]["SiteIDCode"] == "1400000045" and found["metas"]["ContentSource"] == "山西日报"


def test_govcn_article_carries_none_of_the_metas() -> None:
    assert meta_of("govcn_article.html")["metas"] == {}


def test_annual_report_links_are_told_by_their_text() -> None:
    links = [("http://x/gzbb/2025.html", "a", "2025年政府网站工作年度报表"),
             ("http://x/nb/", "a", "2025年政府信息公开工作年度报告"), ("http://x/j.js", "script", "")]
    assert report_links(links) == [("http://x/gzbb/2025.html", "2025年政府网站工作年度报表")]
    assert is_report_title("青山县人民政府门户网站2025年度工作报表")  # the 工作报表 wording some sites use


def test_wanzai_2015_report_shows_another_date_than_its_pub_date() -> None:
    """Moved into the 集约化 platform in 2022: PubDate 2022-04-24, while the page still shows 发布日期 2017-05-15."""
    found = meta_of("wanzai_2015_article.html")
    assert found["shown"] == "2017-05-15" and found["metas"]["PubDate"].startswith("2022-04-24")
