import pytest

from crawler.categories import categorize


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("工作动态", "news"),
        ("乡镇动态", "news"),
        ("平潭要闻", "news"),
        ("通知公告", "notice"),
        ("公示公告", "notice"),
        ("政策文件", "policy"),
        ("规范性文件", "policy"),
        ("政策解读", "policy"),
        ("人事任免", "personnel"),
        ("招考录用", "personnel"),
        ("招聘公告", "personnel"),
        ("规划计划", "planning"),
        ("年度计划", "planning"),
        ("工作总结", "planning"),
        ("财政预决算", "basic"),
        ("领导之窗", "basic"),
        ("机构职能", "basic"),
        ("政府信息公开指南", "basic"),
        ("政府信息公开年报", "basic"),
        ("统计信息", "basic"),
        ("领导信箱", "interaction"),
        ("在线访谈", "interaction"),
        ("民意征集", "interaction"),
        ("办事指南", "service"),
        ("便民服务", "service"),
        ("专题专栏", "other"),
    ],
)
def test_column_names_map_to_categories_in_yaml_order(name, category):
    assert categorize(name) == category


def _along(*crumbs: str) -> str:
    """The category of the last column of a breadcrumb, each generic name taking its parent's."""
    category = None
    for name in crumbs:
        category = categorize(name, category)
    return category


# Column names the real 平潭 政务公开 slice uses (index tabs and tiles, 更多栏目 dropdowns, breadcrumbs), each with
# the breadcrumb it sits under on the site: what window each lands in.
@pytest.mark.parametrize(
    ("crumbs", "category"),
    [
        (("政务公开", "规划信息"), "planning"),
        (("政务公开", "规划信息", "中长期发展规划"), "planning"),
        (("政务公开", "规划信息", "空间规划"), "planning"),
        (("政务公开", "规划信息", "年度计划"), "planning"),
        (("政务公开", "规划信息", "专项规划"), "planning"),
        (("政务公开", "规划信息", "区域规划"), "planning"),
        (("政务公开", "规划信息", "工作进展情况"), "planning"),  # names nothing itself: 规划信息's, not news
        (("政务公开", "公示公告"), "notice"),
        (("政府信息公开", "法定主动公开内容"), "basic"),
        (("政府信息公开", "法定主动公开内容", "招考录用", "人事任免"), "personnel"),
        (("政府信息公开", "法定主动公开内容", "招考录用", "公务员录考"), "personnel"),
        (("政务公开", "人事信息"), "personnel"),
        (("政务公开", "统计信息"), "basic"),
        (("政务公开", "统计信息", "统计年鉴"), "basic"),
        (("政务公开", "统计信息", "统计公报"), "basic"),
        (("政务公开", "统计信息", "进度数据"), "basic"),
        (("政务公开", "统计信息", "可视化图表"), "basic"),
        (("政务公开", "统计信息", "数据图解"), "basic"),
        (("政务公开", "最新文件"), "policy"),
        (("政务公开", "最新文件", "部门文件"), "policy"),
        (("政务公开", "最新文件", "区管委会文件"), "policy"),
        (("政务公开", "最新文件", "区管委会办公室文件"), "policy"),
        (("政务公开", "政策文件库"), "policy"),
        (("政府信息公开", "管委会文件"), "policy"),
        (("政务公开", "要闻"), "news"),
        (("政务公开", "领导之窗"), "basic"),
        (("政务公开", "政府机构"), "basic"),
        (("政务公开", "政府工作报告"), "planning"),
        (("政务公开", "重点领域信息公开", "财政资金"), "basic"),
        (("政务公开", "重点领域信息公开", "重点项目建设"), "basic"),
        # 重点领域 columns have no window of their own in the indicators: not judged, rather than guessed
        (("政务公开", "重点领域信息公开", "双随机、一公开", "随机抽查结果"), "other"),
        (("政务公开", "重点领域信息公开", "征地信息"), "other"),
        (("政务公开", "政府信息公开"), "other"),
        (("政务公开", "专题专栏"), "other"),
    ],
)
def test_pingtan_column_names_land_in_their_window(crumbs, category):
    assert _along(*crumbs) == category


def test_a_generic_name_without_a_parent_is_other():
    assert categorize("工作进展情况") == "other"
    assert categorize("工作进展情况", "home") == "other"


def test_a_name_of_its_own_wins_over_the_parents():
    assert categorize("工作动态", "planning") == "news"
