"""公安机关备案标识 in the footer of every page (国办发〔2017〕47号, indicators.md F2)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from checks.base import Check, CheckContext, FindingDraft
from checks.facts.marks import footer_findings

# The crawler stores the record number read from "赣公网安备 36099902000123号" or the beian.gov.cn
# link: 14 digits, or the older 11+5 form some sites still show (平潭: 35012899001-19002).
POLICE_RE = re.compile(r"^(\d{14}|\d{11}-\d{5})$")


def run(ctx: CheckContext) -> Iterable[FindingDraft]:
    return footer_findings(ctx, "police_record", "公安机关备案标识", POLICE_RE, "鄂公网安备 42032502000123号（14位数字）")


CHECK = Check(
    rule="footer.police_record",
    title="页面底部未列明公安机关备案标识",
    clause="国办发〔2017〕47号 网页设计规范；国办秘函〔2019〕19号 扣分指标 功能设计>网站标识",
    severity="deduct",
    points=0.5,
    scope="unit",
    run=run,
    fix="在全站页面底部列明公安机关备案标识及14位备案编号。",
    description="全站页面底部功能区应列明公安机关备案标识，格式如“鄂公网安备 42032502000123号”（14位数字）。",
)
