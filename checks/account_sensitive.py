"""敏感内容 in posts (new media, indicators.md D1): the website's sensitive-word list, applied to posts."""

from __future__ import annotations

from collections.abc import Iterator

from checks.account_posts import scan_posts
from checks.base import Check, CheckContext, FindingDraft
from checks.words.sensitive import find_sensitive


def run(ctx: CheckContext) -> Iterator[FindingDraft]:
    def matcher(text: str) -> Iterator[tuple[int, int, str, object]]:
        return ((h.start, h.end, h.word, h.kind) for h in find_sensitive(text, ctx.sensitive_words))

    for hits in scan_posts(ctx, matcher):
        state, evidence = hits.state, hits.evidence()
        yield ctx.draft(
            f"{state.label}发布内容含敏感词“{hits.word}”（{hits.info}，{hits.count}处），"
            f"原文：“{evidence['sentences'][0]}”",  # type: ignore[index]
            unit_id=state.unit_id, url=state.subject, discriminator=f"{state.platform}:{state.name}:{hits.word}",
            evidence={**evidence, "word": hits.word, "kind": hits.info},
        )


CHECK = Check(
    rule="account.sensitive",
    title="政务新媒体含敏感内容",
    clause="国办秘函〔2019〕19号 政务新媒体单项否决（安全、泄密事故等严重问题：发布反动、暴力、色情等内容）",
    severity="veto",
    scope="account",
    run=run,
    fix="立即删除含敏感内容的推文，加强发布审核。",
    description="发布内容含赌博、色情、办假证等敏感词或配置的自定义敏感词（与网站共用词表，需人工确认）。",
)
