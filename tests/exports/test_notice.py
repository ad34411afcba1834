"""The drafted notice: its figures, rankings and unit lists are the attachment tables' figures."""

from __future__ import annotations

import json
import re

from docx import Document

from .conftest import Exported


def tables(exported: Exported) -> tuple[dict, dict]:
    pubs = json.loads(exported.export("publications", "json", "n-pubs.json").read_text(encoding="utf-8"))
    cols = json.loads(exported.export("columns", "json", "n-cols.json").read_text(encoding="utf-8"))
    return pubs["tables"], cols["tables"]


def check_text(text: str, exported: Exported) -> None:
    pubs, cols = tables(exported)
    total = pubs["units"]["rows"][-1]["count"]
    assert f"整站共公开发布各类有效政府信息{total}条" in text
    top = [r for r in pubs["lists"]["rows"] if r["list"] == "信息公开量前10位"]
    listed = "、".join(f"{r['unit']}（{r['count']}条）" for r in top)
    assert f"信息公开量位居前{len(top)}位的单位分别是：{listed}" in text
    zero = [r["unit"] for r in pubs["lists"]["rows"] if r["list"] == "信息公开量为零"]
    assert f"信息公开量为零的单位分别是：{'、'.join(zero)}，共{len(zero)}个，在此提出通报批评" in text
    best = [r["unit"] for r in cols["units"]["rows"] if r["rating"] == "更新及时"]
    worst = [r["unit"] for r in cols["units"]["rows"] if r["rating"] == "更新较差"]
    found_best = re.search(r"各栏目信息更新及时、高效的单位分别是：([^。]+)。", text)
    assert found_best and set(found_best.group(1).split("、")) == set(best)
    found_worst = re.search(r"网页栏目信息更新情况较差的单位分别是：([^（]+)（", text)
    assert found_worst and set(found_worst.group(1).split("、")) == set(worst)
    for heading in ("网站信息发布统计情况", "网站内容保障情况", "网上问政回复情况", "政务新媒体检查情况"):
        assert heading in text
    assert "截至" in text and "（详见附件1）" in text


def test_markdown_notice_matches_the_tables(exported: Exported) -> None:
    text = exported.export("notice", "md").read_text(encoding="utf-8")
    assert text.startswith("# 关于")
    check_text(text, exported)
    pubs, _ = tables(exported)
    for row in pubs["units"]["rows"][:3]:
        assert f"| {row['rank']} | {row['unit']} | {row['count']} |" in text


def test_docx_notice_matches_the_tables_and_appends_the_attachments(exported: Exported) -> None:
    document = Document(str(exported.export("notice", "docx")))
    text = "\n".join(p.text for p in document.paragraphs)
    check_text(text, exported)
    assert len(document.tables) == 5  # the four attachments, then the 版记 (抄送, 印发)
    first = document.tables[0]
    assert [c.text for c in first.rows[0].cells] == ["排名", "单位", "信息发布量（条）"]
    pubs, _ = tables(exported)
    assert first.rows[-1].cells[2].text == str(pubs["units"]["rows"][-1]["count"])


def test_notice_deadline_is_recorded_on_the_criticised_units(exported: Exported) -> None:
    deadline = exported.period.date_to.replace(day=1)
    text = exported.export("notice", "md", "deadline.md", deadline=deadline).read_text(encoding="utf-8")
    assert f"请于{deadline.month}月{deadline.day}日前将问题整改情况" in text
    rows = json.loads(exported.export("findings", "json", "n-findings.json").read_text(encoding="utf-8"))
    judiciary = [r for r in rows if r["unit"] == "县司法局"]
    assert judiciary and all(r["deadline"] == deadline.isoformat() for r in judiciary)
