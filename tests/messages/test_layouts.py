"""Board pages read without a server: label/value in tables, definition lists and plain lines;
list rows by their header; masking and categories."""

from __future__ import annotations

from datetime import date

from parsel import Selector

from crawler.messages.categories import categorize_message, join
from crawler.messages.layouts import board_kind, message_id, parse_board, parse_detail
from portalcheck.core.personal import mask_personal

TODAY = date(2026, 6, 30)

TABLE_DETAIL = """<html><body><div class="nav">首页 | 互动交流</div><table>
<tr><th>留言标题：</th><td>路灯不亮</td></tr><tr><th>留言时间：</th><td>2026-05-01 09:30:00</td></tr>
<tr><th>留言内容：</th><td>东街路灯坏了。</td></tr><tr><th>办理单位：</th><td>县城管局</td></tr>
<tr><th>办理状态：</th><td>已办结</td></tr><tr><th>答复时间：</th><td>2026-05-06 10:00:00</td></tr>
<tr><th>答复内容：</th><td>您好！<br>已安排维修，5月5日恢复照明。</td></tr></table>
<div class="footer">主办：县政府办 联系电话：0795-7000000</div></body></html>"""

LINES_DETAIL = """<html><body><div class="art"><h1>咨询社保卡补办</h1>
<p>留言时间：2026年5月8日</p><p>问：社保卡丢了怎么补办？</p><p>回复单位：县人社局</p>
<p>回复时间：2026年5月9日</p><p>答：可携带身份证到县社保中心窗口补办，当场制卡。</p></div></body></html>"""

FOUR_COLUMN_DETAIL = """<html><body><table>
<tr><td>信件编号</td><td>XJ2026-0012</td><td>来信时间</td><td>2026-03-03</td></tr>
<tr><td>来信标题</td><td colspan="3">农村危房改造补助</td></tr><tr><td>来信内容</td><td colspan="3">补助何时发放？</td></tr>
<tr><td>处理状态</td><td>已转办</td><td>回复时间</td><td></td></tr></table></body></html>"""

LIST = """<html><body><ul class="menu"><li><a href="/">首页</a></li></ul><table class="list">
<tr><th>序号</th><th>信件标题</th><th>来信日期</th><th>受理单位</th><th>状态</th></tr>
<tr><td>1</td><td><a href="show.jsp?letterid=77">咨询公积金</a></td><td>2026-06-01</td><td>县住建局</td><td>已回复</td></tr>
<tr><td>2</td><td><a href="show.jsp?letterid=78">噪音扰民</a></td><td>2026-06-02</td><td>县生态环境局</td><td>办理中</td></tr>
</table><a href="list.jsp?page=2">下一页</a> 共2页 <a href="javascript:void(0)">我要写信</a></body></html>"""


def test_table_detail_reads_every_field_and_leaves_the_footer_out() -> None:
    m = parse_detail(Selector(text=TABLE_DETAIL), "http://x/d/1.html", today=TODAY)
    assert m is not None
    assert (m.title, m.handling_unit, m.status_word) == ("路灯不亮", "县城管局", "已办结")
    assert m.asked_at.isoformat() == "2026-05-01T09:30:00+08:00"
    assert m.reply == "您好！已安排维修，5月5日恢复照明。"


def test_label_lines_and_question_answer_markers_are_read() -> None:
    m = parse_detail(Selector(text=LINES_DETAIL), "http://x/d/2.html", today=TODAY)
    assert m is not None
    assert (m.title, m.question, m.handling_unit) == ("咨询社保卡补办", "社保卡丢了怎么补办？", "县人社局")
    assert m.reply.startswith("可携带身份证") and m.replied_at.date() == date(2026, 5, 9)


def test_four_column_tables_pair_each_label_with_its_cell() -> None:
    m = parse_detail(Selector(text=FOUR_COLUMN_DETAIL), "http://x/d/3.html", today=TODAY)
    assert m is not None
    assert (m.external_id, m.title, m.status_word, m.replied_at) == ("XJ2026-0012", "农村危房改造补助", "已转办", None)


def test_list_rows_follow_the_header_and_the_pager() -> None:
    page = parse_board(Selector(text=LIST), "http://x/hd/list.jsp", today=TODAY)
    assert page.family == "table_list"
    assert [(e.external_id, e.title, e.asked_on, e.handling_unit, e.status_word) for e in page.entries] == [
        ("77", "咨询公积金", date(2026, 6, 1), "县住建局", "已回复"),
        ("78", "噪音扰民", date(2026, 6, 2), "县生态环境局", "办理中")]
    assert page.next_urls == ["http://x/hd/list.jsp?page=2"] and page.form_url == ""


def test_message_ids_come_from_the_url() -> None:
    assert message_id("http://x/hdjl/xzxx/202605/t20260511_2111.html") == "t20260511_2111"
    assert message_id("http://x/detail.html?id=201") == "201"
    assert message_id("http://x/index.html?a=1") == "/index.html?a=1"


def test_board_kinds_follow_the_indicators() -> None:
    kinds = {name: board_kind(name) for name in ("县长信箱", "网上信访", "纪检监察举报", "在线访谈", "民意征集", "网上问政")}
    assert kinds == {"县长信箱": "consultation", "网上信访": "petition", "纪检监察举报": "discipline",
                     "在线访谈": "interview", "民意征集": "survey", "网上问政": "consultation"}


def test_personal_numbers_are_masked_but_office_lines_in_replies_kept() -> None:
    question = "我的手机13912345678，身份证362321198807081236，家里电话0795-6612345，银行卡6222021234567890123。"
    masked = mask_personal(question)
    for number in ("13912345678", "362321198807081236", "0795-6612345", "6222021234567890123"):
        assert number not in masked
    assert mask_personal("如有疑问请致电0795-8881234。", keep_public_lines=True) == "如有疑问请致电0795-8881234。"


def test_categories_are_several_or_other() -> None:
    assert categorize_message("核酸检测点太少", "疫情期间老人做核酸排队太久") == ["疫情防控"]
    assert categorize_message("低保申请", "脱贫户能否申请低保和医保补助") == ["精准扶贫/乡村振兴", "社保医保"]
    assert categorize_message("交通银行网点", "交通银行门口能否办理业务") == ["其他"]
    assert join(["疫情防控", "精准扶贫/乡村振兴", "监督执法", "社保医保", "住房/不动产", "教育", "交通"]) == (
        "疫情防控,精准扶贫/乡村振兴,监督执法,社保医保,住房/不动产,教育,交通")
