"""附件2 and the verdict summary read back: stale, blank and broken columns per unit equal the
demo's planted defects; best and worst units; vetoes make a unit 不合格; the chart is there."""

from __future__ import annotations

import json
from collections import Counter

from openpyxl import load_workbook

from .conftest import Exported


def truth_per_unit(exported: Exported, rule: str) -> Counter[str]:
    return Counter(d["unit"] for d in exported.portal.truth() if d["rule"] == rule and "column" in d)


def test_column_figures_per_unit_match_the_planted_defects(exported: Exported) -> None:
    data = json.loads(exported.export("columns", "json").read_text(encoding="utf-8"))
    rows = {r["unit"]: r for r in data["tables"]["units"]["rows"]}
    assert set(rows) == {u.name for u in exported.portal.units}
    stale, blank = truth_per_unit(exported, "column.stale"), truth_per_unit(exported, "column.blank")
    broken = truth_per_unit(exported, "column.broken")
    for unit in exported.portal.units:
        row = rows[unit.name]
        assert row["columns"] == len(unit.all_columns()), unit.name
        assert (row["stale"], row["blank"], row["broken"]) == (stale[unit.name], blank[unit.name],
                                                               broken[unit.name]), unit.name
        assert row["timely"] + row["stale"] + row["blank"] + row["broken"] + row["not_checked"] == row["columns"]
        articles = unit.all_articles()
        newest = max((a.published.date() for a in articles), default=None)
        assert row["newest"] == (newest.isoformat() if newest else None), unit.name
    zhongba = rows["中坝乡"]
    assert zhongba["stale_news"] == 2 and zhongba["stale_notice"] == 2 and zhongba["stale_policy"] == 1
    assert zhongba["verdict"] == "不合格" and "栏目不更新" in zhongba["vetoes"]


def test_best_and_worst_units(exported: Exported) -> None:
    rows = json.loads(exported.export("columns", "json", "rating.json").read_text(encoding="utf-8"))
    rows = rows["tables"]["units"]["rows"]
    best = {r["unit"] for r in rows if r["rating"] == "更新及时"}
    worst = [r for r in rows if r["rating"] == "更新较差"]
    assert best and all(r["stale"] + r["blank"] + r["broken"] == 0 for r in rows if r["unit"] in best)
    assert {"县司法局", "县融媒体中心", "中坝乡"} <= {r["unit"] for r in worst}
    worst_problems = min(r["stale"] + r["blank"] + r["broken"] for r in worst)
    others = [r for r in rows if r["rating"] != "更新较差"]
    assert all(r["stale"] + r["blank"] + r["broken"] <= worst_problems for r in others)


def test_columns_xlsx_has_the_stale_and_blank_chart_and_a_detail_sheet(exported: Exported) -> None:
    book = load_workbook(exported.export("columns", "xlsx"))
    main = book[book.sheetnames[0]]
    assert main.title.startswith("附件2") and len(main._charts) == 1
    assert len(main._charts[0].series) == 2
    detail = book["栏目明细"]
    header = [c.value for c in detail[1]]
    states = Counter(detail.cell(row=r, column=header.index("状况") + 1).value for r in range(2, detail.max_row + 1))
    assert states["空白"] == sum(truth_per_unit(exported, "column.blank").values())
    url = detail.cell(row=2, column=header.index("栏目网址") + 1)
    assert url.hyperlink is not None and url.hyperlink.target == url.value


def test_summary_gives_a_verdict_per_indicator_and_a_score(exported: Exported) -> None:
    data = json.loads(exported.export("summary", "json").read_text(encoding="utf-8"))
    targets = {r["target"]: r for r in data["tables"]["targets"]["rows"]}
    site = targets[exported.config.portal.name]
    assert site["verdict"] == "不合格" and site["score"] is None
    for unit in ("县司法局", "县融媒体中心", "中坝乡"):
        assert targets[unit]["verdict"] == "不合格" and targets[unit]["vetoes"]
    assert targets["九道乡"]["verdict"] == "合格" and targets["九道乡"]["score"] == 100.0
    for row in targets.values():
        assert (row["score"] is None) == bool(row["vetoes"]), row
        if row["score"] is not None:
            assert row["score"] == round(100.0 - row["deductions"], 2)
    assert any(row["score"] is not None and row["score"] < 100.0 for row in targets.values())
    indicators = {r["rule"]: r for r in data["tables"]["indicators"]["rows"]}
    assert indicators["column.blank_count"]["县司法局"] == "否决"
    assert indicators["column.blank_count"]["九道乡"] == "合格"
    assert indicators["column.blank"]["县司法局"] == "5处"
    assert indicators["footer.site_code"]["县统计局"].startswith("扣")
    book = load_workbook(exported.export("summary", "xlsx"))
    assert book.sheetnames == ["检查结论", "分指标结论"]
