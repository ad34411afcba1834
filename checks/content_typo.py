"""常见错别字: general confusion pairs (按装→安装) from the same dictionary; a deduction, not a veto."""

from __future__ import annotations

from collections.abc import Iterator

from checks.base import Check, CheckContext, FindingDraft
from checks.content_serious_error import dictionary_findings


def run(ctx: CheckContext) -> Iterator[FindingDraft]:
    return dictionary_findings(ctx, ("confusions",))


CHECK = Check(
    rule="content.typo",
    title="疑似错别字",
    clause="国办秘函〔2019〕19号 扣分指标 发布解读>内容准确（错别字）",
    severity="deduct",
    points=0.1,
    scope="page",
    run=run,
    fix="更正错别字，加强发布前校对。",
    description="常见错别字（词典中的混淆词对，如“按装”应为“安装”）。",
)
