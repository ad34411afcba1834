"""Footer marks, the 找错 entry, dead links and broken images on a crawled portal.

白鹤镇 has a correct footer; 沙河乡 lacks ICP, 公安备案 and conac and has its 找错 script commented
out; 中坝乡 shows a wrong 网站标识码 and hides its 找错 link; 九道乡 has no 网站标识码 and a 找错
entry with another site's code; 上龛乡 sits behind a WAF, so nothing of it can be judged.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ...servers import send
from .portal import CheckedSite, Col, Footer, Item, Portal, Unit, crawl_and_check, waf_page

NEWS = [Item("镇政府召开安全生产工作会议", 2), Item("全镇秋冬季森林防火工作部署会召开", 9)]


def photo_news(src: str) -> list[Item]:
    return [Item("镇领导调研重点项目建设", 3, images=[(src, 600)]), Item("全镇秋季征兵工作启动", 8)]


PORTAL = Portal(
    units=[
        Unit("白鹤镇", "bhz", [Col("工作动态", "gzdt", photo_news("/images/missing_photo.jpg")),
                               Col("图片新闻", "tpxw", photo_news("/images/photo.jpg"))]),
        Unit("沙河乡", "shx", [Col("工作动态", "gzdt", NEWS)],
             Footer(icp=False, police=False, conac=False, jiucuo="commented")),
        Unit("中坝乡", "zbx", [Col("工作动态", "gzdt", NEWS)],
             Footer(site_code="3609990002", meta_code="3609990002", jiucuo="hidden")),
        Unit("九道乡", "jdx", [Col("工作动态", "gzdt", NEWS)], Footer(site_code=None, jiucuo_code="3609990099")),
        Unit("上龛乡", "skx", [Col("工作动态", "gzdt", NEWS, status=403)], Footer(icp=False, jiucuo="missing")),
    ],
    home_links=[("专题专栏", "{base}/zt/old/"), ("政务服务网", "http://127.0.0.1:9/zwfw/"),
                ("政府信息公开年报", "{base}/xxgk/ndbg/"), ("统计数据", "{base}/waf/tjsj/"),
                ("白鹤镇", "{base}/u/bhz/")],
    extra_routes={
        "/xxgk/ndbg/": "<html><head><title>提示</title></head><body><p>对不起，您访问的页面不存在或已被删除！</p></body></html>",
        "/waf/tjsj/": lambda handler: send(handler, 403, waf_page()),
        "/u/skx/": lambda handler: send(handler, 403, waf_page()),
        "/images/photo.jpg": lambda handler: send(handler, 200, b"\xff\xd8\xff\xe0JFIF", content_type="image/jpeg"),
    },
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CheckedSite]:
    yield from crawl_and_check(PORTAL, tmp_path_factory.mktemp("crawled_pages"),
                               only=["footer", "page.no_error_report", "link", "home", "content.image_broken"])


# footer.* and page.no_error_report

def test_complete_footer_and_error_report_entry_pass(site: CheckedSite) -> None:
    assert [f for f in site.findings if f["unit"] == "白鹤镇" and f["rule"] != "content.image_broken"] == []


def test_missing_icp_police_and_conac_marks_are_each_reported(site: CheckedSite) -> None:
    assert [len(site.of(rule, "沙河乡")) for rule in ("footer.icp", "footer.police_record", "footer.conac")] == [1, 1, 1]
    assert "未展示党政机关网站标识" in site.of("footer.conac", "沙河乡")[0]["detail"]


def test_commented_out_error_report_script_is_not_an_entry(site: CheckedSite) -> None:
    [finding] = site.of("page.no_error_report", "沙河乡")
    assert "注释" in finding["detail"]


def test_hidden_error_report_link_is_not_an_entry(site: CheckedSite) -> None:
    [finding] = site.of("page.no_error_report", "中坝乡")
    assert "隐藏" in finding["detail"]


def test_site_code_that_disagrees_with_the_portal_is_reported(site: CheckedSite) -> None:
    [finding] = site.of("footer.site_code", "中坝乡")
    assert "3609990002" in finding["detail"] and "不一致" in finding["detail"]


def test_missing_site_code_and_error_report_with_another_sites_code(site: CheckedSite) -> None:
    [missing] = site.of("footer.site_code", "九道乡")
    assert "未列明网站标识码" in missing["detail"]
    [wrong] = site.of("page.no_error_report", "九道乡")
    assert "3609990099" in wrong["detail"]


def test_unit_behind_a_waf_gets_no_footer_or_error_report_finding(site: CheckedSite) -> None:
    assert [f for f in site.findings if f["unit"] == "上龛乡"] == []


# link.dead and content.image_broken

def test_dead_home_page_links_are_found_and_counted_as_home_links(site: CheckedSite) -> None:
    dead = {f["url"].replace(site.base, ""): f for f in site.of("link.dead")}
    assert set(dead) == {"/zt/old/", "http://127.0.0.1:9/zwfw/", "/xxgk/ndbg/"}
    assert all(f["evidence"]["on_home"] for f in dead.values())
    assert "返回HTTP 404" in dead["/zt/old/"]["detail"] and "站内" in dead["/zt/old/"]["detail"]
    assert "连接被拒绝" in dead["http://127.0.0.1:9/zwfw/"]["detail"]
    assert "软404" in dead["/xxgk/ndbg/"]["detail"]


def test_link_refused_by_a_waf_is_unverified_not_dead(site: CheckedSite) -> None:
    assert "/waf/tjsj/" not in site.urls("link.dead")
    assert any("403/429" in n.reason for n in site.skipped("link.dead"))


def test_missing_image_in_an_article_is_a_broken_image_not_a_dead_link(site: CheckedSite) -> None:
    [finding] = site.of("content.image_broken", "白鹤镇")
    assert finding["detail"].startswith(f"《镇领导调研重点项目建设》中的图片{site.base}/images/missing_photo.jpg无法显示")
    assert "返回HTTP 404" in finding["detail"] and len(finding["evidence"]["pages"]) == 1
    assert f"{site.base}/images/missing_photo.jpg" not in {f["url"] for f in site.of("link.dead")}


def test_working_image_is_not_reported(site: CheckedSite) -> None:
    assert all("photo.jpg" not in str(f["evidence"]) or "missing" in str(f["evidence"])
               for f in site.of("content.image_broken"))
    assert len(site.of("content.image_broken")) == 1


# home.not_updated

def test_home_page_with_news_from_yesterday_is_updated(site: CheckedSite) -> None:
    assert site.of("home.not_updated") == []
