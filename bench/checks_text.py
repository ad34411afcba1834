"""Chinese text for the checks benchmark store: unit and column names, titles, article bodies, replies.

Pools are built once from fragments, then sampled: a million titles and 90,000 article bodies
must cost seconds, not minutes. The fragments avoid every dictionary entry and number shape the
content checks look for; the planted problems (garbled text, wrong leader names, typos, ID and
mobile numbers) are added on purpose, at known rates, by `plant`.
"""

from __future__ import annotations

import random
from functools import cache

TOWNS = ["白鹤", "青山", "柳林", "桃源", "石桥", "龙潭", "杨柳", "黄土", "马鞍", "双河", "清泉", "云台", "凤凰", "金沙",
         "高峰", "长岭", "东风", "红岩", "大坪", "松林", "新华", "太平", "永安", "兴隆", "福田"]
DEPARTMENTS = ["发展和改革局", "教育局", "科学技术局", "工业和信息化局", "公安局", "民政局", "司法局", "财政局",
               "人力资源和社会保障局", "自然资源和规划局", "生态环境分局", "住房和城乡建设局", "交通运输局", "水利局",
               "农业农村局", "商务局", "文化和旅游局", "卫生健康局", "退役军人事务局", "应急管理局", "审计局",
               "市场监督管理局", "统计局", "医疗保障局", "林业局", "城市管理局", "信访局", "行政审批局",
               "政务服务和大数据管理局", "乡村振兴局", "人民防空办公室", "地方金融工作局", "供销合作社", "档案馆",
               "融媒体中心", "疾病预防控制中心", "税务局", "气象局", "消防救援大队", "粮食和物资储备局"]

# (name, category, slug, parent slug or None): a county unit's columns, first-level before second-level.
COLUMNS = [
    ("工作动态", "news", "gzdt", None), ("图片新闻", "news", "tpxw", None), ("通知公告", "notice", "tzgg", None),
    ("政策文件", "policy", "zcwj", None), ("政策解读", "policy", "zcjd", None), ("人事信息", "personnel", "rsxx", None),
    ("规划计划", "planning", "ghjh", None), ("机构职能", "basic", "jgzn", None), ("领导信息", "basic", "ldxx", None),
    ("财政预决算", "basic", "czyjs", None), ("统计信息", "basic", "tjxx", None),
    ("政府信息公开年报", "basic", "ndbg", None), ("领导信箱", "interaction", "ldxxx", None),
    ("在线访谈", "interaction", "zxft", None), ("办事指南", "service", "bszn", None),
    ("其他信息", "other", "qtxx", None), ("重点工作", "news", "zdgz", None), ("公示公告", "notice", "gsgg", "tzgg"),
    ("招标采购", "notice", "zbcg", "tzgg"), ("本级文件", "policy", "bjwj", "zcwj"),
    ("规范性文件", "policy", "gfxwj", "zcwj"), ("人事任免", "personnel", "rsrm", "rsxx"),
    ("招考录用", "personnel", "zkly", "rsxx"), ("年度计划", "planning", "ndjh", "ghjh"),
    ("发展规划", "planning", "fzgh", "ghjh"), ("双随机一公开", "basic", "ssj", None),
    ("建议提案办理", "basic", "jyta", None), ("应急管理", "other", "yjgl", None), ("政务服务", "service", "zwfw", None),
    ("部门动态", "news", "bmdt", "gzdt"), ("基层动态", "news", "jcdt", "gzdt"), ("政策问答", "policy", "zcwd", "zcjd"),
    ("权责清单", "basic", "qzqd", None), ("重大决策", "policy", "zdjc", None), ("民生实事", "news", "msss", None),
]
PORTAL_COLUMNS = [("政务要闻", "news", "zwyw", None), ("部门动态", "news", "bmdt", None),
                  ("乡镇动态", "news", "xzdt", None), ("县政府常务会议", "policy", "cwhy", None),
                  ("县政府文件", "policy", "xzfwj", None), ("县政府办文件", "policy", "xzfbwj", None),
                  ("人事任免", "personnel", "rsrm", None), ("重大项目", "planning", "zdxm", None),
                  ("政府工作报告", "planning", "gzbg", None), ("县情概况", "basic", "xqgk", None)]

_LEADS = ["为深入贯彻落实县委县政府决策部署", "根据全县年度重点工作安排", "为进一步优化营商环境", "为切实做好冬春安全生产工作",
          "为加快推进乡村振兴", "按照上级有关文件要求", "为扎实推进民生实事项目建设", "为持续改善农村人居环境",
          "为做好防汛抗旱各项准备", "为提升政务服务水平", "近日", "本周", "日前", "为巩固拓展脱贫攻坚成果"]
_ACTORS = ["县财政局", "县发展和改革局", "白鹤镇", "县教育局", "各乡镇人民政府", "县卫生健康局", "县应急管理局",
           "县住房和城乡建设局", "县农业农村局", "县市场监督管理局", "县政务服务中心", "县交通运输局", "青山镇", "柳林乡"]
_ACTIONS = ["召开专题会议", "组织开展专项检查", "深入基层调研", "召开工作推进会", "开展集中宣传活动", "组织专题培训",
            "开展联合督查", "召开座谈会", "部署专项整治行动", "开展入户走访"]
_GOALS = ["研究部署下一阶段重点工作", "对存在的问题逐项梳理并明确整改时限", "确保各项任务落实到位", "进一步压实工作责任",
          "推动各项政策措施落地见效", "切实保障人民群众生命财产安全", "不断提升群众满意度", "形成工作合力",
          "为全县经济社会高质量发展提供有力保障", "持续巩固工作成效"]
_TOPICS = ["安全生产大检查", "农村饮水安全", "秋冬季森林防火", "城乡居民医疗保险参保", "高标准农田建设",
           "义务教育招生", "政府信息公开工作", "营商环境评价", "食品安全抽检", "养老服务体系建设", "重点项目建设",
           "防汛应急演练", "耕地保护", "就业创业补贴申领", "老旧小区改造", "农村公路养护", "消费券发放", "财政资金绩效评价"]
_TITLE_HEADS = ["关于开展", "关于做好", "关于印发", "关于公布", "关于征求", "关于调整", "县召开", "我县扎实推进", "我县启动", ""]
_TITLE_TAILS = ["工作的通知", "实施方案的通知", "工作情况的通报", "结果的公示", "意见的公告", "工作", "推进会", "专项行动",
                "的公告", "有关事项的通知", "工作总结", "工作要点"]

# Problems planted on purpose (rates in checks_store.py); each is one a content check must find.
GARBLED = ["锟斤拷锟斤拷", "鏀垮簻宸ヤ綔", "\ufffd\ufffd\ufffd"]
SERIOUS = ["深入学习贯彻习近凭总书记重要讲话精神。", "认真学习中华人民共和国政府信息公开法的有关规定。",
           "县长张三峰出席会议并讲话。", "坚决做到两个拥护。"]
TYPOS = ["大家要再接再励，推动各项工作再上新台阶。", "施工单位已完成设备按装调试。", "既使遇到困难也要按期完成任务。"]
REPLIES_GOOD = ["您好！经核实，您反映的路灯损坏问题已于本周完成维修，感谢您对我县工作的关心和支持。",
                "您好！经调查，该小区供水管网改造已列入今年民生实事项目，预计明年三月底前完工，届时供水压力将明显改善。",
                "网友您好：经了解，您咨询的城乡居民医疗保险缴费可通过县政务服务中心窗口或手机缴费平台办理，截止日期为本月底。"]
REPLIES_POOR = ["您好，您反映的问题正在办理中，请耐心等待。", "该问题不属于我单位管理范围。", "已收到。",
                "您好，已转交相关部门办理。"]


@cache
def sentences() -> tuple[str, ...]:
    """Some 6,000 sentences of county-government prose (about 45 characters each)."""
    rng = random.Random(11)
    found = {f"{lead}，{actor}{action}，{goal}。" for lead in _LEADS for actor in _ACTORS for action in _ACTIONS
             for goal in _GOALS if rng.random() < 0.3}
    for month in range(1, 13):
        for _n in range(40):
            found.add(f"截至{month}月底，全县累计完成{rng.choice(_TOPICS)}投资{rng.randint(2, 90)}.{rng.randint(1, 9)}亿元，"
                      f"同比增长{rng.randint(1, 30)}.{rng.randint(0, 9)}%。")
    return tuple(sorted(found))


@cache
def titles() -> tuple[str, ...]:
    """Short titles (messages, posts)."""
    rng = random.Random(13)
    found = {f"{head}{topic}{tail}" for head in _TITLE_HEADS for topic in _TOPICS for tail in _TITLE_TAILS
             if rng.random() < 0.5}
    return tuple(sorted(found))


_PLACES = [""] * 40 + [f"{t}镇" for t in TOWNS] + [f"县{d}" for d in DEPARTMENTS]
_YEARS = ["", "", "2024年", "2025年", "2026年", "2026年度", "今冬明春", "第四季度"]


def title(r: int) -> str:
    """A list title from one random integer: ~1.7 million combinations, so a column rarely repeats one."""
    head, r = _TITLE_HEADS[r % len(_TITLE_HEADS)], r // len(_TITLE_HEADS)
    place, r = _PLACES[r % len(_PLACES)], r // len(_PLACES)
    year, r = _YEARS[r % len(_YEARS)], r // len(_YEARS)
    topic, r = _TOPICS[r % len(_TOPICS)], r // len(_TOPICS)
    return f"{head}{place}{year}{topic}{_TITLE_TAILS[r % len(_TITLE_TAILS)]}"


def body(rng: random.Random, pool: tuple[str, ...]) -> str:
    """An article body of realistic length: median ~1,000 characters, a long tail to ~7,000."""
    count = max(3, min(150, int(rng.lognormvariate(3.1, 0.6))))
    return "\n".join("".join(rng.choices(pool, k=4)) for _ in range(max(1, count // 4)))


def valid_id(rng: random.Random) -> str:
    """An 18-digit resident ID number with a correct GB 11643 check digit."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    head = f"4203{rng.randint(21, 28):02d}{rng.randint(1950, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    head += f"{rng.randint(0, 999):03d}"
    return head + "10X98765432"[sum(int(d) * w for d, w in zip(head, weights, strict=True)) % 11]


def plant(rng: random.Random, text: str, problem: str) -> str:
    """Insert one planted problem into an article body."""
    if problem == "garbled":
        extra = f"附件下载说明{rng.choice(GARBLED)}。"
    elif problem == "serious":
        extra = rng.choice(SERIOUS)
    elif problem == "typo":
        extra = rng.choice(TYPOS)
    else:  # personal data: one private line and one public service line (which must not count)
        extra = (f"公示名单：王某某，身份证号{valid_id(rng)}，手机1{rng.choice('35789')}{rng.randint(10**8, 10**9 - 1)}。"
                 f"咨询电话：138{rng.randint(10**7, 10**8 - 1)}。")
    cut = rng.randint(0, len(text))
    return text[:cut] + extra + text[cut:]
