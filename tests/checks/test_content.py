"""content.garbled, content.serious_error, content.typo, content.personal_data: page text scans."""

from __future__ import annotations

from checks import run_checks
from tests.checks.facts import AS_OF, PORTAL, Facts, findings, make_config


def page_with(store, body: str, title: str = "关于开展安全生产检查的通知") -> int:  # type: ignore[no-untyped-def]
    facts = Facts(store)
    unit = facts.unit()
    facts.page(f"{PORTAL}a/1.html", unit_id=unit, title=title, body_text=body)
    return unit


def check(store, rule: str):  # type: ignore[no-untyped-def]
    return run_checks(store, make_config(), AS_OF, only=[rule])


def test_gbk_mojibake_is_garbled(store) -> None:
    page_with(store, "各乡镇：" + "县人民政府办公室关于做好工作".encode().decode("gbk", errors="replace"))
    check(store, "content.garbled")
    [finding] = findings(store)
    assert finding.detail.startswith("页面存在乱码") and finding.evidence["hits"] >= 1


def test_replacement_characters_and_kunjinkao_are_garbled(store) -> None:
    page_with(store, "通知如下：锟斤拷锟斤拷。附件\ufffd\ufffd\ufffd下载。")
    check(store, "content.garbled")
    assert set(findings(store)[0].evidence["markers"]) >= {"锟斤拷", "\ufffd\ufffd"}


def test_clean_chinese_text_is_not_garbled(store) -> None:
    page_with(store, "县人民政府办公室关于做好2026年防汛工作的通知。")
    check(store, "content.garbled")
    assert findings(store) == []


def test_misspelt_leader_name_is_a_serious_error_with_its_sentence(store) -> None:
    page_with(store, "会议强调。会议传达学习了习近凭总书记重要讲话精神。会议要求")
    check(store, "content.serious_error")
    [finding] = findings(store)
    assert finding.severity == "veto"
    assert finding.detail == "领导人姓名错误：“习近凭”应为“习近平”（1处），原文：“会议传达学习了习近凭总书记重要讲话精神。”"


def test_local_leader_misspelling_comes_from_config(store) -> None:
    page_with(store, "张三峰县长主持召开常务会议。")
    check(store, "content.serious_error")
    assert findings(store)[0].evidence["right"] == "张三丰"


def test_wrong_law_title_is_a_serious_error(store) -> None:
    page_with(store, "依据《中华人民共和国政府信息公开法》规定。")
    check(store, "content.serious_error")
    assert findings(store)[0].evidence["group"] == "laws"


def test_correct_names_are_not_serious_errors(store) -> None:
    page_with(store, "习近平总书记指出。依据《中华人民共和国政府信息公开条例》。")
    check(store, "content.serious_error")
    assert findings(store) == []


def test_confusion_pair_is_a_typo_not_a_serious_error(store) -> None:
    page_with(store, "请各单位按装监控设备。")
    check(store, "content.serious_error")
    assert findings(store) == []
    check(store, "content.typo")
    assert findings(store, "content.typo")[0].evidence["right"] == "安装"


def test_whitelisted_phrase_hides_the_wrong_form_inside_it(store) -> None:
    page_with(store, "按装置类型分类统计。")
    check(store, "content.typo")
    assert findings(store) == []


def test_valid_id_number_is_personal_data_and_masked(store) -> None:
    page_with(store, "补贴发放名单：张某，身份证号11010519491231002X，金额500元。")
    check(store, "content.personal_data")
    [finding] = findings(store)
    assert finding.evidence["id_numbers"] == ["110105********002X"]
    assert "11010519491231002X" not in str(finding.evidence) + finding.detail


def test_id_like_number_with_a_wrong_check_digit_is_ignored(store) -> None:
    page_with(store, "编号110105194912310021。")
    check(store, "content.personal_data")
    assert findings(store) == []


def test_private_mobile_is_personal_data_but_a_service_line_is_not(store) -> None:
    page_with(store, "咨询电话：13812345678。低保户李某，手机13987654321。")
    check(store, "content.personal_data")
    [finding] = findings(store)
    assert finding.evidence["mobiles"] == ["139****4321"]


def test_removed_text_resolves_the_content_finding(store) -> None:
    from datetime import timedelta

    from storage.models import Page

    page_with(store, "锟斤拷")
    check(store, "content.garbled")
    with store.session() as session:
        session.query(Page).update({"body_text": "正常内容"})
    run_checks(store, make_config(), AS_OF + timedelta(days=1), only=["content.garbled"])
    assert findings(store)[0].status == "resolved"


def test_list_item_dated_after_the_check_is_a_future_date(store) -> None:
    from tests.checks.facts import days_ago

    facts = Facts(store)
    column = facts.seen_column(facts.unit(), "工作动态", "news", [days_ago(-10), days_ago(-1), days_ago(3)])
    check(store, "content.format")
    [finding] = findings(store)
    assert finding.evidence["published_on"] == days_ago(-10).isoformat() and column


def test_page_texts_past_the_memory_cap_are_read_again_by_each_content_check(store, monkeypatch) -> None:
    from checks.facts import pages

    facts = Facts(store)
    unit = facts.unit()
    bodies = ["会议传达学习了习近凭总书记重要讲话精神。", "通知如下：锟斤拷锟斤拷。", "手机13987654321。",
              "县人民政府办公室关于做好2026年防汛工作的通知。" * 20]
    for n, body in enumerate(bodies):
        facts.page(f"{PORTAL}a/{n}.html", unit_id=unit, title="通知", body_text=body)
    rules = ["content.serious_error", "content.garbled", "content.personal_data"]
    monkeypatch.setattr(pages, "KEEP_CHARS", 100)  # the fourth page passes the cap: nothing is kept
    report = run_checks(store, make_config(), AS_OF, only=rules)
    assert {o.rule: o.found for o in report.outcomes} == dict.fromkeys(rules, 1)
    assert {f.url for f in findings(store)} == {f"{PORTAL}a/0.html", f"{PORTAL}a/1.html", f"{PORTAL}a/2.html"}
