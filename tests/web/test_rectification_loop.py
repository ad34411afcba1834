"""The 整改 loop end to end on the demo portal, through the real workspace in real chromium (issue #17):
a 督查 issues a notice; the 单位 answers 已整改 without fixing anything and the automatic 复核 fails and says
so; the demo portal's column is then updated and the 复核 passes; the 督查 confirms 销号; an accepted appeal
keeps its finding quiet through the next night's check. No answering another unit's finding, no POST without
the CSRF token, no 督查 answering for a unit."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from checks import run_checks
from portalcheck.core.config import load_config
from storage.session import Store
from tests.conftest import fresh_database
from tests.web.conftest import Workspace, serving, sign_in

pytestmark = pytest.mark.timeout(900)

UNIT, COLUMN = "县发改局", "工作动态"  # the demo's stale column, fixed by publishing in fgj/gzdt
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class Loop:
    space: Workspace
    server: Any  # portalcheck.demo.DemoServer
    stale_id: int  # 县发改局 工作动态 column.stale
    appeal_id: int  # another active finding of 县发改局


def one(db_url: str, sql: str, **params: object) -> Any:
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql), params).one()
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def loop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loop]:
    """A demo portal of its own (this test changes its pages), crawled and checked, and the workspace over it."""
    from portalcheck.demo import serve_demo
    from tests.crawl.runner import crawl
    from tests.crawl.test_demo_crawl import write_config

    folder = tmp_path_factory.mktemp("rectification")
    with serve_demo(port=0) as server:
        config = write_config(server, folder)
        for db_url in fresh_database(folder):
            result = crawl(config, db_url, "--full")
            assert result.returncode == 0, result.stderr[-3000:]
            store = Store(db_url)
            try:
                run_checks(store, load_config(config), as_of=datetime.now(timezone.utc))
            finally:
                store.dispose()
            unit_id, stale_id = one(db_url, """SELECT u.id, f.id FROM findings f JOIN units u ON u.id = f.unit_id
                                               JOIN columns c ON c.id = f.column_id WHERE f.rule = 'column.stale'
                                               AND u.name = :unit AND c.name = :column""", unit=UNIT, column=COLUMN)
            (appeal_id,) = one(db_url, """SELECT min(id) FROM findings WHERE unit_id = :unit AND id <> :stale
                                          AND status IN ('new', 'open', 'regressed')""", unit=unit_id, stale=stale_id)
            other_id, other_unit, other_finding = one(
                db_url, """SELECT u.id, u.name, min(f.id) FROM findings f JOIN units u ON u.id = f.unit_id
                           WHERE u.name <> :unit AND u.kind <> '门户' GROUP BY u.id, u.name ORDER BY u.id LIMIT 1""",
                unit=UNIT)
            env = {**os.environ, "PORTALCHECK_DATABASE_URL": db_url, "PORTALCHECK_WEB_SECRET": uuid.uuid4().hex,
                   "PYTHONUNBUFFERED": "1"}
            space = Workspace("", db_url, config, env, UNIT, unit_id, other_unit, other_id, other_finding, 0)
            with serving(space):
                yield Loop(space, server, stale_id, appeal_id)


def state_of(page: Any, space: Workspace, finding_id: int, wanted: str, seconds: float = 300) -> str:
    """The finding page's 整改状态, reloaded until it reads `wanted` (a recheck crawls the unit in between)."""
    deadline = time.monotonic() + seconds
    shown = ""
    while time.monotonic() < deadline:
        page.goto(space.url(f"/findings/{finding_id}"))
        shown = page.locator("#rectification-state").inner_text()
        if shown.startswith(wanted):
            return shown
        time.sleep(2)
    raise AssertionError(f"finding {finding_id}: {shown!r}, waited for {wanted!r}")


def answer(page: Any, space: Workspace, finding_id: int, kind: str, words: str, attach: Path | None = None) -> None:
    page.goto(space.url(f"/findings/{finding_id}"))
    page.select_option("#answer-form select[name=kind]", kind)
    page.fill("#answer-form textarea[name=text]", words)
    if attach is not None:
        page.set_input_files("#answer-form input[name=file]", str(attach))
    with page.expect_navigation():
        page.click("#answer-form button[type=submit]")


def test_notice_answer_failed_and_passed_recheck_close_and_a_suppressed_appeal(loop: Loop, browser: Any,
                                                                             tmp_path: Path) -> None:
    space = loop.space
    inspector = sign_in(browser, space, "inspector")
    page = inspector.page
    page.fill("#issue-notice input[name=deadline]", "2099-06-19")
    with page.expect_navigation():
        page.click("#issue-notice-button")
    listed = page.locator("#notice-list tbody tr").first.inner_text()
    assert "第1期" in listed and "2099-06-19" in listed
    assert state_of(page, space, loop.stale_id, "未整改")
    assert page.locator("#answer-form").count() == 0  # a 督查 does not answer for a unit

    unit = sign_in(browser, space, "unit")
    upage = unit.page
    scan = tmp_path / "整改说明.pdf"
    scan.write_bytes(PDF)
    answer(upage, space, loop.stale_id, "已整改", "已安排专人更新工作动态栏目", scan)  # but nothing was published
    assert upage.locator("#rectification-state").inner_text() in ("复核中", "复核未通过")
    failed = state_of(upage, space, loop.stale_id, "复核未通过")
    assert "复核未通过" in failed
    history = upage.locator("#history").inner_text()
    assert "复核时问题仍然存在" in history and "复核中 → 复核未通过" in history
    assert upage.locator("#answers a", has_text="整改说明.pdf").count() == 1

    # the unit really updates the column on the demo portal; the next 已整改 passes its 复核
    loop.server.portal.publish("fgj", "gzdt", "县发改局召开整改工作推进会", date.today())
    answer(upage, space, loop.stale_id, "已整改", "已发布最新工作动态")
    state_of(upage, space, loop.stale_id, "复核通过")
    assert upage.locator("#close-button").count() == 0  # only a 督查 closes

    passed = state_of(page, space, loop.stale_id, "复核通过")
    assert passed == "复核通过"
    attachment_href = page.locator("#answers a", has_text="整改说明.pdf").get_attribute("href")
    downloaded = page.context.request.get(space.url(attachment_href))
    assert downloaded.status == 200 and downloaded.body() == PDF
    with page.expect_navigation():
        page.click("#close-button")
    assert page.locator("#rectification-state").inner_text() == "已销号"

    # an appeal, accepted by the 督查, then the next night's check
    answer(upage, space, loop.appeal_id, "申诉", "该栏目已按要求合并，检查对象有误")
    assert upage.locator("#rectification-state").inner_text() == "申诉中"
    page.goto(space.url(f"/findings/{loop.appeal_id}"))
    page.fill("#appeal-form input[name=reason]", "经核实栏目已合并，采纳申诉")
    with page.expect_navigation():
        page.click("#accept-appeal")
    assert page.locator("#rectification-state").inner_text() == "已采纳申诉"
    assert "经核实栏目已合并" in page.locator("#suppression").inner_text()
    night = datetime.now(timezone.utc)
    checked = space.cli("check")
    assert checked.returncode == 0, checked.stderr
    status, last_seen = one(space.db_url, "SELECT status, last_seen FROM findings WHERE id = :id", id=loop.appeal_id)
    assert status == "resolved"  # seen again by the night's check, and kept quiet
    last_seen = last_seen if isinstance(last_seen, datetime) else datetime.fromisoformat(str(last_seen))
    assert last_seen.replace(tzinfo=timezone.utc) >= night.replace(microsecond=0, tzinfo=timezone.utc)
    assert state_of(page, space, loop.appeal_id, "已采纳申诉")
    (audited,) = one(space.db_url, "SELECT count(*) FROM audit_events WHERE action IN "
                                   "('notice_issue', 'answer', 'close', 'appeal_accept')")
    assert audited >= 5
    assert inspector.errors == [] and unit.errors == [] and inspector.dialogs == [] and unit.dialogs == []


def test_answers_only_by_the_units_own_staff_and_only_with_the_csrf_token(loop: Loop, browser: Any) -> None:
    space = loop.space
    unit = sign_in(browser, space, "unit")
    page = unit.page
    page.goto(space.url(f"/units/{space.own_unit_id}"))
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    request = page.context.request
    form = {"csrf_token": token, "kind": "情况说明", "text": "越权答复"}
    assert request.post(space.url(f"/findings/{space.other_finding_id}/answer"), multipart=form).status == 404
    assert request.post(space.url("/findings/99999999/answer"), multipart=form).status == 404
    assert request.post(space.url(f"/findings/{loop.appeal_id}/answer"),
                        multipart={"kind": "情况说明", "text": "无令牌"}).status == 403
    assert request.post(space.url(f"/findings/{loop.stale_id}/close"), form={"csrf_token": token}).status == 403
    assert request.post(space.url("/notices"), form={"csrf_token": token}).status == 403
    inspector = sign_in(browser, space, "inspector")
    itoken = inspector.page.locator("input[name=csrf_token]").first.get_attribute("value")
    assert inspector.page.context.request.post(space.url(f"/findings/{loop.stale_id}/answer"),
                                               multipart={**form, "csrf_token": itoken}).status == 403
    (open_id,) = one(space.db_url, "SELECT min(id) FROM findings WHERE unit_id = :unit AND status IN "
                                   "('new', 'open', 'regressed') AND coalesce(rectification_state, '未整改') = '未整改'",
                     unit=space.own_unit_id)
    own = f"/findings/{open_id}/answer"
    exe = {"name": "整改.pdf", "mimeType": "application/pdf", "buffer": b"MZ\x90\x00 a program"}
    refused = request.post(space.url(own), multipart={**form, "text": "伪装附件", "file": exe})
    assert refused.status == 400 and "不是 pdf 文件" in refused.text()
    huge = {"name": "大.pdf", "mimeType": "application/pdf", "buffer": PDF + b"0" * (12 * 1024 * 1024)}
    assert request.post(space.url(own), multipart={**form, "text": "超大附件", "file": huge}).status == 413
    (stored,) = one(space.db_url, "SELECT count(*) FROM answers WHERE text IN ('越权答复', '无令牌', '伪装附件', '超大附件')")
    assert stored == 0
