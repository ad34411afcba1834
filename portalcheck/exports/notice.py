"""A drafted 通报: the four statistics paragraphs of a notice like 房政公开发【2020】2号, filled from data.

Inspectors write the notice by hand from the attachment tables; the draft writes the same
figures, rankings and unit lists from the same computations as the tables (publications.py,
columns.py, messages.py, accounts.py: what the newest check run stored), so the notice and its
attachments cannot disagree. What the data cannot say (发文机关, 发文字号, 抄送) comes from config
`notice:` or is left as 【待补充】 for the inspector. notice_docx.py lays the blocks out as a GB/T 9704
公文, pdf.py converts that docx with LibreOffice.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from portalcheck.core.config import Config, NoticeConfig
from portalcheck.exports import columns as upkeep_mod
from portalcheck.exports import publications as pubs_mod
from portalcheck.exports.atomic import replacing
from portalcheck.exports.common import CHINA_TZ, Period, zh_date, zh_moment
from portalcheck.exports.gongwen import TODO, Block
from portalcheck.exports.loop import overdue_by_unit, previous_notice
from portalcheck.exports.notice_docx import render_docx
from portalcheck.exports.pdf import PdfUnavailable, docx_to_pdf, libreoffice
from storage.session import Store

NOTICE_FORMATS = ("docx", "pdf", "md")
__all__ = ["NOTICE_FORMATS", "TODO", "Block", "NoticeData", "PdfUnavailable", "blocks", "compute", "export_notice",
           "render_docx", "render_markdown"]


@dataclass
class NoticeData:
    period: Period
    portal: str
    pubs: pubs_mod.Publications
    upkeep: upkeep_mod.Upkeep
    messages: dict[str, Any]
    accounts: dict[str, Any]
    deadline: date | None = None
    criticised: list[str] = field(default_factory=list)
    notice: NoticeConfig = field(default_factory=NoticeConfig)
    # the 整改 loop: the previous notice (number, deadline) and its units overdue now (unit, findings)
    previous: tuple[int, date] | None = None
    overdue: list[tuple[str, int]] = field(default_factory=list)


def _names(units: list[Any], with_count: bool = False) -> str:
    return "、".join(f"{u.name}（{u.count}条）" if with_count else u.name for u in units)


def compute(store: Store, config: Config, period: Period) -> NoticeData:
    pubs = pubs_mod.compute(store, period, keep_items=False)  # the figures only, not the 信息明细 rows
    upkeep = upkeep_mod.compute(store, config, period)
    data = NoticeData(period, config.portal.name, pubs, upkeep, _figures("messages", store, config, period),
                      _figures("accounts", store, config, period), notice=config.notice)
    data.criticised = list(dict.fromkeys([u.name for u in pubs.zero] + [u.name for u in upkeep.worst]))
    with store.session() as session:
        previous = previous_notice(session, period.as_of)
        if previous is not None:
            data.previous = (previous.number, previous.deadline)
            overdue = overdue_by_unit(session, period.as_of.astimezone(CHINA_TZ).date(), previous.id)
            wanted = set(period.units) if period.units else None
            data.overdue = [(unit, n) for unit, n in overdue.most_common() if wanted is None or unit in wanted]
    return data


def rectification_paragraph(d: NoticeData) -> str | None:
    """（五）整改落实情况: only once a notice was issued before; names the units overdue on its findings."""
    if d.previous is None:
        return None
    number, deadline = d.previous
    text = f"（五）整改落实情况。第{number}期通报要求于{zh_date(deadline)}前完成整改，"
    if d.overdue:
        named = "、".join(f"{unit}（{count}个问题）" for unit, count in d.overdue)
        return text + f"截至{zh_moment(d.period.as_of)}，逾期未完成整改的单位分别是：{named}，共{len(d.overdue)}个，在此提出通报批评。"
    if deadline >= d.period.as_of.astimezone(CHINA_TZ).date():
        return text + "目前仍在整改期限内。"
    return text + "各单位均已按期整改或申诉已采纳。"


def _figures(kind: str, store: Store, config: Config, period: Period) -> dict[str, Any]:
    """The same figures as 附件3/附件4 (exports/messages.py, exports/accounts.py), so paragraph and table agree."""
    from portalcheck.exports.accounts import accounts_table
    from portalcheck.exports.messages import messages_table

    table = messages_table if kind == "messages" else accounts_table
    return table(store, config, period.date_from, period.date_to, period.as_of,
                 list(period.units) if period.units else None)


def _u(names: list[str]) -> str:
    return "、".join(dict.fromkeys(names))


def publication_paragraph(d: NoticeData) -> str:
    p = d.pubs
    text = (f"（一）网站信息发布统计情况。截至{zh_moment(d.period.as_of)}，{d.portal}整站共公开发布各类有效政府信息"
            f"{p.total}条。")
    text += f"信息公开量位居前{len(p.top)}位的单位分别是：{_names(p.top, True)}" if p.top else "各单位均未公开发布信息"
    text += f"；信息公开量在10条以下的单位分别是：{_names(p.few, True)}" if p.few else "；无信息公开量在10条以下的单位"
    if p.zero:
        text += f"；信息公开量为零的单位分别是：{_names(p.zero)}，共{len(p.zero)}个，在此提出通报批评。"
    else:
        text += "；无信息公开量为零的单位。"
    return text + "（详见附件1）"


def upkeep_paragraph(d: NoticeData) -> str:
    u = d.upkeep
    text = f"（二）网站内容保障情况。从{d.period.label()}网站信息更新总体来看，"
    text += (f"各栏目信息更新及时、高效的单位分别是：{_u([x.name for x in u.best])}。" if u.best
             else "没有各栏目均更新及时的单位。")
    if u.worst:
        details = "；".join(_upkeep_detail(x) for x in u.worst)
        text += (f"网页栏目信息更新情况较差的单位分别是：{_u([x.name for x in u.worst])}（{details}），在此提出通报批评。")
    vetoed = [x.name for x in u.units if x.verdict == "不合格"]
    if vetoed:
        text += f"其中，{_u(vetoed)}触发单项否决指标，判定为不合格。"
    return text + "（详见附件2）"


def _upkeep_detail(unit: upkeep_mod.UnitUpkeep) -> str:
    parts = [f"不更新栏目{unit.stale_total}个" if unit.stale_total else "", f"空白栏目{unit.blank}个" if unit.blank else "",
             f"无法访问栏目{unit.broken}个" if unit.broken else ""]
    return f"{unit.name}" + "、".join(p for p in parts if p)


def messages_paragraph(d: NoticeData) -> str:
    m, total = d.messages, d.messages["totals"]
    head = f"（三）网上问政回复情况。{d.period.label()}"
    if not total["received"]:
        return head + f"网上问政平台未采集到群众诉求，{TODO}。（详见附件3）"
    rate = total["closed"] / total["received"]
    text = head + (f"政府网站网上问政平台共受理群众诉求{total['received']}件，办结{total['closed']}件，"
                   f"办结率{rate:.0%}。")
    named = {name: n for name, n in m["categories"].items() if name != "其他"}  # the notice names real fields
    top = sorted(named.items(), key=lambda kv: -kv[1])[:4]
    if top:
        text += "其中" + "，".join(f"{name}类{n}件" for name, n in top) + "。"
    if m["prompt_and_good"]:
        text += f"回复比较及时、质量较高的单位分别是：{_u(m['prompt_and_good'])}。"
    if m["overdue_or_poor"]:
        names = _u([row["unit"] for row in m["overdue_or_poor"]])
        text += f"存在未答复、超期答复或答复质量较差问题的单位分别是：{names}，在此提出通报批评。"
    return text + "（详见附件3）"


def accounts_paragraph(d: NoticeData) -> str:
    a, totals = d.accounts, d.accounts["totals"]
    head = "（四）政务新媒体检查情况。"
    if not totals["accounts"]:
        return head + f"配置中尚未登记政务新媒体账号，{TODO}。（详见附件4）"
    text = head + (f"目前，各单位共开设微博、微信公众号等政务新媒体{totals['accounts']}个。本次检查发现合格的政务新媒体"
                   f"有{totals['qualified']}个，不合格的新媒体{totals['unqualified']}个")
    text += f"，责任单位分别是：{_u(a['unqualified_units'])}" if a["unqualified_units"] else ""
    text += f"，合格率为{totals['rate']}%。" if totals["rate"] is not None else "。"
    if totals["not_checked"]:
        text += f"另有{totals['not_checked']}个账号因采集受阻未能检查。"
    if a["dormant_units"]:
        text += f"超过一年以上未更新的新媒体责任单位分别是：{_u(a['dormant_units'])}，在此提出通报批评。"
    return text + "（详见附件4）"


def blocks(d: NoticeData) -> list[Block]:
    """The notice in GB/T 9704 order: 版头, 主体 (title … 成文日期), the four attachments, 版记."""
    n, period = d.notice, d.period.label()
    issuer, today = n.issuer or TODO, zh_date(datetime.now(CHINA_TZ).date())
    out = [Block("masthead", issuer),
           Block("number", n.number or f"{TODO}〔{d.period.date_to.year}〕号"),
           Block("title", f"关于{period}{d.portal}与政务新媒体检查情况的通报"),
           Block("salutation", f"{n.addressees}："),
           Block("para", f"根据国务院办公厅和省政府办公厅关于加强政府网站和政务新媒体常态化监管的要求，{issuer}近期对"
                         f"{d.portal}与政务新媒体的信息维护工作进行了检查，现将有关情况通报如下："),
           Block("heading", "一、整体情况"),
           Block("para", publication_paragraph(d)), Block("para", upkeep_paragraph(d)),
           Block("para", messages_paragraph(d)), Block("para", accounts_paragraph(d))]
    rectified = rectification_paragraph(d)
    if rectified:
        out.append(Block("para", rectified))
    if d.deadline:
        out.append(Block("para", f"提出通报批评的相关乡镇和县直单位请于{d.deadline.month}月{d.deadline.day}日前将问题整改情况、"
                                 "后续工作措施经单位主要负责人签字、加盖单位公章后报送。"))
    names = [f"{period}信息发布统计表", "部门乡镇网页督查情况表", f"{period}网上问政回复情况统计表", "政务新媒体检查情况表"]
    out += [Block("annex", name, label=str(i)) for i, name in enumerate(names, 1)]
    out += [Block("signature", issuer), Block("date", today)]
    out += attachments(d)
    copy_to = TODO if n.copy_to is None else "，".join(n.copy_to)
    out.append(Block("record", rows=([["抄送", f"{copy_to}。"]] if n.copy_to != [] else [])
                     + [["印发", n.printer or issuer, f"{today}印发"]]))
    return out


def attachments(d: NoticeData) -> list[Block]:
    p, u = d.pubs, d.upkeep
    one = Block("attachment", f"{d.period.label()}信息发布统计表", ["排名", "单位", "信息发布量（条）"],
                [[x.rank, x.name, x.count] for x in p.units] + [["", "合计", p.total]], label="附件1", total_rows=1)
    sums = [sum(getattr(x, key) for x in u.units) for key in ("columns", "timely", "stale_total", "blank", "broken")]
    newest = max((x.newest for x in u.units if x.newest), default=None)
    two = Block("attachment", "部门乡镇网页督查情况表",
                ["单位", "栏目数", "更新及时", "不更新", "空白", "无法访问", "最新信息日期", "结论"],
                [[x.name, x.columns, x.timely, x.stale_total, x.blank, x.broken,
                  x.newest.isoformat() if x.newest else "无", x.verdict] for x in u.units]
                + [["合计", *sums, newest.isoformat() if newest else "无", ""]], label="附件2", total_rows=1)
    m = d.messages
    three = Block("attachment", f"{d.period.label()}网上问政回复情况统计表",
                  ["单位", "受理（件）", "办结（件）", "办结率（%）", "超期答复（件）", "答复质量差（件）"],
                  [[r["unit"], r["received"], r["closed"], r["closure_rate"], r["overdue"], r["poor_replies"]]
                   for r in [*m["units"], {**m["totals"], "unit": "合计"}]], label="附件3", total_rows=1)
    four = Block("attachment", "政务新媒体检查情况表", ["责任单位", "平台", "账号名称", "最近更新", "检查结果"],
                 [[r["unit"], r["platform_zh"], r["name"], r["last_post"] or "无", r["verdict"]]
                  for r in d.accounts["rows"]], label="附件4")
    return [one, two, three, four]


def render_markdown(items: list[Block]) -> str:
    lines: list[str] = []
    number = next((b.text for b in items if b.kind == "number"), "")
    for b in items:
        if b.kind in ("masthead", "number"):
            continue  # the 版头 is the docx's; the plain draft starts at its title, the number under it
        if b.kind == "title":
            lines += [f"# {b.text}", "", f"<p align=\"center\">{number}</p>", ""]
        elif b.kind == "heading":
            lines += [f"## {b.text}", ""]
        elif b.kind == "annex":
            lines += [f"{'附件：' if b.label == '1' else '　　　'}{b.label}．{b.text}", ""]
        elif b.kind == "attachment":
            lines += [f"## {b.label}：{b.text}", "", "| " + " | ".join(b.header) + " |",
                      "|" + "---|" * len(b.header)]
            lines += ["| " + " | ".join(_md(c) for c in row) + " |" for row in b.rows]
            lines.append("")
        elif b.kind == "pictures":
            lines += [f"## {b.label}：{b.text}", ""]
            lines += [line for caption, picture in b.rows for line in (_md(caption), "",
                      f"![{_md(caption)}]({Path(picture).as_uri()})", "")]
        elif b.kind == "record":
            lines += ["---", ""] + [f"{row[0]}：{row[1]}" + (f"　{row[2]}" if len(row) > 2 else "")
                                    for row in b.rows] + [""]
        else:
            lines += [b.text, ""]
    return "\n".join(lines)


def _md(value: Any) -> str:
    return "" if value is None else str(value).replace("|", "\\|")


PICTURES_TITLE = "问题证据截图"
PICTURES_MAX = 100  # an appendix an inspector can still leaf through; the rest are on the finding's page


def with_pictures(items: list[Block], pictures: list[tuple[str, str]]) -> list[Block]:
    """The notice with one more attachment, the evidence pictures ((caption, PNG path) each), listed under
    附件 and placed after the other attachments, before the 版记."""
    if not pictures:
        return items
    annexes = [b for b in items if b.kind == "annex"]
    number = len([b for b in items if b.kind == "attachment"]) + 1
    annex = Block("annex", PICTURES_TITLE, label=str(len(annexes) + 1))
    out = list(items)
    out.insert(out.index(annexes[-1]) + 1 if annexes else len(out), annex)
    block = Block("pictures", PICTURES_TITLE, rows=[list(p) for p in pictures], label=f"附件{number}")
    records = [i for i, b in enumerate(out) if b.kind == "record"]
    out.insert(records[-1] if records else len(out), block)
    return out


def notice_pictures(store: Store, config: Config, period: Period) -> list[tuple[str, str]]:
    """(caption, PNG path) of the newest picture of each active finding in the notice's scope."""
    from sqlalchemy import select

    from portalcheck.exports.common import clean_text
    from portalcheck.exports.findings import rule_titles
    from portalcheck.exports.pictures import latest_taken, picture_file
    from storage.models import ACTIVE_STATUSES, Finding, Unit

    query = (select(Finding.id, Finding.rule, Finding.detail, Unit.name).join(Unit, Unit.id == Finding.unit_id)
             .where(Finding.status.in_(ACTIVE_STATUSES)).order_by(Unit.id, Finding.rule, Finding.id))
    if period.units:
        query = query.where(Unit.name.in_(period.units))
    with store.session() as session:
        findings = session.execute(query).all()
    taken = latest_taken(store, [f.id for f in findings])
    titles = rule_titles()
    out = []
    for f in findings:
        picture = taken.get(f.id)
        path = picture_file(config, picture) if picture else None
        if path is None:
            continue
        when = picture.taken_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
        out.append((clean_text(f"{len(out) + 1}．{f.name}　{titles.get(f.rule, f.rule)}：{f.detail[:120]}"
                               f"（{when}截图，{picture.page_url[:200]}）"), str(path)))
        if len(out) >= PICTURES_MAX:
            break
    return out


def export_notice(store: Store, config: Config, period: Period, path: Path, fmt: str,
                  deadline: date | None = None, pictures: bool = False) -> tuple[Path, NoticeData]:
    """Write the drafted notice; with `deadline`, record it on the criticised units' open findings; with
    `pictures`, an appendix of the evidence pictures of the open findings."""
    from portalcheck.exports.findings import set_deadline

    if fmt not in NOTICE_FORMATS:
        raise ValueError(f"通报草稿的格式应为 {'、'.join(NOTICE_FORMATS)}，实际为 {fmt}")
    if fmt == "pdf":
        libreoffice()  # before anything is recorded: a missing converter loses nothing
    data = compute(store, config, period)
    if deadline is not None:
        data.deadline = deadline
        if data.criticised:
            set_deadline(store, deadline, data.criticised)
    items = blocks(data)
    if pictures:
        items = with_pictures(items, notice_pictures(store, config, period))
    with replacing(path) as temporary:
        if fmt == "md":
            temporary.write_text(render_markdown(items), encoding="utf-8")
        elif fmt == "docx":
            render_docx(items, temporary)
        else:
            with tempfile.TemporaryDirectory(prefix="portalcheck-notice-") as scratch:
                original = Path(scratch) / "notice.docx"
                render_docx(items, original)
                docx_to_pdf(original, temporary)
    return path, data
