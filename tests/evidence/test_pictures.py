"""证据截图 on the demo portal, in Debian's chromium: each picture rule's finding gets a PNG that outlines the
right element (its recorded box is that element's box in the page, and the outline's pixels are red), bounded
by the nightly cap (new findings first), pruned by retention, and a failed shot is recorded, never raised."""

from __future__ import annotations

import hashlib
import io
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from checks import run_checks
from crawler.settings import chromium_launch_options
from portalcheck.core.config import Config, load_config
from portalcheck.service.evidence import (
    EVIDENCE_RULES,
    HEADLESS_SHELL,
    pictures_browser,
    prune,
    take_pictures,
)
from storage.models import Finding, FindingPicture
from storage.session import Store
from tests.conftest import REPO, DemoCrawl
from tests.web.conftest import copy_database, drop_database, free_port

CHROMIUM = "/usr/bin/chromium"
SHELL = HEADLESS_SHELL[0]
# The night's pictures are taken in the headless shell when it is installed (pictures_browser), and the boxes
# they record are checked in a tab of the same browser (`tab`): the shell's default font for text a page leaves
# unstyled is a serif one, so its lines are not exactly as tall as in chromium's full browser.
NIGHT_BROWSER = SHELL if Path(SHELL).exists() else CHROMIUM
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is needed")


def with_pictures(config: Config, folder: Path, browser: str | None = CHROMIUM, **evidence: Any) -> Config:
    settings = config.evidence.model_copy(update={"pictures_dir": str(folder), **evidence})
    return config.model_copy(update={"evidence": settings,
                                     "crawl": config.crawl.model_copy(update={"chromium_path": browser})})


@dataclass
class Shots:
    config: Config
    store: Store
    counts: dict[str, Any]


@pytest.fixture
def private_store(demo_crawl: DemoCrawl, tmp_path: Path) -> Iterator[Store]:
    """A copy of the session's demo crawl: pictures taken here do not reach what other tests read."""
    url = copy_database(demo_crawl.db_url, tmp_path)
    store = Store(url)
    yield store
    store.dispose()
    drop_database(url)


@pytest.fixture(scope="module")
def shots(demo_crawl: DemoCrawl, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shots]:
    folder = tmp_path_factory.mktemp("evidence")
    url = copy_database(demo_crawl.db_url, folder)
    store = Store(url)
    config = with_pictures(load_config(demo_crawl.config), folder / "pictures", NIGHT_BROWSER, per_night_cap=1000)
    # The shared crawl's config leaves out the deployment's leaders: judge the misspelt leader's name here.
    config = config.model_copy(update={"leaders": load_config(REPO / "config.yaml").leaders})
    # Now, not at the shared crawl's check time: a test before this one may have re-crawled a unit of the shared
    # store (the workspace's 复查), and a check as of the earlier moment would not see those pages.
    run_checks(store, config, as_of=datetime.now(timezone.utc), only=["content.serious_error"])
    counts = take_pictures(config, store)
    yield Shots(config, store, counts)
    store.dispose()
    drop_database(url)


def rows(store: Store, *conditions: Any) -> list[tuple[Finding, FindingPicture]]:
    with store.session() as session:
        return [tuple(r) for r in session.execute(
            select(Finding, FindingPicture).join(FindingPicture, FindingPicture.finding_id == Finding.id)
            .where(*conditions).order_by(Finding.rule, Finding.id))]


# The element a picture must outline, found independently in a fresh tab (nothing injected), as a box in
# document CSS px. Text: the range of the first visible occurrence; the others: the demo's own markup.
EXPECTED_JS = r"""
([kind, needle]) => {
  const box = (r) => ({x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height});
  const visible = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  if (kind === 'text') {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const at = n.data.indexOf(needle);
      if (at < 0 || !visible(n.parentElement)) continue;
      const range = document.createRange(); range.setStart(n, at); range.setEnd(n, at + needle.length);
      return box(range.getBoundingClientRect());
    }
    return null;
  }
  if (kind === 'date') {  // the text of the list's date holding the newest date, in whatever format the unit uses
    for (const el of document.querySelectorAll('.list .date')) {
      const digits = el.textContent.match(/\d+/g) || [];
      if (digits.length >= 3 && [digits[0], digits[1].padStart(2, '0'), digits[2].padStart(2, '0')].join('-') === needle)
      { const range = document.createRange(); range.selectNodeContents(el); return box(range.getBoundingClientRect()); }
    }
    return null;
  }
  if (kind === 'link') {
    for (const a of document.querySelectorAll('a[href], iframe[src], script[src], link[href]')) {
      const url = new URL(a.href || a.src, location.href); url.hash = '';
      if (url.href === needle && visible(a)) return box(a.getBoundingClientRect());
    }
    return null;
  }
  const el = document.querySelector(needle);
  return el ? box(el.getBoundingClientRect()) : null;
}
"""


def expected(finding: Finding) -> tuple[str, str]:
    ev = finding.evidence
    return {
        "column.stale": lambda: ("date", ev["newest"][:10]),
        "column.blank": lambda: ("selector", "[role=viewlist]"),
        "footer.site_code": lambda: ("selector", ".footer"),
        "page.no_error_report": lambda: ("selector", ".footer"),
        "content.serious_error": lambda: ("text", ev["wrong"]),
        "content.sensitive": lambda: ("text", ev["words"][0]),
        "content.garbled": lambda: ("text", sorted(ev["markers"], key=len, reverse=True)[0]),
        "link.dead": lambda: ("link", ev["target"].split("#")[0]),
    }[finding.rule]()


def is_red(pixel: tuple[int, ...]) -> bool:
    r, g, b = pixel[:3]
    return r >= 220 and g <= 50 and b <= 50


def red_edges(png: bytes, picture: FindingPicture) -> dict[str, bool]:
    """Whether the middle of each side of the outline (the 3 px just inside the element's box) is red in the
    PNG; sides that fall outside the picture are left out."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == (int(picture.clip_w), int(picture.clip_h))
    x, y = picture.box_x - picture.clip_x, picture.box_y - picture.clip_y
    w, h = picture.box_w, picture.box_h
    points = {"top": (x + w / 2, y + 1.5), "bottom": (x + w / 2, y + h - 1.5),
              "left": (x + 1.5, y + min(h / 2, 8)), "right": (x + w - 1.5, y + min(h / 2, 8))}
    return {side: is_red(image.getpixel((int(px), int(py)))) for side, (px, py) in points.items()
            if 1 <= px < image.width - 1 and 1 <= py < image.height - 1}


@pytest.fixture(scope="module")
def tab() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**chromium_launch_options(NIGHT_BROWSER))
        context = browser.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
        yield context.new_page()
        browser.close()


def test_every_picture_rule_gets_a_picture_outlining_the_element_the_finding_is_about(shots: Shots, tab: Any) -> None:
    taken = rows(shots.store, FindingPicture.sha256.is_not(None))
    by_rule: dict[str, list[tuple[Finding, FindingPicture]]] = {}
    for finding, picture in taken:
        by_rule.setdefault(finding.rule, []).append((finding, picture))
    assert set(by_rule) == set(EVIDENCE_RULES), (set(EVIDENCE_RULES) - set(by_rule), shots.counts)
    folder = shots.config.pictures_dir()
    for rule, pairs in by_rule.items():
        for finding, picture in pairs[:3]:
            png = (folder / picture.path).read_bytes()
            assert hashlib.sha256(png).hexdigest() == picture.sha256 and picture.path.endswith(f"{picture.sha256}.png")
            assert png[:8] == b"\x89PNG\r\n\x1a\n"
            tab.goto(picture.page_url, wait_until="load")
            kind, needle = expected(finding)
            box = tab.evaluate(EXPECTED_JS, [kind, needle])
            assert box is not None, (rule, picture.page_url, needle)
            recorded = {"x": picture.box_x, "y": picture.box_y, "width": picture.box_w, "height": picture.box_h}
            for key in box:
                assert abs(box[key] - recorded[key]) <= 2, (rule, picture.page_url, key, box, recorded)
            edges = red_edges(png, picture)
            assert len(edges) == 4 and all(edges.values()), (rule, picture.page_url, edges)
            # and the picture is not red all over: the page around the element keeps its colours
            from PIL import Image

            image = Image.open(io.BytesIO(png)).convert("RGB")
            assert sum(is_red(p) for p in image.get_flattened_data()) < 0.2 * image.width * image.height


def test_pictures_are_taken_in_the_headless_shell_unless_the_deployment_names_a_browser(tmp_path: Path) -> None:
    config = load_config(REPO / "config.yaml")
    unset = with_pictures(config, tmp_path, None)
    if Path(SHELL).exists():  # what setup installs; chromium's full browser costs twice the memory
        assert pictures_browser(unset) == SHELL
    else:
        assert pictures_browser(unset) in (shutil.which("chromium-headless-shell"), shutil.which("chromium"))
    assert pictures_browser(with_pictures(config, tmp_path, CHROMIUM)) == CHROMIUM
    assert pictures_browser(with_pictures(config, tmp_path, str(tmp_path / "x"))) == str(tmp_path / "x")


def test_each_finding_is_photographed_once_as_first_and_a_failed_shot_says_why(shots: Shots) -> None:
    all_rows = rows(shots.store)
    assert all(p.kind == "first" for _, p in all_rows)
    assert len({p.finding_id for _, p in all_rows}) == len(all_rows)  # one shot per finding
    failed = [(f.rule, p.page_url, p.error) for f, p in all_rows if p.sha256 is None]
    assert all(error for _, _, error in failed), failed
    assert shots.counts["taken"] == len(all_rows) - len(failed) and shots.counts["failed"] == len(failed)
    # a second night photographs no finding that has its picture: only a failed first shot is tried again
    # (a loaded machine can time a shot out; with none failed, nothing at all is taken)
    before = {p.id for _, p in all_rows}
    again = take_pictures(shots.config, shots.store)
    assert again.get("error") is None and again["taken"] + again["failed"] <= len(failed)
    added = [p for _, p in rows(shots.store) if p.id not in before]
    assert {p.finding_id for p in added} <= {p.finding_id for _, p in all_rows if p.sha256 is None}
    assert len(added) == again["taken"] + again["failed"]  # with no failed shot: nothing at all


def test_the_nightly_cap_takes_new_findings_first_and_counts_the_whole_local_day(
        demo_crawl: DemoCrawl, private_store: Store, tmp_path: Path) -> None:
    config = with_pictures(load_config(demo_crawl.config), tmp_path / "pictures", per_night_cap=3)
    with private_store.session() as session:
        ids = list(session.scalars(select(Finding.id).where(Finding.rule.in_(EVIDENCE_RULES))
                                   .order_by(Finding.id)))
        assert len(ids) > 5
        fresh = ids[-2:]  # the two new ones; every other finding is an older, open one
        session.execute(update(Finding).where(Finding.id.in_(ids[:-2])).values(status="open"))
    counts = take_pictures(config, private_store)
    pictured = rows(private_store)
    assert len(pictured) == 3 and counts["left_for_cap"] == len(ids) - 3
    assert {f.id for f, _ in pictured} >= set(fresh)
    assert take_pictures(config, private_store)["taken"] == 0  # the day's cap is spent
    tomorrow = datetime.now(timezone.utc) + timedelta(days=1)
    assert take_pictures(config, private_store, now=tomorrow)["taken"] == 3  # a new night, a new cap
    assert len(rows(private_store)) == 6


def test_retention_deletes_old_rows_and_files_no_kept_row_uses(demo_crawl: DemoCrawl, private_store: Store,
                                                               tmp_path: Path) -> None:
    config = with_pictures(load_config(demo_crawl.config), tmp_path / "pictures", per_night_cap=3,
                           retention_days=30)
    take_pictures(config, private_store)
    pictured = [(f, p) for f, p in rows(private_store) if p.sha256]
    assert len(pictured) == 3
    (kept_f, kept_p), (old_f, old_p), (active_f, active_p) = pictured
    folder = config.pictures_dir()
    now = datetime.now(timezone.utc)
    long_ago = now - timedelta(days=40)
    with private_store.session() as session:
        # old_f: resolved, its picture old → row and file go. active_f: still open, its only picture old → kept.
        session.execute(update(Finding).where(Finding.id == old_f.id).values(status="resolved"))
        session.execute(update(FindingPicture).where(FindingPicture.id.in_([old_p.id, active_p.id]))
                        .values(taken_at=long_ago))
        # kept_f also has an old, superseded picture sharing its file (content-addressed): the file stays.
        session.add(FindingPicture(finding_id=kept_f.id, kind="first", taken_at=long_ago, page_url=kept_p.page_url,
                                   sha256=kept_p.sha256, path=kept_p.path))
        # a stray picture nobody references, and a file that is not ours
        stray = folder / "ff" / ("f" * 64 + ".png")
        stray.parent.mkdir(parents=True, exist_ok=True)
        stray.write_bytes(b"\x89PNG stray")
        (folder / "README.txt").write_text("not a picture", encoding="utf-8")
    pruned = prune(config, private_store, now)
    left = {p.id for _, p in rows(private_store)}
    assert old_p.id not in left and active_p.id in left and kept_p.id in left
    assert pruned["rows"] == 2  # old_p and kept_f's superseded row
    assert not (folder / old_p.path).exists() or old_p.sha256 in {kept_p.sha256, active_p.sha256}
    assert (folder / kept_p.path).exists() and (folder / active_p.path).exists()
    assert not stray.exists() and (folder / "README.txt").exists()
    assert pruned["files"] == (2 if old_p.sha256 not in {kept_p.sha256, active_p.sha256} else 1)


def test_a_failed_screenshot_is_recorded_as_missing_and_never_raises(demo_crawl: DemoCrawl, private_store: Store,
                                                                     tmp_path: Path) -> None:
    config = with_pictures(load_config(demo_crawl.config), tmp_path / "pictures", timeout_seconds=5)
    gone = demo_crawl.url("/no/such/page/gone.html")
    with private_store.session() as session:
        garbled, stale = (session.scalars(select(Finding).where(Finding.rule == rule).order_by(Finding.id)).first()
                          for rule in ("content.garbled", "column.stale"))
        # a sentence no page holds (fixed since), and a page that is gone: element not found in both
        garbled.evidence = {**garbled.evidence, "markers": ["这句话不在任何页面上"], "snippets": []}
        stale.url = gone
        # a page on a port nobody listens on: chromium's navigation fails
        blank = session.scalars(select(Finding).where(Finding.rule == "column.blank")).first()
        blank.url = f"http://127.0.0.1:{free_port()}/"
        # a crawled address that is not the web's: never opened
        dead = session.scalars(select(Finding).where(Finding.rule == "link.dead")).first()
        dead.evidence = {**dead.evidence, "pages": ["file:///etc/passwd"], "on_home": False}
        ids = [garbled.id, stale.id, blank.id, dead.id]
    counts = take_pictures(config, private_store, finding_ids=ids)
    assert counts["failed"] == 4 and counts["taken"] == 0 and "error" not in counts
    errors = {f.rule: p.error for f, p in rows(private_store)}
    assert errors["content.garbled"] == "not_found" and errors["column.stale"]
    assert "ERR_CONNECTION_REFUSED" in errors["column.blank"] and errors["link.dead"] == "not_http"
    # chromium that cannot start: the step reports it, it does not raise into the night
    broken = config.model_copy(update={"crawl": config.crawl.model_copy(update={"chromium_path": str(tmp_path / "x")})})
    with private_store.session() as session:
        others = list(session.scalars(select(Finding.id).where(Finding.rule == "link.dead")))
    assert "error" in take_pictures(broken, private_store, finding_ids=others)


def test_a_recheck_takes_a_recheck_picture_of_findings_still_active(shots: Shots) -> None:
    with shots.store.session() as session:
        ids = list(session.scalars(select(Finding.id).where(Finding.rule == "content.serious_error")))
    counts = take_pictures(shots.config, shots.store, kind="recheck", finding_ids=ids)
    assert counts["taken"] == len(ids) > 0
    kinds = [p.kind for f, p in rows(shots.store, Finding.id.in_(ids))]
    # both kinds stay: each proves the finding at its moment
    assert kinds.count("recheck") == len(ids) and kinds.count("first") == len(ids)


def test_findings_xlsx_links_each_pictured_finding_to_its_png(shots: Shots, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from portalcheck.exports import Period
    from portalcheck.exports.findings import write_findings

    path = write_findings(shots.store, tmp_path / "findings.xlsx", "xlsx", period=Period.make(),
                          pictures_dir=shots.config.pictures_dir())
    sheet = load_workbook(path)["问题清单"]
    header = [c.value for c in sheet[1]]
    assert header[-1] == "证据截图"
    links = [row[-1].hyperlink.target for row in sheet.iter_rows(min_row=2) if row[-1].hyperlink]
    taken = [p for _, p in rows(shots.store, FindingPicture.sha256.is_not(None))]
    assert len(links) == len({p.finding_id for p in taken}) > 0
    for link in links:  # Excel's relative file link (backslashes), from the workbook's folder
        assert link.startswith("..") and (path.parent / link.replace("\\", "/")).resolve().is_file(), link
    # the csv keeps its columns for the tools that read it
    csv = write_findings(shots.store, tmp_path / "findings.csv", "csv", period=Period.make(),
                         pictures_dir=shots.config.pictures_dir())
    assert "证据截图" not in csv.read_text(encoding="utf-8-sig").splitlines()[0]


def test_notice_with_pictures_appends_them_as_its_last_attachment(shots: Shots, tmp_path: Path) -> None:
    from docx import Document

    from portalcheck.exports import Period
    from portalcheck.exports.notice import export_notice

    plain, _ = export_notice(shots.store, shots.config, Period.make(), tmp_path / "plain.docx", "docx")
    assert len(Document(str(plain)).inline_shapes) == 0
    path, _ = export_notice(shots.store, shots.config, Period.make(), tmp_path / "notice.docx", "docx",
                            pictures=True)
    document = Document(str(path))
    active = {p.finding_id for f, p in rows(shots.store, FindingPicture.sha256.is_not(None),
                                            Finding.status.in_(("new", "open", "regressed")))}
    assert len(document.inline_shapes) == min(len(active), 100) > 0
    texts = [p.text for p in document.paragraphs]
    assert any(t.endswith("5．问题证据截图") or t == "5．问题证据截图" for t in texts), texts[:40]
    assert "附件5" in texts and "问题证据截图" in texts
