"""无有效咨询建言渠道: the portal offers no working online consultation channel (indicators.md A5.1).

Read from what the newest message-board crawl saw of each board (the run's counts["boards"]): a
consultation board whose list page opens and whose 写信 page, when it links one, opens too. 网上信访
and 纪检举报 are special channels and do not count; neither do 在线访谈 or 调查征集. A unit's own
configured board that is broken is reported for that unit.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from checks.base import Check, CheckContext, FindingDraft
from storage.models import CrawlRun, Unit

SPIDER = "messages"
CHANNEL_KINDS = ("consultation",)
KIND_ZH = {"petition": "网上信访", "discipline": "纪检举报", "interview": "在线访谈", "survey": "调查征集"}


def _problems(board: dict[str, Any]) -> list[str] | None:
    """Why a board cannot take a question; [] when it works, None when it cannot be told."""
    problems = []
    status, error = board.get("http_status"), board.get("error")
    if error:
        problems.append(f"栏目页面无法打开（{error}）")
    elif status is not None and status != 200:
        problems.append(f"栏目页面返回HTTP {status}")
    elif board.get("soft_404"):
        problems.append("栏目页面显示“页面不存在”")
    elif board.get("family") is None:
        return None  # opens, but its messages are not readable here (scripts?): not judged
    if board.get("form_error"):
        problems.append(f"写信页面无法打开（{board['form_error']}）")
    elif board.get("form_url") and board.get("form_status") not in (None, 200):
        problems.append(f"写信页面返回HTTP {board['form_status']}")
    elif board.get("form_soft_404"):
        problems.append("写信页面显示“页面不存在”")
    return problems


def _named(board: dict[str, Any]) -> str:
    """网上信访 stays 网上信访; 群众来信 becomes 群众来信（网上信访）."""
    kind = KIND_ZH.get(board.get("kind", ""), board.get("kind", ""))
    return board["name"] if kind in board["name"] else f"{board['name']}（{kind}）"


def latest_boards(ctx: CheckContext) -> tuple[CrawlRun | None, dict[str, dict[str, Any]]]:
    run = ctx.session.scalar(
        select(CrawlRun).where(CrawlRun.counts["spider"].as_string() == SPIDER, CrawlRun.started_at <= ctx.as_of,
                               CrawlRun.status.in_(("finished", "interrupted")))
        .order_by(CrawlRun.id.desc()).limit(1))
    return run, dict((run.counts or {}).get("boards") or {}) if run else {}


def run(ctx: CheckContext) -> Iterator[FindingDraft]:
    crawl, boards = latest_boards(ctx)
    units = {name: (uid, kind) for uid, name, kind in ctx.session.execute(select(Unit.id, Unit.name, Unit.kind))}
    portal = next(((name, uid) for name, (uid, kind) in units.items() if kind == "门户"), None)
    if crawl is None or portal is None:
        ctx.skip("网上问政栏目尚未抓取，未检查咨询渠道")
        return
    by_unit: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for url, board in boards.items():
        by_unit.setdefault(board.get("unit", ""), []).append((url, board))
    name, portal_id = portal
    if ctx.in_scope(portal_id):
        yield from _portal(ctx, portal_id, by_unit.get(name, []))
    for unit, entries in by_unit.items():
        unit_id = units.get(unit, (None, None))[0]
        if unit == name or unit_id is None or not ctx.in_scope(unit_id):
            continue
        ctx.checked_units([unit_id])
        for url, board in entries:
            problems = _problems(board)
            if board.get("origin") == "configured" and board.get("kind") in CHANNEL_KINDS and problems:
                yield ctx.draft(f"「{board['name']}」无法使用：{'；'.join(problems)}", unit_id=unit_id, url=url,
                                evidence={"board": board, "problems": problems})


def _portal(ctx: CheckContext, portal_id: int, entries: list[tuple[str, dict[str, Any]]]
            ) -> Iterator[FindingDraft]:
    channels = [(url, b, _problems(b)) for url, b in entries if b.get("kind") in CHANNEL_KINDS]
    if any(problems == [] for _, _, problems in channels):
        ctx.checked_units([portal_id])
        return
    if channels and all(problems is None for _, _, problems in channels):
        ctx.skip("咨询栏目页面可打开但无法识别留言列表，未检查", unit_id=portal_id)
        return
    ctx.checked_units([portal_id])
    if not channels:
        special = sorted({_named(b) for _, b in entries})
        note = f"；{'、'.join(special)}属专门渠道，不能替代咨询建言渠道" if special else ""
        yield ctx.draft(f"门户网站未开设有效的网上咨询建言渠道（未发现领导信箱、网上问政等咨询类栏目{note}）",
                        unit_id=portal_id, evidence={"boards": [b for _, b in entries]})
        return
    broken = [(url, b, problems) for url, b, problems in channels if problems]
    detail = "；".join(f"「{b['name']}」{'，'.join(problems)}" for _, b, problems in broken)
    yield ctx.draft(f"门户网站的网上咨询建言渠道无法使用：{detail}", unit_id=portal_id, url=broken[0][0],
                    evidence={"boards": [{**b, "url": url, "problems": problems} for url, b, problems in broken]})


CHECK = Check(
    rule="interaction.no_channel",
    title="无有效咨询建言渠道",
    clause="国办秘函〔2019〕19号 单项否决 互动回应差（无有效网上咨询建言渠道）",
    severity="veto",
    scope="site",
    run=run,
    fix="开设并公开网上问政（留言、信箱）渠道，保证可以正常提交。",
    description="门户网站没有可用的领导信箱、网上问政等咨询类栏目（栏目缺失、404或写信页面打不开）；网上信访、纪检举报不算。",
)
