"""ICP备案编号 in the footer of every page (国办发〔2017〕47号, indicators.md F2).

The number is what identifies the filing: real footers that leave off the closing 号 (洪山区:
"鄂ICP备05009168") state it all the same and pass; a wrong province or digit count does not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from checks.base import Check, CheckContext, FindingDraft
from checks.facts.marks import footer_findings

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
ICP_RE = re.compile(rf"[{PROVINCES}]ICP备\s*\d{{8}}(?:号(-\d+)?)?$")


def run(ctx: CheckContext) -> Iterable[FindingDraft]:
    return footer_findings(ctx, "icp", "ICP备案编号", ICP_RE, "鄂ICP备12345678号-1")


CHECK = Check(
    rule="footer.icp",
    title="页面底部未列明ICP备案编号",
    clause="国办发〔2017〕47号 网页设计规范；国办秘函〔2019〕19号 扣分指标 功能设计>网站标识",
    severity="deduct",
    points=0.5,
    scope="unit",
    run=run,
    fix="在全站页面底部列明ICP备案编号，并链接至工业和信息化部备案系统。",
    description="全站页面底部功能区应列明ICP备案编号，格式如“鄂ICP备12345678号”。",
)
