"""page.metadata, page.accessibility and site.annual_report on a crawled portal (real chromium for axe).

白鹤镇 is in order. 沙河乡's article has no 来源 (so no ContentSource meta) and an image without alt text; 中坝乡's
pages carry another site's SiteIDCode; 九道乡's PubDate meta is a day off the date its article shows. The home
page links the previous year's 年度报表, whose 标识码, ICP and (empty) message figures agree with the crawl and
whose 信息发布总数 does not; the home page offers no 关怀版/无障碍 entry.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .portal import TODAY, CheckedSite, Col, Footer, Item, Portal, Unit, crawl_and_check, day, render

LAST_YEAR = TODAY.year - 1
IN_LAST_YEAR = (TODAY - TODAY.replace(year=LAST_YEAR, month=6, day=15)).days  # days ago of a date in it


def news(**changes) -> list[Item]:  # type: ignore[no-untyped-def]
    return [Item("镇政府召开安全生产工作会议", 2, images=[("/images/photo.png", 300)], **changes),
            Item("去年工作总结会议召开", IN_LAST_YEAR)]


PORTAL = Portal(
    units=[
        Unit("白鹤镇", "bhz", [Col("工作动态", "gzdt", news())]),
        Unit("沙河乡", "shx", [Col("工作动态", "gzdt", news(source=None, alt=False))]),
        Unit("中坝乡", "zbx", [Col("工作动态", "gzdt", news())], Footer(meta_code="3609990002")),
        Unit("九道乡", "jdx", [Col("工作动态", "gzdt", news(meta_pub=day(3).isoformat()))]),
    ],
    home_links=[(f"{LAST_YEAR}年度政府网站工作年度报表", "{base}/gzbb/")],
    extra_routes={"/gzbb/": render("annual_report.html", "", year=LAST_YEAR, site_code="3609990001",
                                   icp="赣ICP备12345678号-1", info_total=500, received=0, closed=0, weibo="无",
                                   innovation=True)},
    crawl={"accessibility_pages_per_night": 20},
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CheckedSite]:
    yield from crawl_and_check(PORTAL, tmp_path_factory.mktemp("crawled_page_rules"),
                               only=["page.metadata", "page.accessibility", "site.annual_report"])


# page.metadata

def test_articles_with_complete_and_consistent_metadata_pass(site: CheckedSite) -> None:
    assert site.of("page.metadata", "白鹤镇") == []


def test_missing_content_source_is_counted_per_unit_with_examples(site: CheckedSite) -> None:
    [finding] = site.of("page.metadata", "沙河乡")
    assert finding["detail"].startswith("沙河乡：1/2个文章页面缺少网页元数据（ContentSource1页）")
    assert finding["evidence"]["samples"][0]["missing"] == ["ContentSource"]


def test_another_sites_site_id_code_is_reported_against_footer_and_config(site: CheckedSite) -> None:
    [finding] = site.of("page.metadata", "中坝乡")
    assert "应为3609990001，页面为3609990002" in finding["detail"]
    assert finding["evidence"]["pages_failing"] == 2
    assert finding["evidence"]["samples"][0]["footer"] == "3609990001"


def test_pub_date_other_than_the_shown_date_is_reported(site: CheckedSite) -> None:
    [finding] = site.of("page.metadata", "九道乡")
    assert "PubDate与页面显示的发布日期不一致" in finding["detail"]
    assert finding["evidence"]["samples"][0]["shown"] == day(2).isoformat()


# page.accessibility (axe-core in chromium)

def test_pages_without_counted_axe_violations_pass(site: CheckedSite) -> None:
    assert site.of("page.accessibility", "白鹤镇") == [] and site.of("page.accessibility", "中坝乡") == []


def test_image_without_alt_is_a_critical_violation_with_element_and_wcag_rule(site: CheckedSite) -> None:
    [finding] = site.of("page.accessibility", "沙河乡")
    assert "严重1处" in finding["detail"] and "image-alt" in finding["detail"]
    [rule] = finding["evidence"]["rules"]
    assert rule["rule"] == "image-alt" and "wcag111" in rule["wcag"]
    assert "photo.png" in rule["pages"][0]["nodes"][0]["html"]


def test_home_page_without_care_entry_is_reported(site: CheckedSite) -> None:
    care = [f for f in site.of("page.accessibility") if "关怀版" in f["detail"]]
    assert len(care) == 1 and care[0]["url"] == site.base + "/"


# site.annual_report

def test_report_figures_that_disagree_with_the_crawl_are_listed_with_both_numbers(site: CheckedSite) -> None:
    [finding] = site.of("site.annual_report")
    assert finding["detail"].startswith(f"{LAST_YEAR}年度工作年度报表信息发布总数为500条，抓取到该年发布的信息")
    assert finding["evidence"]["reported"] == 500 and 1 <= finding["evidence"]["crawled"] <= 5
    assert finding["url"] == site.base + "/gzbb/"
