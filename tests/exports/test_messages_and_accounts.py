"""附件3 and 附件4 exports: the figures equal the demo portal's messages and accounts."""

from __future__ import annotations

import json

from .conftest import Exported


def sheet(data: dict, key: str) -> list[dict]:
    return data["tables"][key]["rows"]


def test_messages_export_counts_every_message_and_its_replies(exported: Exported) -> None:
    data = json.loads(exported.export("messages", "json").read_text(encoding="utf-8"))
    messages = exported.portal.messages
    total = next(row for row in sheet(data, "units") if row["unit"] == "合计")
    assert total["received"] == len(messages)
    assert total["closed"] == sum(1 for m in messages if m.status == "已办结")
    assert total["unanswered"] == sum(1 for m in messages if m.replied is None)
    poor = {t["path"] for t in exported.portal.truth() if t["rule"] == "message.reply_poor"}
    assert total["poor_replies"] == len(poor) > 0


def test_messages_export_names_units_for_the_notice(exported: Exported) -> None:
    data = json.loads(exported.export("messages", "json").read_text(encoding="utf-8"))
    good_list, bad_list = "回复比较及时、质量较高的单位", "存在未答复、超期或答复质量差的单位"
    lists = {row["list"]: set(row["units"].split("、")) - {"无"} for row in sheet(data, "lists")}
    assert set(lists) == {good_list, bad_list}
    rows = {row["unit"]: row for row in sheet(data, "units") if row["unit"] != "合计"}
    good = {unit for unit, r in rows.items()
            if r["received"] and r["closed"] == r["received"] and not r["overdue"] and not r["poor_replies"]}
    bad = {unit for unit, r in rows.items() if r["overdue"] or r["poor_replies"] or r["unanswered"]}
    assert lists[good_list] == good and lists[bad_list] == bad and good and not good & bad
    planted = {t["unit"] for t in exported.portal.truth() if t["rule"] in ("message.reply_poor", "message.unanswered")}
    assert planted and planted <= lists[bad_list]  # every office the demo gave a poor or missing reply is named


def test_accounts_export_gives_verdicts_and_the_qualified_rate(exported: Exported) -> None:
    data = json.loads(exported.export("accounts", "json").read_text(encoding="utf-8"))
    rows = {row["name"]: row for row in sheet(data, "accounts")}
    accounts = [a for unit in exported.portal.units for a in unit.accounts]
    assert set(rows) == {a.name for a in accounts}
    truth = exported.portal.truth()
    failing = {t["account"] for t in truth if t["rule"] in ("account.not_updated", "account.unreachable")}
    blocked = {t["account"] for t in truth if t["rule"] == "expected_not_checked"}
    assert {name for name, row in rows.items() if row["verdict"] == "不合格"} == failing
    assert {name for name, row in rows.items() if row["verdict"] == "未检查"} == blocked
    totals = {row["item"]: row["value"] for row in sheet(data, "totals")}
    qualified = len(accounts) - len(failing) - len(blocked)
    assert totals["合格"] == qualified and totals["不合格"] == len(failing)
    assert totals["合格率"].startswith(f"{qualified}/{len(accounts) - len(blocked)}")  # the blocked one is not judged


def test_messages_and_accounts_xlsx_open_with_their_sheets(exported: Exported) -> None:
    from openpyxl import load_workbook

    assert load_workbook(exported.export("messages", "xlsx")).sheetnames[:2] == ["网上问政回复情况", "诉求分类"]
    assert load_workbook(exported.export("accounts", "xlsx")).sheetnames == ["政务新媒体检查情况", "合计"]
