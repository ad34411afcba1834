"""证据截图 in the workspace: shown on the finding's page and served only to whoever may see the finding (a 单位
account asking for another unit's picture, or a picture under another finding's id, gets 404, as if it did not
exist); files come from evidence.pictures_dir through the route, never a static root."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from sqlalchemy import select

from crawler.evidence_shots import Shot
from portalcheck.core.config import load_config
from portalcheck.service.evidence import chromium_taker, record
from storage.models import FindingPicture
from storage.session import Store
from tests.web.conftest import CHROMIUM, Workspace, sign_in

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def pictures(workspace: Workspace) -> dict[str, tuple[int, int, bytes]]:
    """A real picture (the home page's footer, outlined) for a finding of the 单位 account's unit and one of
    another unit: role → (finding id, picture id, PNG bytes)."""
    config = load_config(workspace.config)  # the served config: the route reads its pictures_dir
    store = Store(workspace.db_url)
    try:
        from storage.models import Finding

        with store.session() as session:
            own = session.scalars(select(Finding.id).where(Finding.unit_id == workspace.own_unit_id)
                                  .order_by(Finding.id)).first()
        home = str(config.portal.home)
        shots = [Shot(own, home, "footer"), Shot(workspace.other_finding_id, home + "?other", "footer")]
        counts = record(config, store, chromium_taker(shots, CHROMIUM, 20), "first", datetime.now(timezone.utc))
        assert counts == {"taken": 2, "failed": 0}
        out = {}
        with store.session() as session:
            for role, finding_id in (("own", own), ("other", workspace.other_finding_id)):
                row = session.scalars(select(FindingPicture).where(FindingPicture.finding_id == finding_id)).one()
                out[role] = (finding_id, row.id, (config.pictures_dir() / row.path).read_bytes())
        return out
    finally:
        store.dispose()


def test_unit_account_sees_its_own_pictures_and_never_another_units(workspace: Workspace, browser: Any,
                                                                     pictures: dict[str, Any]) -> None:
    visit = sign_in(browser, workspace, "unit")
    request = visit.page.context.request
    own_finding, own_picture, own_png = pictures["own"]
    other_finding, other_picture, _ = pictures["other"]
    got = request.get(workspace.url(f"/findings/{own_finding}/pictures/{own_picture}.png"))
    assert got.status == 200 and got.headers["content-type"] == "image/png" and got.body() == own_png
    # another unit's picture: by its own finding, or slipped under the unit's own finding id
    assert request.get(workspace.url(f"/findings/{other_finding}/pictures/{other_picture}.png")).status == 404
    assert request.get(workspace.url(f"/findings/{own_finding}/pictures/{other_picture}.png")).status == 404
    assert request.get(workspace.url(f"/findings/{own_finding}/pictures/999999.png")).status == 404
    # the finding's page shows the picture
    visit.page.goto(workspace.url(f"/findings/{own_finding}"))
    image = visit.page.locator("#pictures img")
    assert image.count() == 1
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    assert visit.errors == [] and visit.dialogs == []


def test_inspector_sees_every_picture_and_nobody_signed_out_does(workspace: Workspace, browser: Any,
                                                                  pictures: dict[str, Any]) -> None:
    visit = sign_in(browser, workspace, "inspector")
    for finding_id, picture_id, png in pictures.values():
        got = visit.page.context.request.get(workspace.url(f"/findings/{finding_id}/pictures/{picture_id}.png"))
        assert got.status == 200 and got.body() == png
    anonymous = browser.new_context()
    finding_id, picture_id, _ = pictures["own"]
    answer = anonymous.request.get(workspace.url(f"/findings/{finding_id}/pictures/{picture_id}.png"),
                                   max_redirects=0)
    assert answer.status in (302, 303, 401) and answer.headers.get("content-type") != "image/png"
    anonymous.close()
