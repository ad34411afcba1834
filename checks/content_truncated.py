"""正文缺失或残缺: an article page with no body, or only a "点击查看/详见附件" stub and no attachment.

A reader who opens the article finds nothing to read (indicators A5/B: 内容空白, 信息不完整). Only
articles fetched with HTTP 200 are judged; a page that needs JavaScript to show its text is "not
checked", since the stored text is not what a reader sees.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from sqlalchemy import func, select

from checks.base import Check, CheckContext, FindingDraft, iso
from storage.models import Page

SHORT_BODY = 20  # characters: less than a sentence
STUB_BODY = 120  # a stub is a short body whose point is to send the reader elsewhere
STUB = re.compile(r"点击(?:查看|下载|浏览|阅读)|详见附件|见附件|附件下载|请下载附件|全文下载")


def _verdict(body: str, images: int, attachments: int) -> tuple[str, str] | None:
    """(kind, Chinese detail) of what is wrong with this article body, or None."""
    text = body.strip()
    if len(text) < STUB_BODY and (m := STUB.search(text)) and not attachments:
        return "stub", f"正文只有“{m.group()}”，页面却没有可下载的附件"
    if len(text) < SHORT_BODY and not images and not attachments:
        return ("empty", "正文为空") if not text else ("short", f"正文仅有{len(text)}个字")
    return None


def run(ctx: CheckContext) -> Iterator[FindingDraft]:
    base = (Page.kind == "article", Page.http_status == 200, Page.fetched_at <= ctx.as_of,
            ctx.unit_filter(Page.unit_id))
    ctx.checked_units(ctx.session.execute(select(Page.unit_id).where(*base).distinct()).scalars().all())
    rows = ctx.session.execute(
        select(Page.unit_id, Page.url, Page.title, Page.body_text, Page.flags, Page.fetched_at)
        .where(*base, func.coalesce(func.length(Page.body_text), 0) < STUB_BODY)
    ).all()
    for unit_id, url, title, body, flags, fetched_at in rows:
        flags = flags or {}
        if flags.get("needs_js"):
            ctx.skip("页面正文需执行脚本才显示，未判断", unit_id=unit_id, url=url)
            continue
        verdict = _verdict(body or "", len(flags.get("images") or []), len(flags.get("attachments") or []))
        if verdict is None:
            continue
        kind, detail = verdict
        yield ctx.draft(
            f"《{title or url}》{detail}", unit_id=unit_id, url=url,
            evidence={"title": title, "kind": kind, "body": (body or "")[:200], "body_length": len((body or "").strip()),
                      "images": len(flags.get("images") or []), "attachments": flags.get("attachments") or [],
                      "fetched_at": iso(fetched_at)},
        )


CHECK = Check(
    rule="content.truncated",
    title="正文缺失或残缺",
    clause="国办秘函〔2019〕19号 扣分指标 发布解读>内容准确、完整（信息不完整）",
    severity="deduct",
    points=0.1,
    scope="page",
    run=run,
    fix="补充完整正文；以附件发布的，应在正文中提供可下载的附件。",
    description="文章页正文为空、不足一句话，或只写“点击查看”“详见附件”却没有附件（需执行脚本才显示的页面不判断）。",
)
