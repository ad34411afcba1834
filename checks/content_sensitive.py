"""敏感词: gambling, porn, fake-certificate spam and the deployment's own words in page text (A1(3)).

Hacked government pages carry such text injected for search engines; the check reports each page
with the words and the sentences they sit in. Text that fights the thing ("严厉打击网络赌博") is
not a hit. An inspector confirms before the 通报.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.base import Check, CheckContext, FindingDraft, iso
from checks.facts.pages import page_texts, sentence_at
from checks.words.sensitive import find_sensitive


def run(ctx: CheckContext) -> Iterator[FindingDraft]:
    for unit_id, url, text, fetched_at in page_texts(ctx):
        hits = find_sensitive(text, ctx.sensitive_words)
        if not hits:
            continue
        words = list(dict.fromkeys(h.word for h in hits))
        sentences = list(dict.fromkeys(sentence_at(text, h.start, h.end) for h in hits))[:5]
        yield ctx.draft(
            f"页面含敏感内容（{'、'.join(dict.fromkeys(h.kind for h in hits))}）：“{'”“'.join(words[:5])}”，"
            f"原文：“{sentences[0]}”",
            unit_id=unit_id, url=url,
            evidence={"words": words, "kinds": sorted({h.kind for h in hits}), "count": len(hits),
                      "sentences": sentences, "fetched_at": iso(fetched_at)},
        )


CHECK = Check(
    rule="content.sensitive",
    title="含敏感内容",
    clause="国办秘函〔2019〕19号 单项否决 A1（发布或链接反动、暴力、色情等内容）",
    severity="veto",
    scope="page",
    run=run,
    fix="立即删除敏感内容，排查网站是否被篡改或植入暗链，并加强发布审核和安全防护。",
    description="正文含赌博、色情、办假证等敏感词或配置的自定义敏感词（“打击”“谨防”等语境除外，需人工确认）。",
)
