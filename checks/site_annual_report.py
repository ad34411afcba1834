"""政府网站工作年度报表 (国办函〔2018〕12号): the previous year's report is published on the site and linked from the
home page by the deadline (1月31日, thresholds.annual_report_deadline; until then the year before's is judged), it has the table's sections, and its
figures agree with what portalcheck read for that year where the two can be compared: 信息发布总数 against the
dated items crawled, 留言 收到/办结 against the message boards, the 微博/微信 names against the configured
accounts, 标识码 and ICP against the config and the home page's footer.

Figures differ by more than thresholds.annual_report_tolerance (relative) before they are a finding, and the
finding gives both numbers: the crawl sees what is online now, the report counts what was published then.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from checks.base import Check, CheckContext, FindingDraft
from storage.models import Account, AnnualReport, Link, LinkTarget, ListItem, Message, Page

SECTIONS = ("信息发布", "专栏专题", "解读回应", "办事服务", "互动交流", "安全防护", "移动新媒体", "创新发展")
PLATFORM_NAME = {"weibo_name": ("weibo", "微博"), "wechat_name": ("wechat", "微信")}


def _home(ctx: CheckContext) -> Any:
    return ctx.session.execute(
        select(Page.id, Page.url, Page.unit_id, Page.marks)
        .where(Page.kind == "home", Page.http_status == 200, Page.error.is_(None), Page.fetched_at <= ctx.as_of)
        .order_by(Page.fetched_at.desc()).limit(1)).first()


def _year_bounds(ctx: CheckContext, year: int) -> tuple[datetime, datetime]:
    zone = ZoneInfo(ctx.timezone)
    return datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)


def crawled_figures(ctx: CheckContext, year: int) -> dict[str, int]:
    """What the store holds for `year`: dated items (distinct pages), messages asked and of those answered."""
    start, end = _year_bounds(ctx, year)
    items = ctx.session.scalar(select(func.count(func.distinct(ListItem.url)))
                               .where(ListItem.published_on >= start.date(), ListItem.published_on < end.date()))
    asked = (Message.asked_at >= start, Message.asked_at < end)
    received = ctx.session.scalar(select(func.count(Message.id)).where(*asked))
    closed = ctx.session.scalar(select(func.count(Message.id)).where(*asked, Message.replied_at.is_not(None)))
    return {"info_total": items or 0, "messages_received": received or 0, "messages_closed": closed or 0}


def _differs(reported: int | None, crawled: int, tolerance: float) -> bool:
    if reported is None:
        return False
    return abs(reported - crawled) > tolerance * max(reported, crawled, 1)


def _compare(ctx: CheckContext, figures: dict[str, Any], year: int, home_marks: dict[str, Any]
             ) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(discriminator, detail, evidence) for each figure the report gets wrong."""
    tolerance = ctx.thresholds.annual_report_tolerance
    crawled = crawled_figures(ctx, year)
    labels = {"info_total": ("信息发布总数", "条", "抓取到该年发布的信息"),
              "messages_received": ("收到留言数量", "条", "留言板该年收到的留言"),
              "messages_closed": ("办结留言数量", "条", "留言板该年收到并已答复的留言")}
    for name, (label, unit, source) in labels.items():
        reported = figures.get(name)
        if _differs(reported, crawled[name], tolerance):
            yield (name, f"工作年度报表{label}为{reported}{unit}，{source}{crawled[name]}{unit}，相差超过{tolerance:.0%}",
                   {"reported": reported, "crawled": crawled[name], "tolerance": tolerance})
    if (code := (figures.get("site_code") or "").strip()) and code != ctx.site_code:
        yield ("site_code", f"工作年度报表政府网站标识码为{code}，与本网站标识码{ctx.site_code}不一致",
               {"reported": code, "expected": ctx.site_code})
    icp, footer_icp = re.sub(r"\s+", "", figures.get("icp") or ""), home_marks.get("icp") or ""
    if icp and footer_icp and icp.rstrip("号") != footer_icp.rstrip("号"):
        yield ("icp", f"工作年度报表ICP备案号为{icp}，与首页底部{footer_icp}不一致", {"reported": icp, "footer": footer_icp})
    for name, (platform, label) in PLATFORM_NAME.items():
        reported = (figures.get(name) or "").strip()
        if not reported or reported in ("无", "/", "-"):
            continue
        accounts = set(ctx.session.scalars(select(Account.name).where(Account.platform == platform)))
        if accounts and not set(re.split(r"[、，,；;\s]+", reported)) & accounts:
            yield (name, f"工作年度报表{label}名称为{reported}，与登记的{label}账号（{'、'.join(sorted(accounts))}）不一致",
                   {"reported": reported, "configured": sorted(accounts)})


def due_year(today: date, month: int, day: int) -> int:
    """The newest year whose report is due: last year's after its deadline, the year before until then."""
    return today.year - 1 if today > date(today.year, month, day) else today.year - 2


def run(ctx: CheckContext) -> Iterator[FindingDraft]:
    today = ctx.today
    month, day = (int(x) for x in ctx.thresholds.annual_report_deadline.split("-"))
    year = due_year(today, month, day)
    home = _home(ctx)
    if home is None:
        ctx.skip("首页未能读取，无法检查年度报表")
        return
    unit_id, home_url = home.unit_id, home.url
    ctx.checked_units([unit_id])
    reports = ctx.session.execute(
        select(AnnualReport.url, AnnualReport.title, AnnualReport.figures)
        .where(AnnualReport.year == year, AnnualReport.error.is_(None), AnnualReport.fetched_at <= ctx.as_of)
        .order_by(AnnualReport.fetched_at.desc())).all()
    if not reports:
        yield ctx.draft(f"未在网站上找到{year}年度政府网站工作年度报表（应于{year + 1}年{month}月{day}日前公开并在首页链接）",
                        unit_id=unit_id, url=home_url, discriminator="missing", evidence={"year": year})
        return
    linked = set(ctx.session.scalars(
        select(LinkTarget.url).join(Link, Link.target_id == LinkTarget.id)
        .where(Link.page_id == home.id, LinkTarget.url.in_([r.url for r in reports]))))
    report = next((r for r in reports if r.url in linked), reports[0])
    evidence: dict[str, Any] = {"year": year, "report": report.url, "title": report.title}
    if not linked:
        yield ctx.draft(f"{year}年度政府网站工作年度报表未在首页链接", unit_id=unit_id, url=report.url,
                        discriminator="not_linked", evidence=evidence)
    figures = report.figures or {}
    if missing := [s for s in figures.get("missing_sections", []) if s in SECTIONS]:
        yield ctx.draft(f"{year}年度政府网站工作年度报表缺少{'、'.join(missing)}栏目", unit_id=unit_id, url=report.url,
                        discriminator="sections", evidence={**evidence, "missing_sections": missing})
    for name, detail, shows in _compare(ctx, figures, year, home.marks or {}):
        yield ctx.draft(f"{year}年度{detail}", unit_id=unit_id, url=report.url, discriminator=name,
                        evidence={**evidence, **shows})


CHECK = Check(
    rule="site.annual_report",
    title="政府网站工作年度报表未公开或数据与实际不符",
    clause="国办函〔2018〕12号 政府网站工作年度报表；国办发〔2017〕47号 政府网站发展指引",
    severity="info",
    scope="site",
    run=run,
    fix="每年1月31日前在网站公开上一年度政府网站工作年度报表并在首页链接，如实填报各项数据。",
    description="上一年度政府网站工作年度报表未按期公开或未在首页链接，缺少报表栏目，"
                "或其信息发布总数、留言办理、政务新媒体、标识码、ICP备案号与抓取所得不一致（超过允许偏差）。",
)
