"""The draft init writes from what the pages showed (portalcheck.onboard): accounts given to their units, crawled
text that cannot break the YAML or its comments, and what is left for a person marked TODO."""

from __future__ import annotations

from pathlib import Path

from crawler.register import FoundAccount, FoundBoard, FoundUnit, RegisterPage
from crawler.register_run import PortalReading
from portalcheck.core.config import CrawlConfig, load_config
from portalcheck.onboard import make_draft, render_config
from tests.config_files import write_config_file

HOME = "https://www.example.gov.cn/"


def reading(*, units: list[FoundUnit], accounts: list[FoundAccount], boards: list[FoundBoard] = (),  # type: ignore[assignment]
            site_code: str | None = "1234560001", answers: dict[str, str | None] | None = None) -> PortalReading:
    page = RegisterPage(HOME, name="某某县人民政府门户网站", site_code=site_code, units=units, boards=list(boards),
                        accounts=accounts)
    return PortalReading(HOME, [page], answers=answers or {})


def written(tmp_path: Path, text: str) -> Path:
    return write_config_file(tmp_path, text)


TOWN = FoundUnit("白鹤镇", "乡镇", HOME + "xzjd/bhz/", "heading")
FINANCE = FoundUnit("县财政局", "部门", HOME + "bm/czj/", "heading")


def test_accounts_go_to_the_unit_their_row_or_name_names() -> None:
    draft = make_draft(reading(units=[TOWN, FINANCE], accounts=[
        FoundAccount("wechat", "白鹤镇发布", HOME + "feeds/bhz.xml"),  # the unit's whole name
        FoundAccount("weibo", "某某财政", None, "1987654321"),  # its core name 财政
        FoundAccount("weibo", "某某发布", None, "2987654321", unit="县财政局"),  # the row names it
    ]))
    assert {owner: [a.name for a in accounts] for owner, accounts in draft.accounts.items()} == {
        "白鹤镇": ["白鹤镇发布"], "县财政局": ["某某财政", "某某发布"]}
    assert draft.unplaced == [] and draft.portal_unit is None


def test_hostile_names_and_urls_stay_inside_their_yaml_values_and_comments(tmp_path: Path) -> None:
    hostile = "某某发布\nunits: []  # 注入"
    draft = make_draft(reading(units=[FoundUnit("县财政局: x", "部门", HOME + "bm/czj/?a=1&b=[2]", "heading")],
                               accounts=[FoundAccount("wechat", hostile, "https://mp.weixin.qq.com/s?__biz=x")]))
    path = written(tmp_path, render_config(draft, CrawlConfig()))
    config = load_config(path)
    assert [(u.name, u.site) for u in config.units] == [("县财政局: x", HOME + "bm/czj/?a=1&b=[2]")]
    text = path.read_text(encoding="utf-8")
    # the WeChat account without a feed and without a unit is a comment after the units, on one line
    assert "  # - {platform: wechat, name: 某某发布 units: []  # 注入, url: 订阅源地址}" in text
    assert "\nunits: []" not in text


def test_missing_site_code_and_unplaced_accounts_are_todo_and_the_draft_still_loads(tmp_path: Path) -> None:
    draft = make_draft(reading(units=[TOWN], site_code=None,
                               accounts=[FoundAccount("wechat", "某某微信"), FoundAccount("weibo", "某某发布", None, "1987654321")]))
    text = render_config(draft, CrawlConfig())
    config = load_config(written(tmp_path, text))
    assert 'site_code: "0000000000"  # TODO 未找到网站标识码' in text
    # a readable account no unit could be given sits under the portal itself; one without a feed is a comment
    assert [(u.name, u.kind, [a.name for a in u.accounts]) for u in config.units] == [
        ("某某县人民政府门户网站", "门户", ["某某发布"]), ("白鹤镇", "乡镇", [])]
    assert "# - {platform: wechat, name: 某某微信, url: 订阅源地址}" in text
    questions = draft.open_questions()
    assert any("未找到网站标识码" in q for q in questions)
    assert "微博账号“某某发布”（所属单位不明，已列在门户名下），请移到其所属单位下" in questions


def test_a_unit_whose_site_did_not_answer_is_kept_and_marked(tmp_path: Path) -> None:
    draft = make_draft(reading(units=[TOWN, FINANCE], accounts=[], answers={FINANCE.site: "HTTP 404"}))
    text = render_config(draft, CrawlConfig())
    assert "  - name: 县财政局  # TODO 站点未能打开: HTTP 404" in text
    assert len(load_config(written(tmp_path, text)).units) == 2
    assert "单位“县财政局”的网站未能打开（HTTP 404），请核对其 site 地址" in draft.open_questions()
