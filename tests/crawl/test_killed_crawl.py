"""A crawl killed at any moment loses nothing: the next run — incremental, as the nightly scheduler runs it —
continues every column the killed one read only partly, so each column ends holding exactly the items an
uninterrupted crawl stores, and its newest visit is full. Kill points are seeded and progress-based (the
store holds ≥ k list items), spread across the crawl; each gets a fresh database.

The loopback portal has columns paginated by a lone 下一页 link (one further page known at a time), columns
whose pager states 共N页 (every page known from page 1), and a 大汉 Hanweb jpage column (POSTed groups).
"""

from __future__ import annotations

import math
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from ..conftest import fresh_database
from ..messages.site import letter_detail, letters_list, qa_page
from ..servers import FixtureServer, send
from .runner import REPO, column_items, crawl, portal_runs, query
from .test_hanweb_jpage import COLUMNS as HANWEB_COLUMNS
from .test_hanweb_jpage import article, column_page, dataproxy

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]  # ten killed crawls and their sequels: ~3 min quiet

PER_PAGE = 6
UNITS = {"u1": "白鹤镇", "u2": "县财政局"}
HANWEB = HANWEB_COLUMNS["77278"]
KILL_POINTS = int(os.environ.get("KILL_POINTS", "10"))
SEED = 20261203
XXGK = "http://xxgk.example.org"
QA, LETTERS = "/wlwz/", "/bm/zjj/jzxx/"


def _asked(i: int) -> str:
    return (date(2026, 10, 1) - timedelta(days=2 * i)).isoformat()


BOARD_QA = [(f"{3001 + i}", f"关于第{i}号事项的咨询", "请问该事项如何办理？", f"{_asked(i)} 09:00", "县人社局", "已办结",
             "您好！经核实，该事项可在县政务服务中心窗口办理，需携带身份证原件。", f"{_asked(i - 1)} 10:00")
            for i in range(30)]
BOARD_LETTERS = [(f"{4001 + i}", f"第{i}号来信", "小区路灯损坏，请尽快维修。", f"{_asked(i)} 10:00", "已回复",
                  "您好！经现场核查，路灯已于次日修复，感谢您的监督。", f"{_asked(i - 1)} 15:00", "满意")
                 for i in range(22)]


class Portal:
    """Columns whose items (newest first) can grow between runs, served page by page."""

    def __init__(self) -> None:
        self.items: dict[str, list[int]] = {}
        for u, unit in enumerate(UNITS):
            for j in range(5):
                # 3 to 6 pages each; odd columns state 共N页 and link every page, even ones only 下一页.
                self.items[f"/{unit}/c{j}/"] = list(range(PER_PAGE * (3 + (j + u) % 4) - (j % 3), 0, -1))
        self.next_id = 1000
        self.latency = 0.004  # a real server's: the crawl lasts a few seconds
        self.board_latency = 0.25

    def publish(self, count: int) -> None:
        """`count` new items at the head of every column: their pages shift, as on a real site."""
        for column in self.items:
            self.items[column][:0] = list(range(self.next_id + count, self.next_id, -1))
            self.next_id += count

    def list_page(self, column: str, page: int) -> str | None:
        items = self.items[column]
        pages = math.ceil(len(items) / PER_PAGE)
        if page > pages:
            return None
        # Entries on the county's 信息公开 platform (another host): the crawl reads these columns' lists only,
        # which keeps it short; the jpage column's articles are on the portal and fetched.
        rows = "".join(f'<li><a href="{XXGK}{column}t{n}.html">第{n}号通知</a><span>{self.day(n)}</span></li>'
                       for n in items[(page - 1) * PER_PAGE:page * PER_PAGE])
        name = lambda k: "index.html" if k == 1 else f"index_{k - 1}.html"  # noqa: E731  # TRS numbering
        pager = ""
        if int(column.rstrip("/")[-1]) % 2:  # 共N页 with every page linked
            pager = f"<span>共{pages}页</span>" + "".join(f'<a href="{name(k)}">{k}</a>' for k in range(1, pages + 1))
        if page < pages:
            pager += f'<a href="{name(page + 1)}">下一页</a>'
        return (f'<html><head><meta charset="utf-8"><title>通知公告</title></head><body>'
                f'<div class="list"><ul>{rows}</ul></div><div class="page">{pager}</div></body></html>')

    @staticmethod
    def day(n: int) -> str:
        return (date(2026, 11, 30) - timedelta(days=(2000 - n) % 900)).isoformat()

    def handle(self, handler) -> None:  # type: ignore[no-untyped-def]
        time.sleep(self.latency)
        path = handler.path.split("?")[0]
        column, _, leaf = path.rpartition("/")
        column += "/"
        if column in self.items:
            page = 1 if leaf in ("", "index.html") else int(leaf.removeprefix("index_").removesuffix(".html")) + 1
            if (html := self.list_page(column, page)) is not None:
                send(handler, 200, html)
                return
        send(handler, 404, "<html><title>404</title><body>页面不存在</body></html>")

    def board_page(self, handler) -> None:  # type: ignore[no-untyped-def]
        """网上问政 (Q&A blocks, 5 a page) and 局长信箱 (a list of letters, 4 a page, each read on its detail page),
        both over six pages linked by 下一页 only. Slower than the portal's pages: the boards' own gatherer
        runs beside the portal's, and kills should land while it is reading them too."""
        time.sleep(self.board_latency)
        path, _, query_ = handler.path.partition("?")
        if path == LETTERS + "detail.html":
            send(handler, 200, letter_detail(BOARD_LETTERS[int(query_.removeprefix("id=")) - 4001]))
            return
        qa = path.startswith(QA)
        leaf = path.rsplit("/", 1)[1]
        page = int("".join(ch for ch in leaf if ch.isdigit()) or 1)  # index_3.html, list_3.html: page 3
        per = 5 if qa else 4
        entries = (BOARD_QA if qa else BOARD_LETTERS)[(page - 1) * per:page * per]
        last = page * per >= len(BOARD_QA if qa else BOARD_LETTERS)
        if qa:
            pager = "" if last else f'<a href="index_{page + 1}.html">下一页</a>'
            send(handler, 200, qa_page("网上问政", entries, pager))
        else:
            pager = "" if last else f'<a href="{LETTERS}list_{page + 1}.html">下一页</a>'
            send(handler, 200, letters_list(entries, pager))

    def routes(self) -> dict[str, object]:
        out: dict[str, object] = {"/": '<html><head><meta charset="utf-8"><title>青山县人民政府</title></head>'
                                       "<body></body></html>", "/robots.txt": "User-agent: *\nDisallow:\n"}
        for unit, name in UNITS.items():
            nav = "".join(f'<li><a href="{c}">栏目{c[-2]}</a></li>' for c in self.items if c.startswith(f"/{unit}/"))
            out[f"/{unit}/"] = (f'<html><head><meta charset="utf-8"><title>{name}</title></head><body>'
                                f'<div class="nav"><ul>{nav}</ul></div></body></html>')
        for column in self.items:
            out[column] = out[column + "index.html"] = self.handle
            for page in range(1, 40):
                out[f"{column}index_{page}.html"] = self.handle
        out["/module/web/jpage/dataproxy.jsp"] = dataproxy
        out.update({QA + "index.html": self.board_page, LETTERS: self.board_page,
                    LETTERS + "detail.html": self.board_page})
        for page in range(2, 7):
            out[f"{QA}index_{page}.html"] = out[f"{LETTERS}list_{page}.html"] = self.board_page
        out[HANWEB.path] = column_page(HANWEB)
        out.update({path: article(day) for path, day in HANWEB.records().items()})
        return out


def database(folder: Path) -> Iterator[str]:
    """A fresh database of its own (in its own folder for SQLite)."""
    folder.mkdir(parents=True, exist_ok=True)
    yield from fresh_database(folder)


def write_config(folder: Path, base: str) -> Path:
    path = folder / "config.yaml"
    path.write_text(f"""
portal: {{name: 青山县人民政府, home: "{base}/", site_code: "3609990001"}}
units:
  - {{name: {UNITS["u1"]}, kind: 乡镇, site: "{base}/u1/"}}
  - name: {UNITS["u2"]}
    kind: 部门
    site: "{base}/u2/"
    columns:
      - {{name: 政策文件, url: "{base}{HANWEB.path}"}}
message_boards:
  - {{name: 网上问政, url: "{base}{QA}index.html", kind: consultation}}
  - {{name: 局长信箱, url: "{base}{LETTERS}", kind: consultation}}
crawl: {{concurrency_per_host: 2, delay_seconds: 0, autothrottle: false, check_external_links: false,
        incremental_revisit_fraction: 0}}
""", encoding="utf-8")
    return path


def board_messages(db_url: str) -> dict[str, set[tuple[str, str | None, bool]]]:
    """Board URL → its messages (id, status, has a reply)."""
    out: dict[str, set[tuple[str, str | None, bool]]] = {}
    for board, ident, status, reply in query(db_url, "SELECT board_url, external_id, status_word, reply FROM messages"):
        out.setdefault(board, set()).add((ident, status, bool(reply)))
    return out


def newest_visits(db_url: str) -> dict[str, str]:
    """Column URL → status of its newest visit (a column never visited: missing)."""
    rows = query(db_url, """SELECT c.url, v.status FROM column_visits v JOIN columns c ON c.id = v.column_id
                            ORDER BY v.run_id""")
    return dict(rows)


def unfinished_columns(db_url: str) -> set[str]:
    try:
        return {u for (u,) in query(db_url, "SELECT list_url FROM unfinished_lists WHERE kind = 'column'")}
    except Exception:  # the schema is not there yet
        return set()


def list_items_stored(db_url: str) -> int:
    try:
        return query(db_url, "SELECT count(*) FROM list_items")[0][0]
    except Exception:  # the schema is not there yet
        return 0


def stop_at(config: Path, db_url: str, args: list[str], items: int, stop: int = signal.SIGKILL,
            until: Callable[[], bool] | None = None) -> bool:
    """Start `portalcheck crawl ARGS`, send `stop` once the store holds ≥ `items` list items (and `until()`
    holds). True if it was still running then (the signal landed mid-crawl)."""
    env = {**os.environ, "PORTALCHECK_DATABASE_URL": db_url}
    process = subprocess.Popen([sys.executable, "-m", "portalcheck.cli", "--config", str(config), "crawl", *args],
                               env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline and (
            list_items_stored(db_url) < items or (until is not None and not until())):
        time.sleep(0.02)
    landed = process.poll() is None
    process.send_signal(stop)
    process.wait(timeout=60)
    return landed


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Portal, FixtureServer, Path]]:
    portal = Portal()
    with FixtureServer(portal.routes()) as server:
        yield portal, server, write_config(tmp_path_factory.mktemp("killed"), server.base_url)


Reference = tuple[dict[str, set[str]], dict[str, set[tuple[str, str | None, bool]]]]


def reference(config: Path, folder: Path) -> Reference:
    """Every column's items and every board's messages after one uninterrupted full crawl."""
    for db_url in database(folder):
        result = crawl(config, db_url, "--full")
        assert result.returncode == 0, result.stderr[-3000:]
        items = column_items(db_url)
        boards = board_messages(db_url)
    assert {len(v) for v in boards.values()} == {len(BOARD_QA), len(BOARD_LETTERS)}
    return items, boards


def assert_complete(db_url: str, expected_both: Reference) -> None:
    expected, boards = expected_both
    stored = board_messages(db_url)
    assert {b: len(m) for b, m in stored.items() if m != boards.get(b)} == {}
    got = column_items(db_url)
    wrong = {c: (len(got.get(c, ())), len(items)) for c, items in expected.items() if got.get(c) != items}
    assert wrong == {}, f"column: (stored, expected) items {wrong}"
    visits = newest_visits(db_url)
    assert {c: visits.get(c) for c in expected if visits.get(c) != "full"} == {}


@pytest.fixture(scope="module")
def expected(site: tuple[Portal, FixtureServer, Path], tmp_path_factory: pytest.TempPathFactory) -> Reference:
    return reference(site[2], tmp_path_factory.mktemp("reference"))


def test_full_crawl_killed_anywhere_then_incremental_crawl_stores_every_column_in_full(
        site: tuple[Portal, FixtureServer, Path], expected: Reference, tmp_path: Path) -> None:
    portal, server, config = site
    total = sum(len(items) for items in expected[0].values())
    assert any("/col/" in c for c in expected[0]) and total > 250
    rng = random.Random(SEED)
    points = sorted(rng.randint(1, int(total * 0.9)) for _ in range(KILL_POINTS))
    landed = 0
    for n, point in enumerate(points):
        for db_url in database(tmp_path / f"kill{n}"):
            landed += stop_at(config, db_url, ["--full"], point)
            result = crawl(config, db_url)
            assert result.returncode == 0, result.stderr[-3000:]
            assert_complete(db_url, expected)
            runs = portal_runs(db_url)
            if runs[0]["status"] != "finished":  # killed before it could finish: named by the run after it
                assert runs[-1]["counts"]["after_run"]["id"] == runs[0]["id"]
    assert landed >= KILL_POINTS - 1  # the kills fell inside the crawl, not after it


def test_incremental_crawl_killed_then_incremental_crawl_stores_the_new_items_of_every_page(
        tmp_path: Path) -> None:
    portal = Portal()
    with FixtureServer(portal.routes()) as server:
        config = write_config(tmp_path, server.base_url)
        portal.publish(2 * PER_PAGE + 1)  # three new pages' worth at the head of every column
        expected = reference(config, tmp_path / "reference")
        rng = random.Random(SEED + 1)
        landed = 0
        for n in range(3):
            for db_url in database(tmp_path / f"kill{n}"):
                portal.__init__()  # type: ignore[misc]  # the portal as the full crawl finds it
                assert crawl(config, db_url, "--full").returncode == 0
                before = list_items_stored(db_url)
                portal.publish(2 * PER_PAGE + 1)  # the same new items again (numbered from 1001 as above)
                added = sum(len(v) for v in expected[0].values()) - before
                portal.latency = 0.25  # the incremental run lasts a few of the store's 2-second batches
                landed += stop_at(config, db_url, [], before + rng.randint(1, added // 2),
                                  until=lambda db_url=db_url: bool(unfinished_columns(db_url)))
                portal.latency = 0.004
                result = crawl(config, db_url)
                assert result.returncode == 0, result.stderr[-3000:]
                assert_complete(db_url, expected)
        assert landed >= 2  # killed while the store showed a column partly read


def test_sigterm_stops_a_full_crawl_as_interrupted_and_the_next_run_finishes_and_says_so(
        site: tuple[Portal, FixtureServer, Path], expected: Reference, tmp_path: Path) -> None:
    portal, server, config = site
    for db_url in database(tmp_path / "term"):
        portal.latency = 0.1  # list pages slower: the crawl spans several of the store's 2-second batches
        try:
            assert stop_at(config, db_url, ["--full"], 60, stop=signal.SIGTERM,
                           until=lambda db_url=db_url: bool(unfinished_columns(db_url)))
        finally:
            portal.latency = 0.004
        [run] = portal_runs(db_url)
        assert run["status"] == "interrupted"
        unfinished = query(db_url, "SELECT count(*) FROM unfinished_lists WHERE kind = 'column'")[0][0]
        assert unfinished > 0
        result = crawl(config, db_url)
        assert result.returncode == 0, result.stderr[-3000:]
        assert_complete(db_url, expected)
        counts = portal_runs(db_url)[-1]["counts"]
        assert counts["unfinished_columns"] == {"left": unfinished, "finished": unfinished}
        assert f"上次中断遗留未完成栏目 {unfinished} 个，本次已补全 {unfinished} 个" in result.stdout + result.stderr
        assert query(db_url, "SELECT count(*) FROM unfinished_lists")[0][0] == 0


def test_full_crawl_killed_then_one_units_crawl_finishes_that_units_columns_and_leaves_the_rest_for_later(
        site: tuple[Portal, FixtureServer, Path], expected: Reference, tmp_path: Path) -> None:
    portal, server, config = site
    of_unit = {key: {c for c in expected[0] if f"{server.base_url}/{key}/" in c or (key == "u2" and "/col/" in c)}
               for key in UNITS}
    for db_url in database(tmp_path / "unit"):
        portal.latency = 0.1  # list pages slower: the crawl spans several of the store's 2-second batches
        try:
            assert stop_at(config, db_url, ["--full"], 1, until=lambda db_url=db_url: bool(unfinished_columns(db_url)))
        finally:
            portal.latency = 0.004
        left = unfinished_columns(db_url)
        # Scrapy reads depth first: the unit whose columns the kill cut, and the other one.
        cut = next(key for key, columns in of_unit.items() if columns & left)
        other = next(key for key in UNITS if key != cut)
        for key in (other, cut):
            result = crawl(config, db_url, "--unit", UNITS[key])
            assert result.returncode == 0, result.stderr[-3000:]
            stored = column_items(db_url)
            assert {c: len(stored.get(c, ())) for c in of_unit[key] if stored.get(c) != expected[0][c]} == {}
            if key == other:  # the cut unit's columns: still marked, for the run that covers them
                assert unfinished_columns(db_url) == left - of_unit[other]
        assert unfinished_columns(db_url) == set()
        cut_left = len(left & of_unit[cut])
        assert portal_runs(db_url)[-1]["counts"]["unfinished_columns"] == {"left": cut_left, "finished": cut_left}
        assert f"此前遗留未完成栏目 {cut_left} 个，本次已补全 {cut_left} 个" in result.stderr + result.stdout
        result = crawl(config, db_url)
        assert result.returncode == 0, result.stderr[-3000:]
        assert_complete(db_url, expected)
        assert query(db_url, "SELECT url FROM pages GROUP BY url HAVING count(*) > 1") == []
