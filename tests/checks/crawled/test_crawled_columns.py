"""Column rules on a crawled portal: stale, blank, broken and their counts — each with the unit that
fails it, the unit that passes it and the unit the crawler could not see (a WAF refusing it).

白鹤镇 carries the defects, 沙河乡 the look-alikes that are fine, 中坝乡 sits behind a WAF that answers
403, 九道乡 has five stale key columns (the count veto) and 上龛乡 four (below it).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .portal import CheckedSite, Col, Item, Portal, Unit, crawl_and_check, day


def items(newest: int, count: int = 3, step: int = 10, title: str = "工作动态") -> list[Item]:
    return [Item(f"{title}第{n + 1}期", newest + n * step) for n in range(count)]


PORTAL = Portal(units=[
    Unit("白鹤镇", "bhz", [
        Col("工作动态", "gzdt", items(30)),
        Col("通知公告", "tzgg", items(200, title="通知")),
        Col("人事信息", "rsxx", [Item("人事任免通知", None), Item("干部任前公示", None)]),
        Col("规划计划", "ghjh", []),
        Col("机构职能", "jgzn", status=404),
        Col("领导信息", "ldxx", building=True),
    ]),
    Unit("沙河乡", "shx", [
        Col("工作动态", "gzdt", items(3)),
        Col("通知公告", "tzgg", items(100, title="通知")),
        Col("人事信息", "rsxx", items(300, count=1, title="人事任免")),
        Col("规划计划", "ghjh", [], note="本栏目暂无信息。"),
        Col("机构职能", "jgzn", items(20, count=1, title="机构职能")),
    ]),
    Unit("中坝乡", "zbx", [
        Col("工作动态", "gzdt", items(30), status=403),
        Col("规划计划", "ghjh", [], status=403),
    ]),
    Unit("九道乡", "jdx", [Col(name, code, items(40)) for name, code in (
        ("乡镇动态", "xzdt"), ("工作动态", "gzdt"), ("图片新闻", "tpxw"), ("政务动态", "zwdt"), ("基层动态", "jcdt"))]),
    Unit("上龛乡", "skx", [Col(name, code, items(40)) for name, code in (
        ("乡镇动态", "xzdt"), ("工作动态", "gzdt"), ("图片新闻", "tpxw"), ("政务动态", "zwdt"))]),
])


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CheckedSite]:
    yield from crawl_and_check(PORTAL, tmp_path_factory.mktemp("crawled_columns"), only=["column"])


@pytest.fixture(scope="module")
def unit_by_unit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CheckedSite]:
    yield from crawl_and_check(PORTAL, tmp_path_factory.mktemp("crawled_columns_by_unit"), only=["column"],
                               unit_by_unit=True)


def test_each_units_own_run_finds_and_skips_exactly_what_the_run_over_every_unit_does(
        site: CheckedSite, unit_by_unit: CheckedSite) -> None:
    """A unit's run reads its own columns, items, visits and findings only (a province's unit job): what it
    concludes for its unit is what a run over every unit concludes; the portal's own findings (the site-wide
    counts) are the night's site-wide run's."""
    def found(s: CheckedSite, of_units: bool = True) -> list[tuple]:
        return sorted((f["rule"], f["unit"] or "", f["column"] or "", (f["url"] or "").replace(s.base, ""),
                       f["detail"], f["status"]) for f in s.findings if bool(f["unit"]) == of_units)

    def skipped(s: CheckedSite) -> list[tuple]:
        names = {unit_id: name for name, unit_id in s.unit_ids.items()}
        return sorted((n.rule, names[n.unit_id], n.reason.replace(s.base, "")) for n in s.not_checked
                      if n.unit_id is not None)

    assert found(unit_by_unit) == found(site) and len(found(site)) >= 10
    assert found(unit_by_unit, of_units=False) == [] and found(site, of_units=False)
    assert skipped(unit_by_unit) == skipped(site) and skipped(site)


# column.stale

def test_news_column_not_updated_for_30_days_is_stale(site: CheckedSite) -> None:
    [finding] = site.of("column.stale", "白鹤镇", "工作动态")
    assert f"最近更新于{day(30).isoformat()}，已30天未更新" in finding["detail"]
    assert "动态要闻类栏目应在14天内更新" in finding["detail"]
    assert finding["evidence"]["newest"] == day(30).isoformat()


def test_notice_column_is_stale_after_six_months_not_before(site: CheckedSite) -> None:
    [finding] = site.of("column.stale", "白鹤镇", "通知公告")
    assert "通知公告类栏目应在6个月内更新" in finding["detail"]
    assert site.of("column.stale", "沙河乡", "通知公告") == []


def test_column_whose_list_shows_no_dates_counts_as_not_updated(site: CheckedSite) -> None:
    [finding] = site.of("column.stale", "白鹤镇", "人事信息")
    assert "均未标注发布日期" in finding["detail"]


def test_fresh_columns_are_not_stale(site: CheckedSite) -> None:
    assert site.of("column.stale", "沙河乡") == []


def test_columns_behind_a_waf_are_not_checked_rather_than_stale(site: CheckedSite) -> None:
    assert site.of("column.stale", "中坝乡") == []
    assert site.skipped("column.stale", "中坝乡", "工作动态")


# column.blank

def test_empty_column_without_explanation_is_blank(site: CheckedSite) -> None:
    [finding] = site.of("column.blank", "白鹤镇")
    assert finding["column"] == "规划计划"
    assert finding["detail"] == "「规划计划」栏目无任何信息，且未说明原因（空白栏目）"


def test_empty_column_that_says_it_has_no_information_is_not_blank(site: CheckedSite) -> None:
    assert site.of("column.blank", "沙河乡") == []


def test_empty_column_behind_a_waf_is_not_checked_rather_than_blank(site: CheckedSite) -> None:
    assert site.of("column.blank", "中坝乡") == []
    assert site.skipped("column.blank", "中坝乡", "规划计划")


# column.broken

def test_column_page_answering_404_is_broken(site: CheckedSite) -> None:
    [finding] = site.of("column.broken", "白鹤镇", "机构职能")
    assert "返回HTTP 404" in finding["detail"]


def test_column_page_under_construction_is_broken_not_blank(site: CheckedSite) -> None:
    [finding] = site.of("column.broken", "白鹤镇", "领导信息")
    assert "正在建设中" in finding["detail"]
    assert site.of("column.blank", "白鹤镇", "领导信息") == []


def test_working_columns_are_not_broken_and_waf_refusals_are_not_checked(site: CheckedSite) -> None:
    assert site.of("column.broken", "沙河乡") == []
    assert site.of("column.broken", "中坝乡") == []
    assert site.skipped("column.broken", "中坝乡", "工作动态")


# column.stale_count (the veto at five stale key columns)

def test_five_stale_key_columns_are_the_count_veto(site: CheckedSite) -> None:
    [finding] = site.of("column.stale_count", "九道乡")
    assert finding["evidence"]["count"] == 5


def test_four_stale_key_columns_are_below_the_veto(site: CheckedSite) -> None:
    assert len(site.of("column.stale", "上龛乡")) == 4
    assert site.of("column.stale_count", "上龛乡") == []
