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
