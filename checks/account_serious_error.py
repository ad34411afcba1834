"""严重表述错误 in posts (new media, indicators.md D1): the website dictionary, applied to posts.

The same curated lists and Aho-Corasick matcher as content.serious_error (checks.dictionary):
one finding per account and wrong form, with the sentences and the posts it appears in.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from checks.account_state import account_states
from checks.base import Check, CheckContext, FindingDraft, iso
from checks.content_scan import sentence_at
from checks.dictionary import GROUP_TEXT, SERIOUS_GROUPS, find
from storage.models import Post


def run(ctx: CheckContext) -> Iterator[FindingDraft]:
    states = {s.account_id: s for s in account_states(ctx)}
    if not states:
        return
    ctx.checked_units({s.unit_id for s in states.values() if s.posts})
    hits_by: dict[tuple[int, str], list[tuple[str | None, str, object]]] = {}
    rights: dict[str, tuple[str, str]] = {}
    query = (select(Post.account_id, Post.url, Post.title, Post.text, Post.published_at)
             .where(Post.account_id.in_(states), Post.published_at <= ctx.as_of)
             .order_by(Post.account_id, Post.published_at.desc()).execution_options(yield_per=500))
    for account_id, url, title, body, published in ctx.session.execute(query):
        text = f"{title or ''}\n{body or ''}"
        for hit in find(text, ctx.leaders):
            if hit.group in SERIOUS_GROUPS:
                hits_by.setdefault((account_id, hit.wrong), []).append((url, sentence_at(text, hit.start, hit.end),
                                                                        published))
                rights[hit.wrong] = (hit.right, hit.group)
    for (account_id, wrong), hits in hits_by.items():
        state = states[account_id]
        right, group = rights[wrong]
        sentences = list(dict.fromkeys(sentence for _, sentence, _ in hits))[:5]
        yield ctx.draft(
            f"{state.label}发布内容中{GROUP_TEXT[group]}错误：“{wrong}”应为“{right}”（{len(hits)}处），"
            f"原文：“{sentences[0]}”",
            unit_id=state.unit_id, url=state.subject, discriminator=f"{state.platform}:{state.name}:{wrong}",
            evidence={"account": state.name, "platform": state.platform, "wrong": wrong, "right": right,
                      "group": group, "count": len(hits), "sentences": sentences,
                      "posts": [{"url": u, "published_at": iso(p)} for u, _, p in hits[:10]]},
        )


CHECK = Check(
    rule="account.serious_error",
    title="政务新媒体严重表述错误",
    clause="国办秘函〔2019〕19号 政务新媒体单项否决（安全、泄密事故等严重问题）",
    severity="veto",
    scope="account",
    run=run,
    description="发布内容中领导人姓名、职务，机构名称，法律法规名称，重要提法写错（与网站共用词典，需人工确认）。",
)
