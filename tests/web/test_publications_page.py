"""附件1 in real chromium against the real server over the crawled demo portal: the per-unit figures are the
export's, the 信息明细 is paged (100 rows) and walking it lists the export's rows, the 栏目 / 是否计入 filters take
known values only, a 单位 account sees its own unit alone, and hostile crawled text stays text."""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from storage.models import Column, ListItem, Unit
from storage.session import Store
from tests.web.conftest import HOSTILE, Workspace, sign_in

pytestmark = pytest.mark.timeout(600)
PAGE_SIZE = 100


def _exported(workspace: Workspace, tmp_path: Path) -> dict[str, Any]:
    out = tmp_path / "publications.json"
    result = workspace.cli("export", "publications", "--format", "json", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return json.loads(out.read_text(encoding="utf-8"))["tables"]


def _item_rows(page: Any) -> list[list[str]]:
    return [row.locator("td").all_inner_texts() for row in page.locator("#items tbody tr").all()]


def _settled(page: Any, url: str) -> None:
    """Open `url` once the figures are counted afresh (after a change to the store they are recounted)."""
    for _ in range(120):
        page.goto(url)
        if page.locator("#counting").count() == 0:
            return
        time.sleep(0.5)
    raise AssertionError("附件1's figures were never recounted")


def test_figures_are_the_exports_and_paging_walks_every_export_row(workspace: Workspace, browser: Any,
                                                                   tmp_path: Path) -> None:
    tables = _exported(workspace, tmp_path)
    visit = sign_in(browser, workspace, "inspector")
    page = visit.page
    _settled(page, workspace.url("/tables/publications"))
    figures = page.locator("table.data").first
    shown = {cells[1]: int(cells[3]) for cells in
             (row.locator("td").all_inner_texts() for row in figures.locator("tbody tr").all())}
    assert shown == {r["unit"]: r["count"] for r in tables["units"]["rows"]}
    expected = [[r["unit"], r["column"], r["title"], r["published_on"], r["url"], r["counted"]]
                for r in tables["items"]["rows"]]
    assert len(expected) > PAGE_SIZE  # more than one page
    assert page.locator("#count").inner_text().startswith(f"共 {len(expected)} 条")
    walked: list[list[str]] = []
    while True:
        rows = _item_rows(page)
        assert 0 < len(rows) <= PAGE_SIZE
        walked += [[r[0], r[1], r[2], r[3], r[6], r[5]] for r in rows]
        if page.locator("#next-page").count() == 0:
            break
        page.click("#next-page")
        page.wait_for_load_state("networkidle")
    assert walked == expected
    page.click("#prev-page")
    page.wait_for_load_state("networkidle")
    last = len(expected) % PAGE_SIZE or PAGE_SIZE  # the rows of the last page
    assert [[r[0], r[1], r[2], r[3], r[6], r[5]] for r in _item_rows(page)] == \
        expected[len(expected) - last - PAGE_SIZE:len(expected) - last]
    page.goto(workspace.url("/tables/publications?page=2"))
    assert [r[6] for r in _item_rows(page)] == [r[4] for r in expected[PAGE_SIZE:2 * PAGE_SIZE]]
    assert visit.errors == [] and visit.dialogs == []


def test_unit_column_and_fate_filters_take_known_values_only(workspace: Workspace, browser: Any, tmp_path: Path) -> None:
    items = _exported(workspace, tmp_path)["items"]["rows"]
    visit = sign_in(browser, workspace, "inspector")
    page = visit.page
    _settled(page, workspace.url("/tables/publications"))
    column = max({r["column"] for r in items}, key=lambda c: sum(r["column"] == c for r in items))
    page.select_option("#items-filters select[name=column]", column)
    page.select_option("#items-filters select[name=counted]", "计入")
    page.click("#items-filters button[type=submit]")
    page.wait_for_load_state("networkidle")
    wanted = [r["url"] for r in items if r["column"] == column and r["counted"] == "计入"]
    assert page.locator("#count").inner_text().startswith(f"共 {len(wanted)} 条")
    assert [r[6] for r in _item_rows(page)] == wanted[:PAGE_SIZE]
    chosen = items[-1]["unit"]
    page.goto(workspace.url(f"/tables/publications?unit={chosen}"))  # one unit chosen: its rows alone
    assert set(page.locator("table.data").first.locator("tbody tr td:nth-child(2)").all_inner_texts()) == {chosen}
    assert {r[0] for r in _item_rows(page)} == {chosen}
    request = page.context.request
    for params in ({"column": "不存在的栏目"}, {"counted": "' OR 1=1 --"}, {"after": "bm90IGEgY3Vyc29y"}):
        assert request.get(workspace.url("/tables/publications"), params=params).status == 400, params
    assert visit.errors == [] and visit.dialogs == []


def test_unit_account_sees_its_own_units_figures_and_items_alone(workspace: Workspace, browser: Any) -> None:
    visit = sign_in(browser, workspace, "unit")
    page = visit.page
    _settled(page, workspace.url("/tables/publications"))
    figures = page.locator("table.data").first
    assert set(figures.locator("tbody tr td:nth-child(2)").all_inner_texts()) == {workspace.own_unit}
    assert {r[0] for r in _item_rows(page)} == {workspace.own_unit}
    request = page.context.request
    assert request.get(workspace.url("/tables/publications"), params={"unit": workspace.other_unit}).status == 403
    store = Store(workspace.db_url)
    with store.session() as session:  # a column only the other unit has: not a value this account may choose
        own = set(session.scalars(select(Column.name).join(Unit).where(Unit.name == workspace.own_unit)))
        other = set(session.scalars(select(Column.name).join(Unit).where(Unit.name == workspace.other_unit)))
    store.dispose()
    foreign = sorted(other - own)
    if foreign:
        assert request.get(workspace.url("/tables/publications"), params={"column": foreign[0]}).status == 400
    assert visit.errors == [] and visit.dialogs == []


def test_unit_account_sorts_its_items_by_a_column_header_and_pages_through_them_in_that_order(
        workspace: Workspace, browser: Any, tmp_path: Path) -> None:
    own = [r for r in _exported(workspace, tmp_path)["items"]["rows"] if r["unit"] == workspace.own_unit]
    visit = sign_in(browser, workspace, "unit")
    page = visit.page
    _settled(page, workspace.url("/tables/publications"))
    header = page.locator("#items thead th a", has_text="发布日期")
    header.click()
    page.wait_for_load_state("networkidle")
    page.locator("#items thead th a", has_text="发布日期").click()  # a second click: newest first
    page.wait_for_load_state("networkidle")
    walked: list[list[str]] = []
    while True:
        walked += _item_rows(page)
        if page.locator("#next-page").count() == 0:
            break
        page.click("#next-page")
        page.wait_for_load_state("networkidle")
    assert sorted(r[6] for r in walked) == sorted(r["url"] for r in own)  # each of its rows once
    dates = [r[3] for r in walked]
    assert dates == sorted(dates, reverse=True) and len(set(dates)) > 1
    assert visit.errors == [] and visit.dialogs == []
    inspector = sign_in(browser, workspace, "inspector")
    _settled(inspector.page, workspace.url("/tables/publications"))
    assert inspector.page.locator("#items thead th a").count() == 0  # every unit: the export's order only
    request = inspector.page.context.request
    assert request.get(workspace.url("/tables/publications"), params={"item_sort": "title"}).status == 400
    assert request.get(workspace.url("/tables/publications"),
                       params={"unit": workspace.own_unit, "item_sort": "password"}).status == 400
    chosen = request.get(workspace.url("/tables/publications"), params={"unit": workspace.own_unit,
                                                                       "item_sort": "title"})
    assert chosen.status == 200


def test_hostile_list_item_and_column_name_are_shown_as_text(workspace: Workspace, browser: Any) -> None:
    store = Store(workspace.db_url)
    with store.session() as session:
        unit_id = session.scalar(select(Unit.id).where(Unit.name == workspace.own_unit))
        column = Column(unit_id=unit_id, name=f"栏目{HOSTILE}"[:200], url="https://evil.example/col/",
                        category="news", level=1, origin="discovered")
        session.add(column)
        session.flush()
        session.add(ListItem(column_id=column.id, url="https://evil.example/col/1.html", title=HOSTILE,
                             published_on=date.today(), position=0))
        assert session.scalar(select(func.count()).select_from(ListItem).where(ListItem.column_id == column.id))
    store.dispose()
    visit = sign_in(browser, workspace, "inspector")
    page = visit.page
    _settled(page, workspace.url("/tables/publications"))
    page.select_option("#items-filters select[name=column]", f"栏目{HOSTILE}"[:200])
    page.click("#items-filters button[type=submit]")
    page.wait_for_load_state("networkidle")
    rows = _item_rows(page)
    assert len(rows) == 1 and rows[0][2] == HOSTILE and rows[0][1] == f"栏目{HOSTILE}"[:200]
    assert page.locator("#items script, #items img, #items a[href^='javascript']").count() == 0
    assert visit.dialogs == [] and not any("xss" in e for e in visit.errors)
