"""严重表述错误 in posts (new media, indicators.md D1): the website dictionary, applied to posts.

The same curated lists and Aho-Corasick matcher as content.serious_error (checks.words.dictionary):
one finding per account and wrong form, with the sentences and the posts it appears in.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.account_posts import scan_posts
from checks.base import Check, CheckContext, FindingDraft
from checks.words.dictionary import GROUP_TEXT, SERIOUS_GROUPS, find


def run(ctx: CheckContext) -> Iterator[FindingDraft]:
    def matcher(text: str) -> Iterator[tuple[int, int, str, object]]:
        return ((h.start, h.end, h.wrong, (h.right, h.group)) for h in find(text, ctx.leaders)
                if h.group in SERIOUS_GROUPS)

    for hits in scan_posts(ctx, matcher):
        right, group = hits.info  # type: ignore[misc]
        state, evidence = hits.state, hits.evidence()
        yield ctx.draft(
            f"{state.label}发布内容中{GROUP_TEXT[group]}错误：“{hits.word}”应为“{right}”（{hits.count}处），"
            f"原文：“{evidence['sentences'][0]}”",  # type: ignore[index]
            unit_id=state.unit_id, url=state.subject, discriminator=f"{state.platform}:{state.name}:{hits.word}",
            evidence={**evidence, "wrong": hits.word, "right": right, "group": group},
        )


CHECK = Check(
    rule="account.serious_error",
    title="政务新媒体严重表述错误",
    clause="国办秘函〔2019〕19号 政务新媒体单项否决（安全、泄密事故等严重问题）",
    severity="veto",
    scope="account",
    run=run,
    fix="立即更正错误表述，严格执行推文发布审核制度。",
    description="发布内容中领导人姓名、职务，机构名称，法律法规名称，重要提法写错（与网站共用词典，需人工确认）。",
)
