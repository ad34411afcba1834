"""Personal numbers in messages are masked before a message is stored, so no export can leak them.

Citizens write their mobile, ID card, landline or bank card numbers into questions (and replies
quote them back). Office lines in replies (咨询电话 0795-88xxxxx) are public by intent and kept.
The ID and mobile patterns are the ones content.personal_data looks for on pages.
"""

from __future__ import annotations

import re

from checks.content_personal_data import ID_RE, MOBILE_RE, mask

OLD_ID_RE = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{5}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}(?![0-9A-Za-z])")
LANDLINE_RE = re.compile(r"(?<!\d)0\d{2,3}[-－ ]?\d{7,8}(?!\d)")
LONG_NUMBER_RE = re.compile(r"(?<!\d)\d{12,19}(?!\d)")  # bank cards, social security numbers
PUBLIC_LINE = re.compile(r"(联系|咨询|服务|举报|投诉|监督|办公|值班|热线|客服)(电话|手机|方式)|热线|致电|拨打")


def _mask_any(value: str) -> str:
    digits = len(value)
    keep = 3 if digits <= 11 else 4
    return value[:keep] + "*" * (digits - keep - 4) + value[-4:]


def mask_personal(text: str | None, *, keep_public_lines: bool = False) -> str | None:
    """Mask ID, mobile, bank-card and (outside public office lines) landline numbers."""
    if not text:
        return text
    text = ID_RE.sub(lambda m: mask(m.group()), text)
    text = OLD_ID_RE.sub(lambda m: _mask_any(m.group()), text)
    text = MOBILE_RE.sub(lambda m: mask(m.group()), text)
    text = LONG_NUMBER_RE.sub(lambda m: _mask_any(m.group()), text)

    def landline(m: re.Match[str]) -> str:
        if keep_public_lines and PUBLIC_LINE.search(text[max(0, m.start() - 12):m.start()]):
            return m.group()
        return _mask_any(m.group())

    return LANDLINE_RE.sub(landline, text)
