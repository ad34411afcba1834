"""Content rules on crawled articles: each defect planted in one article of 白鹤镇, its harmless
look-alike in 沙河乡, and the same defect on pages the crawler could not read in 中坝乡 (an error
page, a WAF): nothing is reported about text nobody saw.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from portalcheck.demo.model import mojibake

from .portal import PARAGRAPHS, CheckedSite, Col, Item, Portal, Unit, crawl_and_check, day

ID_NUMBER = "360999198503124523"  # valid GB 11643 check digit
MISSPELT = "县委副书记、县长李健国出席会议并讲话，对全镇安全生产工作提出明确要求。"
SPAM = "澳门博彩官网，真人娱乐百家乐在线开户，首存即送彩金。"


def says(*lines: str) -> tuple[str, ...]:
    return (PARAGRAPHS[0], *lines)


PORTAL = Portal(
    units=[
        Unit("白鹤镇", "bhz", [
            Col("工作动态", "gzdt", [
                Item("镇政府召开防汛工作会议", 2, says(mojibake("青山县人民政府召开专题会议，研究部署防汛抗旱工作。"))),
                Item("县领导到白鹤镇调研安全生产", 4, says(MISSPELT)),
                Item("白鹤镇完成路灯按装工程", 6, says("全镇新按装路灯120盏，方便群众夜间出行。")),
                Item("2026年度低保对象公示", 8, says(f"拟纳入低保对象：王某某，身份证号{ID_NUMBER}，家庭人口3人。")),
                Item("白鹤镇开展文明创建活动", 10, says(SPAM)),
                Item("白鹤镇召开村级财务工作会议", 12, source=None),
                Item("白鹤镇举办农民丰收节", 14, article_days_ago=40),
                Item("白鹤镇开展消防演练", 16, images=[("/images/a.jpg", 600), ("/images/b.jpg", 120)]),
                Item("白鹤镇组织学习内部资料", 18, says("会议传达学习了内部资料精神。")),
                Item("白鹤镇2027年工作计划", -30),
            ]),
            Col("通知公告", "tzgg", [
                Item("关于征收土地的公告", 3, ("详见附件。",)),
                Item("关于开展人口普查的通知", 5, ("详见附件。",), attachments=[("人口普查方案.pdf", "/files/rkpc.pdf")]),
                Item("关于春节值班安排的通知", 7, ()),
                Item("关于农村危房改造的通知", 9),
                Item("关于农村危房改造的通知", 9),
                Item("镇政府常务会议纪要", 11),
                Item("镇政府常务会议纪要", 25),
            ]),
        ]),
        Unit("沙河乡", "shx", [
            Col("工作动态", "gzdt", [
                Item("沙河乡开展禁赌宣传", 2, says("派出所民警宣讲严厉打击网络赌博网站违法犯罪的政策。")),
                Item("县领导到沙河乡调研", 4, says("县委副书记、县长李建国出席会议并讲话。")),
                Item("沙河乡公布便民服务电话", 6, says("咨询电话：13907951234，受理群众诉求。",
                                                      "编号360999198503124529的档案已归档。")),
                Item("沙河乡完成路灯安装工程", 8, says("全乡新安装路灯80盏。")),
                Item("沙河乡召开党建工作会议", 10),
            ]),
        ]),
        Unit("中坝乡", "zbx", [
            Col("工作动态", "gzdt", [
                Item("县领导到中坝乡调研", 2, says(MISSPELT), status=500),
                Item("中坝乡开展文明创建活动", 4, says(SPAM), status=403),
                Item("中坝乡召开党建工作会议", 6),
            ]),
        ]),
    ],
    home_items=[Item("青山县召开县政府常务会议", 20), Item("青山县部署秋冬季森林防火工作", 30)],
    leaders={"李建国": ["李健国"]},
    sensitive_words=["内部资料"],
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CheckedSite]:
    yield from crawl_and_check(PORTAL, tmp_path_factory.mktemp("crawled_content"), only=["content", "home"])


def titles(site: CheckedSite, rule: str, unit: str) -> list[str]:
    return sorted(f["evidence"].get("title") or f["detail"] for f in site.of(rule, unit))


def test_mojibake_is_garbled_and_clean_text_is_not(site: CheckedSite) -> None:
    [finding] = site.of("content.garbled", "白鹤镇")
    assert finding["url"].endswith(f"t{day(2):%Y%m%d}_1.html")
    assert site.of("content.garbled", "沙河乡") == []


def test_misspelt_leader_is_a_serious_error_with_its_sentence(site: CheckedSite) -> None:
    [finding] = site.of("content.serious_error", "白鹤镇")
    assert finding["evidence"]["wrong"] == "李健国" and finding["evidence"]["right"] == "李建国"
    assert "李健国出席会议并讲话" in finding["evidence"]["sentences"][0]
    assert site.of("content.serious_error", "沙河乡") == []


def test_confusion_pair_is_a_typo(site: CheckedSite) -> None:
    [finding] = site.of("content.typo", "白鹤镇")
    assert "“按装”应为“安装”" in finding["detail"]
    assert site.of("content.typo", "沙河乡") == []


def test_valid_id_number_is_personal_data_masked_and_a_service_line_is_not(site: CheckedSite) -> None:
    [finding] = site.of("content.personal_data", "白鹤镇")
    assert finding["evidence"]["id_numbers"] == ["360999********4523"]
    assert ID_NUMBER not in str(finding)
    assert site.of("content.personal_data", "沙河乡") == []


def test_gambling_spam_and_configured_words_are_sensitive(site: CheckedSite) -> None:
    found = {f["evidence"]["words"][0]: f for f in site.of("content.sensitive", "白鹤镇")}
    assert set(found) == {"澳门博彩", "内部资料"}
    assert "百家乐" in found["澳门博彩"]["evidence"]["words"]
    assert found["内部资料"]["evidence"]["kinds"] == ["自定义"]


def test_text_about_fighting_gambling_is_not_sensitive(site: CheckedSite) -> None:
    assert site.of("content.sensitive", "沙河乡") == []


def test_stub_without_attachment_and_empty_body_are_truncated(site: CheckedSite) -> None:
    found = {f["evidence"]["title"]: f["evidence"]["kind"] for f in site.of("content.truncated", "白鹤镇")}
    assert found == {"关于征收土地的公告": "stub", "关于春节值班安排的通知": "empty"}


def test_article_missing_the_source_its_column_always_gives_is_a_format_finding(site: CheckedSite) -> None:
    problems = {f["evidence"]["title"]: f["evidence"]["problem"] for f in site.of("content.format", "白鹤镇")}
    assert problems["白鹤镇召开村级财务工作会议"] == "missing_source"


def test_list_date_disagreeing_with_the_article_date_is_a_format_finding(site: CheckedSite) -> None:
    [finding] = [f for f in site.of("content.format", "白鹤镇") if f["evidence"]["problem"] == "date_mismatch"]
    assert finding["evidence"]["list_date"] == day(14).isoformat()
    assert finding["evidence"]["article_date"] == day(40).isoformat()


def test_images_of_very_different_widths_and_future_dates_are_format_findings(site: CheckedSite) -> None:
    problems = {f["evidence"]["problem"] for f in site.of("content.format", "白鹤镇")}
    assert problems == {"missing_source", "date_mismatch", "image_sizes", "future_date"}
    assert site.of("content.format", "沙河乡") == []


def test_same_title_and_date_twice_is_a_duplicate_but_a_periodic_title_is_not(site: CheckedSite) -> None:
    [finding] = site.of("content.duplicate", "白鹤镇")
    assert finding["detail"] == "「通知公告」栏目重复发布《关于农村危房改造的通知》（2次）"


def test_pages_the_crawler_could_not_read_report_nothing(site: CheckedSite) -> None:
    assert [f for f in site.findings if f["unit"] == "中坝乡"] == []


def test_home_page_whose_newest_item_is_20_days_old_is_not_updated(site: CheckedSite) -> None:
    [finding] = site.of("home.not_updated")
    assert day(20).isoformat() in finding["detail"]
