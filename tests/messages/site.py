"""A county portal's message boards on 127.0.0.1, in two layouts, with every kind of reply.

- 网上问政 (portal): one-page Q&A blocks over two pages, handled by several 部门.
- 局长信箱 (县住建局's own board): <li> list over two pages, detail pages as <dl> label/value lists.
- 网上信访 (portal, a petition channel): an old unanswered letter that the indicators do not count.

Checked at AS_OF (2026-06-30 12:00 +08): the expected findings and table figures are in the tests.
Personal numbers (mobile, ID card, landline) sit in questions and must never reach the store.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from tests.servers import FixtureServer, send

AS_OF = datetime(2026, 6, 30, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
MOBILE, ID_NUMBER, LANDLINE = "13912345678", "362321198807081236", "0795-6612345"

PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head><body>
<div class="header"><a href="/">首页</a> <a href="/wlwz/index.html">网上问政</a> <a href="/zxft/">在线访谈</a></div>
<div class="main">{body}</div>
<div class="footer">青山县人民政府办公室主办 联系电话：0795-7000000</div></body></html>"""

# 网上问政: (id, title, question, asked, unit, status, reply, replied)
QA = [
    ("1001", "灵活就业人员社保缴费咨询",
     f"本人灵活就业，想咨询社保缴费基数怎么确定？我的电话{MOBILE}，身份证号{ID_NUMBER}。",
     "2026-03-02 09:15", "县人社局", "已办结",
     "您好！经核实，灵活就业人员可在60%至300%之间自选缴费基数，可通过赣服通或县社保中心窗口办理。", "2026-03-05 10:00"),
    ("1002", "养老保险转移接续办理进度", "去年提交的养老保险转移申请至今没有结果，请帮忙查询。",
     "2026-01-10 14:20", "县人社局", "办理中", "", ""),
    ("1003", "城东路段红绿灯故障", "城东大道与建设路口的红绿灯坏了一个多月，早晚很危险。",
     "2026-04-28 08:30", "县交通运输局", "已办结",
     "您好！经现场核查，该路口信号机主板损坏，已于5月19日更换，现已恢复正常运行。感谢您的监督！", "2026-05-20 16:00"),
    ("1004", "公交站点设置不合理", "新城区到县医院没有公交站点，老人看病很不方便。",
     "2026-05-06 10:00", "县交通运输局", "已办结", "您好，您反映的问题已转交相关部门办理。", "2026-05-08 09:00"),
    ("1005", "工伤认定问题", "单位不给申报工伤认定，我该怎么办？",
     "2026-05-11 11:11", "县人社局", "已办结", "该事项不属于我局职责范围。", "2026-05-12 15:00"),
    ("1006", "医保报销比例咨询", "在外省住院的费用，医保报销比例是多少？",
     "2026-05-13 09:00", "县人社局", "已办结",
     "您好！该事项不属于我局职责范围，请您向县医保局咨询，联系电话0795-8881234。", "2026-05-15 09:30"),
]
QA_PAGE_2 = [
    ("1007", "小区道路塌陷影响出行", "幸福里小区门口道路塌陷，车辆无法进出。",
     "2026-06-01 08:00", "县住建局", "已办结",
     "您好！此事涉及多个部门，情况复杂。经县住建局、县城管局联合处置，已于6月18日完成道路修复并恢复通行。",
     "2026-06-18 17:00"),
    ("1008", "失业保险金申领", "失业后如何申领失业保险金？", "2026-06-25 10:00", "县人社局", "办理中", "", ""),
    ("1009", "医保异地就医备案", "父母在外地养老，医保异地就医备案怎么办理？",
     "2026-02-13 09:00", "县医保局", "已办结",
     "您好！异地就医备案可通过国家医保服务平台App线上办理，备案后即可在就医地直接结算。", "2026-02-26 10:00"),
    ("1010", "去年的咨询", "这是一年多以前的留言，一直没有回复。", "2025-06-01 10:00", "县人社局", "办理中", "", ""),
]
PETITION = [("x1", "反映征地补偿问题", "征地补偿款至今未发放。", "2026-01-05 10:00", "县自然资源局", "办理中", "", "")]

# 局长信箱 of 县住建局: (id, title, question, asked, status, reply, replied, satisfaction)
LETTERS = [
    ("201", "不动产证办理进度", f"购房三年不动产证还没办下来，我的座机{LANDLINE}。", "2026-02-02 10:00", "已回复",
     "您好！经查，您所在项目的不动产首次登记已于1月完成，您可携带购房合同到县不动产登记中心窗口办理转移登记。",
     "2026-02-03 15:00", "满意"),
    ("202", "商品房不动产登记需要双方到场吗", "买二手房办理不动产登记，卖方在外地，能否一方办理？", "2026-03-10 09:00", "已回复",
     "根据《不动产登记暂行条例》第十四条规定：“因买卖、设定抵押权等申请不动产登记的，应当由当事人双方共同申请。”",
     "2026-03-12 11:00", ""),
    ("203", "老旧小区改造什么时候开始", "我们小区被列入改造计划，什么时候开工？", "2026-06-10 09:00", "办理中", "", "", ""),
]
LETTERS_PAGE_2 = [
    ("204", "公积金贷款在哪里办理", "请问公积金贷款可以去交通银行办理吗？", "2026-01-20 10:00", "已回复",
     "您好！公积金贷款可到县公积金中心或交通银行、建设银行各网点办理，需提供购房合同和收入证明。", "2026-01-22 09:00", "满意"),
]


def _qa_block(entry: tuple[str, ...]) -> str:
    ident, title, question, asked, unit, status, reply, replied = entry
    answer = (f'<div class="answer"><p>答复单位：{unit}</p><p>答复时间：{replied}</p><p>答复内容：{reply}</p></div>'
              if reply else f'<div class="answer"><p>办理单位：{unit}</p></div>')
    return (f'<div class="wz-item" id="wz{ident}"><h4>{title}</h4><div class="ask"><span>留言人：网友</span>'
            f'<span>留言时间：{asked}</span><span>状态：{status}</span></div>'
            f'<div class="q">留言内容：{question}</div>{answer}</div>')


def qa_page(name: str, entries: list[tuple[str, ...]], pager: str) -> str:
    blocks = "".join(_qa_block(e) for e in entries)
    return PAGE.format(title=name, body=f'<h2>{name}</h2><p><a href="/wlwz/write.html">我要写信</a></p>'
                                         f'{blocks}<div class="page">{pager}</div>')


def letters_list(entries: list[tuple[str, ...]], pager: str) -> str:
    rows = "".join(f'<li><a href="/bm/zjj/jzxx/detail.html?id={e[0]}" title="{e[1]}">{e[1]}</a>'
                   f'<span class="state">{e[4]}</span><span class="date">{e[3][:10]}</span></li>' for e in entries)
    body = (f'<h2>局长信箱</h2><a href="/bm/zjj/jzxx/write.html">我要写信</a>'
            f'<ul class="xx-list">{rows}</ul><div class="page">{pager}</div>')
    return PAGE.format(title="局长信箱_县住建局", body=body)


def letter_detail(entry: tuple[str, ...]) -> str:
    ident, title, question, asked, status, reply, replied, satisfaction = entry
    body = (f'<div class="letter"><h1>{title}</h1><dl><dt>信件编号：</dt><dd>ZJ{ident}</dd>'
            f'<dt>来信人：</dt><dd>张**</dd><dt>来信时间：</dt><dd>{asked}</dd><dt>来信内容：</dt><dd>{question}</dd>'
            f'<dt>办理状态：</dt><dd>{status}</dd><dt>回复单位：</dt><dd>县住建局</dd>'
            f'<dt>回复时间：</dt><dd>{replied}</dd><dt>回复内容：</dt><dd>{reply}</dd>'
            f'<dt>满意度：</dt><dd>{satisfaction}</dd></dl></div>')
    return PAGE.format(title=title, body=body)


def routes() -> dict[str, object]:
    home = PAGE.format(title="青山县人民政府", body='<a href="/wlwz/index.html">网上问政</a>'
                                                 '<a href="/bm/zjj/jzxx/">局长信箱</a>')
    site: dict[str, object] = {
        "/": home,
        "/wlwz/index.html": qa_page("网上问政", QA, '共2页 <span>1</span> <a href="index_1.html">2</a> '
                                                    '<a href="index_1.html">下一页</a>'),
        "/wlwz/index_1.html": qa_page("网上问政", QA_PAGE_2, '共2页 <a href="index.html">1</a> <span>2</span>'),
        "/wlwz/write.html": PAGE.format(title="我要写信", body="<form><textarea name='q'></textarea></form>"),
        "/wsxf/": qa_page("网上信访", PETITION, ""),
        "/zxft/": PAGE.format(title="在线访谈", body="<ul><li><a href='/zxft/1.html'>县长在线访谈</a></li></ul>"),
        "/bm/zjj/jzxx/": letters_list(LETTERS, '<a href="/bm/zjj/jzxx/list_2.html">下一页</a> 共2页'),
        "/bm/zjj/jzxx/list_2.html": letters_list(LETTERS_PAGE_2, '<a href="/bm/zjj/jzxx/">上一页</a> 共2页'),
        "/bm/zjj/jzxx/write.html": lambda handler: send(handler, 500, "<html><body>Internal Error</body></html>"),
    }
    letters = {e[0]: letter_detail(e) for e in LETTERS + LETTERS_PAGE_2}

    def detail(handler) -> None:  # type: ignore[no-untyped-def]
        ident = handler.path.split("id=")[-1]
        if ident in letters:
            send(handler, 200, letters[ident])
        else:
            send(handler, 404, "<html><title>404</title></html>")

    site["/bm/zjj/jzxx/detail.html"] = detail
    return site


def serve() -> FixtureServer:
    return FixtureServer(routes())


def config_yaml(base: str, *, broken: bool = False) -> str:
    """The county's config; `broken`: the portal's only consultation board is a 404 (信访 does not count)."""
    boards = (f"  - {{name: 网上信访, url: {base}/wsxf/, kind: petition}}\n"
              f"  - {{name: 县长信箱, url: {base}/xzxx/, kind: consultation}}\n" if broken else
              f"  - {{name: 网上问政, url: {base}/wlwz/index.html, kind: consultation}}\n"
              f"  - {{name: 网上信访, url: {base}/wsxf/, kind: petition}}\n")
    units = "".join(f"  - {{name: {n}, kind: 部门, site: {base}/bm/{c}/}}\n"
                    for n, c in (("县人社局", "rsj"), ("县交通运输局", "jtj"), ("县医保局", "ybj"), ("县自然资源局", "zrj")))
    return (f"portal: {{name: 青山县人民政府门户网站, home: {base}/, site_code: '3609990001'}}\n"
            f"units:\n{units}"
            f"  - name: 县住建局\n    kind: 部门\n    site: {base}/bm/zjj/\n"
            f"    message_board: {{name: 局长信箱, url: {base}/bm/zjj/jzxx/, kind: consultation}}\n"
            f"message_boards:\n{boards}"
            "crawl: {concurrency_per_host: 8, delay_seconds: 0, autothrottle: false, check_external_links: false}\n")
