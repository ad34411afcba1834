"""GB/T 9704-2012 (党政机关公文格式): the measures and fonts a 公文 is laid out in, and the notice's blocks.

A county office sends a 通报 only in this format, so the draft is laid out by it rather than by Word's defaults:
A4, 天头 37 mm, 订口 28 mm, 版心 156 × 225 mm holding 22 lines of 28 characters of 3号仿宋. The fonts are
named as the office's machines know them (方正小标宋简体, 仿宋_GB2312, 黑体, 楷体_GB2312, 宋体); where a font is not
installed (a Linux server rendering the PDF), the first CJK font present of the same kind stands in for it.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

TODO = "【待补充】"

# Page and 版心, in millimetres (GB/T 9704-2012 5.2.1–5.2.2).
PAGE_WIDTH_MM, PAGE_HEIGHT_MM = 210, 297
TOP_MM, LEFT_MM = 37, 28
BODY_WIDTH_MM, BODY_HEIGHT_MM = 156, 225
RIGHT_MM = PAGE_WIDTH_MM - LEFT_MM - BODY_WIDTH_MM  # 26
BOTTOM_MM = PAGE_HEIGHT_MM - TOP_MM - BODY_HEIGHT_MM  # 35
LINES_PER_PAGE, CHARS_PER_LINE = 22, 28
CONDENSE_PT = -0.25  # 3号 characters drawn 15.75 pt apart: 28 fit the 442 pt line (16 pt would give 27)
LINE_PITCH_TWIPS = 579  # 225 mm / 22 lines = 28.95 pt, the fixed line spacing ("固定值 28.95 磅")
PAGE_NUMBER_GAP_MM = 7  # the page number's dashes sit 7 mm below the 版心

# 字号 in points.
ER_HAO, SAN_HAO, SI_HAO, XIAO_SI, WU_HAO = 22.0, 16.0, 14.0, 12.0, 10.5

RED = "FF0000"


@dataclass(frozen=True)
class FontRole:
    """A font as a 公文 names it, and the fonts that may stand in for it, best first."""

    name: str
    stand_ins: tuple[str, ...]
    family: str  # w:family in the docx font table: roman (serif), modern (sans), script (kai)


FONTS: dict[str, FontRole] = {
    "xiaobiaosong": FontRole("方正小标宋简体", ("方正小标宋_GBK", "FZXiaoBiaoSong-B05S", "Noto Serif CJK SC",
                                          "Source Han Serif SC", "AR PL SungtiL GB", "AR PL UMing CN"), "roman"),
    "fangsong": FontRole("仿宋_GB2312", ("仿宋", "FangSong", "Noto Serif CJK SC", "Source Han Serif SC",
                                        "AR PL SungtiL GB", "AR PL UMing CN"), "roman"),
    "heiti": FontRole("黑体", ("SimHei", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
                             "WenQuanYi Micro Hei", "Droid Sans Fallback"), "modern"),
    "kaiti": FontRole("楷体_GB2312", ("楷体", "KaiTi", "AR PL KaitiM GB", "AR PL UKai CN", "Noto Serif CJK SC",
                                     "Source Han Serif SC"), "script"),
    "songti": FontRole("宋体", ("SimSun", "Noto Serif CJK SC", "Source Han Serif SC", "AR PL SungtiL GB",
                              "AR PL UMing CN"), "roman"),
}
# Any CJK font at all, when none of a role's stand-ins is installed.
LAST_RESORT = ("Noto Sans CJK SC", "WenQuanYi Zen Hei", "Droid Sans Fallback")


@lru_cache(maxsize=1)
def installed_cjk_fonts() -> frozenset[str]:
    """The family names (every localised spelling) of the Chinese fonts fontconfig knows; empty without fc-list."""
    fc_list = shutil.which("fc-list")
    if not fc_list:
        return frozenset()
    try:
        out = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(name.strip() for line in out.splitlines() for name in line.split(",") if name.strip())


def stand_in(role: str, installed: frozenset[str] | None = None) -> str | None:
    """The installed font that renders `role`: the named font itself if present, else its first stand-in present."""
    present = installed_cjk_fonts() if installed is None else installed
    font = FONTS[role]
    for name in (font.name, *font.stand_ins, *LAST_RESORT):
        if name in present:
            return name
    return None


def text_width(text: str) -> float:
    """Width in characters of the body font: a CJK or full-width character is 1, an ASCII one ½."""
    return sum(0.5 if ord(ch) < 0x2E80 and ch not in "—…" else 1.0 for ch in text)


@dataclass
class Block:
    """A piece of the notice: what it is (kind), its text, and for attachments the table."""

    # masthead | number | title | salutation | heading | para | annex | signature | date | attachment | record
    kind: str
    text: str = ""
    header: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    label: str = ""  # 附件1 for an attachment, 1 for an item of the 附件 list
    total_rows: int = 0  # the last rows of an attachment that are 合计 rows
