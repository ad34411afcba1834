"""乱码: text decoded with the wrong encoding (锟斤拷, runs of U+FFFD, UTF-8 read as GBK).

Garbled text on a government page is a visible error that a reader reports (找错), and often
marks a broken CMS export. One finding per page, with the garbled snippets.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from checks.base import Check, CheckContext, FindingDraft, iso
from checks.data import load_data
from checks.facts.pages import page_texts, sentence_at


@cache
def markers() -> tuple[str, ...]:
    data = load_data("garbled.yaml")
    found = list(data["literal"]) + ["\ufffd" * int(data["replacement_run"])]
    for word in data["mojibake_of"]:
        garbled = word.encode("utf-8").decode("gbk", errors="replace").split("\ufffd")[0]
        if len(garbled) >= 3:
            found.append(garbled)
    return tuple(found)


def run(ctx: CheckContext) -> Iterator[FindingDraft]:
    pattern = re.compile("|".join(re.escape(m) for m in markers()))
    # One regex pass in Python over the streamed texts: a SQL prefilter of LIKE '%marker%' per marker
    # and column scanned every text 30-odd times and cost 5-10x more (bench/checks.py).
    for unit_id, url, text, fetched_at in page_texts(ctx):
        hits = list(pattern.finditer(text))
        if not hits:
            continue
        snippets = list(dict.fromkeys(sentence_at(text, m.start(), m.end(), 60) for m in hits))[:5]
        yield ctx.draft(
            f"页面存在乱码（{len(hits)}处，如“{snippets[0][:40]}”）",
            unit_id=unit_id, url=url,
            evidence={"hits": len(hits), "markers": sorted({m.group() for m in hits}), "snippets": snippets,
                      "fetched_at": iso(fetched_at)},
        )


CHECK = Check(
    rule="content.garbled",
    title="页面乱码",
    clause="国办秘函〔2019〕19号 扣分指标 发布解读>内容准确（页面乱码）",
    severity="deduct",
    points=0.5,
    scope="page",
    run=run,
    fix="修正页面编码，重新发布内容正确的页面。",
    description="正文或标题含“锟斤拷”、连续替换字符或UTF-8被按GBK解码形成的乱码（如“鏀垮簻”）。",
)
