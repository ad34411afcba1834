"""严重表述错误: misspelt leader names, wrong titles, wrong institution and law names (indicators A1).

"将党和国家领导人姓名写错" is the canonical single-veto example. Hits come from a curated
dictionary (checks/data/serious_errors.yaml plus the deployment's own leaders from config),
each with the sentence it appears in; an inspector confirms before the 通报.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.base import Check, CheckContext, FindingDraft, iso
from checks.facts.pages import page_texts, sentence_at
from checks.words.dictionary import GROUP_TEXT, SERIOUS_GROUPS, find


def dictionary_findings(ctx: CheckContext, groups: tuple[str, ...]) -> Iterator[FindingDraft]:
    """One finding per page and wrong form, for the dictionary groups given."""
    for unit_id, url, text, fetched_at in page_texts(ctx):
        by_wrong: dict[str, list] = {}
        for hit in find(text, ctx.leaders):
            if hit.group in groups:
                by_wrong.setdefault(hit.wrong, []).append(hit)
        for wrong, hits in by_wrong.items():
            first = hits[0]
            sentences = list(dict.fromkeys(sentence_at(text, h.start, h.end) for h in hits))[:5]
            yield ctx.draft(
                f"{GROUP_TEXT[first.group]}错误：“{wrong}”应为“{first.right}”（{len(hits)}处），"
                f"原文：“{sentences[0]}”",
                unit_id=unit_id, url=url, discriminator=wrong,
                evidence={"wrong": wrong, "right": first.right, "group": first.group, "count": len(hits),
                          "sentences": sentences, "fetched_at": iso(fetched_at)},
            )


def run(ctx: CheckContext) -> Iterator[FindingDraft]:
    return dictionary_findings(ctx, SERIOUS_GROUPS)


CHECK = Check(
    rule="content.serious_error",
    title="严重表述错误",
    clause="国办秘函〔2019〕19号 单项否决 A1（严重表述错误）",
    severity="veto",
    scope="page",
    run=run,
    fix="立即更正错误表述，严格执行信息发布审核制度。",
    description="领导人姓名、职务，机构名称，法律法规名称，重要提法写错（词典匹配，需人工确认）。",
)
