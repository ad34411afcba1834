"""泄露个人信息: ID card numbers with a valid check digit and private mobile numbers in page text.

Publishing citizens' ID numbers or phone numbers (公示名单、补贴发放表) is a privacy leak; the
evidence is masked so the finding itself does not spread the data. Numbers labelled as a
service or contact line (咨询电话、联系电话 …) are public by intent and skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from checks.base import Check, CheckContext, FindingDraft, iso
from checks.facts.pages import page_texts, sentence_at
from portalcheck.core.personal import ID_RE, MOBILE_RE, mask, mask_numbers, valid_id

ELEVEN_DIGITS = re.compile(r"\d{11}")
# Unlike a message reply, a page's 联系人 line is no leak either (名单 contact persons are public by intent).
PUBLIC_LINE = re.compile(r"(联系|咨询|服务|举报|投诉|监督|办公|值班|热线|客服)(电话|手机|方式)|热线|联系人")


def _masked_sentence(text: str, start: int, end: int) -> str:
    return mask_numbers(sentence_at(text, start, end, 80))


def run(ctx: CheckContext) -> Iterator[FindingDraft]:
    for unit_id, url, text, fetched_at in page_texts(ctx):
        if not ELEVEN_DIGITS.search(text):  # most pages: no number long enough to be an ID or a mobile
            continue
        ids = [m for m in ID_RE.finditer(text) if valid_id(m.group())]
        mobiles = [m for m in MOBILE_RE.finditer(text)
                   if not PUBLIC_LINE.search(text[max(0, m.start() - 12):m.start()])]
        if not ids and not mobiles:
            continue
        parts = ([f"身份证号{len(ids)}个"] if ids else []) + ([f"手机号码{len(mobiles)}个"] if mobiles else [])
        hits = ids + mobiles
        yield ctx.draft(
            f"页面公开了公民个人信息：{'、'.join(parts)}（如{mask(hits[0].group())}）",
            unit_id=unit_id, url=url,
            evidence={"id_numbers": [mask(m.group()) for m in ids[:20]], "id_count": len(ids),
                      "mobiles": [mask(m.group()) for m in mobiles[:20]], "mobile_count": len(mobiles),
                      "sentences": list(dict.fromkeys(_masked_sentence(text, m.start(), m.end())
                                                       for m in hits[:5])),
                      "fetched_at": iso(fetched_at)},
        )


CHECK = Check(
    rule="content.personal_data",
    title="泄露公民个人信息",
    clause="国办秘函〔2019〕19号 单项否决 A1（安全、泄密事故等严重问题）；《个人信息保护法》",
    severity="veto",
    scope="page",
    run=run,
    fix="立即删除或遮蔽页面中的公民个人信息，并排查同类页面。",
    description="正文含校验位正确的身份证号码或非公开服务用途的手机号码（证据已脱敏，需人工确认）。",
)
