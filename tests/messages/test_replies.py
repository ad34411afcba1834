"""Reply quality rules on realistic replies, good and bad; each poor one quotes its sentence."""

from __future__ import annotations

from datetime import date

import pytest

from checks.facts.messages import judge_reply
from portalcheck.core.workdays import working_days

GOOD = [
    "您好！您反映的问题已收悉。经白鹤镇工作人员现场核实，情况属实。我单位已于收到留言后第二日安排专人处理，目前问题已整改到位。",
    "您好！关于您咨询的问题，答复如下：根据相关规定，申请人需携带身份证、户口簿及相关证明材料到县政务服务中心窗口办理。",
    "您好！该事项不属于我局职责范围，请您向县医保局咨询，联系电话0795-8881234。",
    "您好！您反映的路灯问题已转交县城管局办理。经县城管局核实，线路老化已更换，3月5日起恢复照明。",
    "根据《江西省城乡居民基本养老保险实施办法》规定，年满60周岁可按月领取养老金。经查，您父亲已于本月办理领取手续，"
    "下月起按月发放，您可在社保卡账户查询。",
]
POOR = [
    ("正在办理中。", "progress_only", "正在办理中。"),
    ("您好，您反映的问题已转交相关部门办理。", "progress_only", "您好，您反映的问题已转交相关部门办理。"),
    ("您好！我们正在调查核实，请耐心等待。感谢您的关注！", "progress_only", "我们正在调查核实，请耐心等待。"),
    ("该问题不属于我单位管理范围。", "deflection", "该问题不属于我单位管理范围。"),
    ("您好！经了解，您所反映的问题不属于本镇职责范围，特此回复。", "deflection",
     "经了解，您所反映的问题不属于本镇职责范围，特此回复。"),
    ("根据《江西省农村住房建设管理办法》第十二条规定：“农村村民建设住房，应当符合乡镇国土空间规划和村庄规划。”",
     "policy_only", "根据《江西省农村住房建设管理办法》第十二条规定：“农村村民建设住房，应当符合乡镇国土空间规划和村庄规划。"),
    ("", "empty", ""),
    ("已处理。", "progress_only", "已处理。"),
    ("好的。", "too_short", "好的。"),
    ("收到，谢谢", "too_short", "收到，谢谢"),
]


@pytest.mark.parametrize("reply", GOOD)
def test_a_real_answer_is_not_poor(reply: str) -> None:
    assert judge_reply(reply) is None


@pytest.mark.parametrize(("reply", "reason", "sentence"), POOR)
def test_a_poor_reply_is_named_and_quoted(reply: str, reason: str, sentence: str) -> None:
    poor = judge_reply(reply)
    assert poor is not None and (poor.reason, poor.sentence) == (reason, sentence)


def test_working_days_skip_holidays_and_count_make_up_days() -> None:
    assert working_days(date(2026, 2, 13), date(2026, 2, 26)) == 4  # 春节: 13 calendar days, 4 working days
    assert working_days(date(2026, 4, 28), date(2026, 5, 20)) == 14  # 劳动节, with 5月9日 a make-up working day
    assert working_days(date(2027, 3, 5), date(2027, 3, 12)) == 5  # a year not yet published: Monday–Friday
