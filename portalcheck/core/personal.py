"""Personal numbers citizens' pages and messages leak: the patterns, the ID check digit and masking.

One definition serves the crawler (messages are masked before they are stored), the checks
(content.personal_data finds them on pages) and the exports (no cell spreads them again).
"""

from __future__ import annotations

import re

from stdnum.cn import ric

# 18-digit resident ID numbers (GB 11643) born 1800-2099, and private mobile numbers.
ID_RE = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
                   r"(?![0-9A-Za-z])")
MOBILE_RE = re.compile(r"(?<![0-9])1[3-9]\d{9}(?![0-9])")
OLD_ID_RE = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{5}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}(?![0-9A-Za-z])")
LANDLINE_RE = re.compile(r"(?<!\d)0\d{2,3}[-－ ]?\d{7,8}(?!\d)")
LONG_NUMBER_RE = re.compile(r"(?<!\d)\d{12,19}(?!\d)")  # bank cards, social security numbers
# Lines an office publishes on purpose (咨询电话 0795-88xxxxx): kept in replies.
PUBLIC_LINE = re.compile(r"(联系|咨询|服务|举报|投诉|监督|办公|值班|热线|客服)(电话|手机|方式)|热线|致电|拨打")


def valid_id(number: str) -> bool:
    """The GB 11643 check digit agrees (python-stdnum's); region and birth date are left to ID_RE."""
    return ric.calc_check_digit(number) == number[17].upper()


def mask(value: str) -> str:
    """An ID number or a mobile with its middle hidden: 110101********7578, 138****5678."""
    if len(value) == 18:
        return value[:6] + "********" + value[-4:]
    return value[:3] + "****" + value[-4:]


def mask_numbers(text: str) -> str:
    """ID and mobile numbers masked: what a finding's evidence or an export cell may show."""
    text = ID_RE.sub(lambda m: mask(m.group()), text)
    return MOBILE_RE.sub(lambda m: mask(m.group()), text)


def _mask_any(value: str) -> str:
    keep = 3 if len(value) <= 11 else 4
    return value[:keep] + "*" * (len(value) - keep - 4) + value[-4:]


def mask_personal(text: str | None, *, keep_public_lines: bool = False) -> str | None:
    """Every personal number masked (ID old and new, mobile, bank card, landline): what a stored message keeps.
    `keep_public_lines`: an office's own line named as such (咨询电话 …) stays readable."""
    if not text:
        return text
    text = mask_numbers(text)
    text = OLD_ID_RE.sub(lambda m: _mask_any(m.group()), text)
    text = LONG_NUMBER_RE.sub(lambda m: _mask_any(m.group()), text)

    def landline(m: re.Match[str]) -> str:
        if keep_public_lines and PUBLIC_LINE.search(text[max(0, m.start() - 12):m.start()]):
            return m.group()
        return _mask_any(m.group())

    return LANDLINE_RE.sub(landline, text)
