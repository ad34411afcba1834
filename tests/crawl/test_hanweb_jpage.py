"""A 大汉 Hanweb jpage column crawled over HTTP from a server that, like real ones, answers dataproxy.jsp only
to a POST of the jpage form (a GET gets an empty datastore): every record is stored with its date, every
group is asked once, and an incremental run stops at the column page when its items are known."""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from ..conftest import fresh_database
from ..servers import FixtureServer, send
from .runner import crawl, query, visits

PROXY = "/module/web/jpage/dataproxy.jsp"
PER_PAGE, GROUP_SIZE = 15, 3
IN_PAGE = PER_PAGE * GROUP_SIZE  # jpage's column page carries the first group itself
WEBNAME = "万安县人民政府"
EMPTY = "<datastore><totalrecord>0</totalrecord><totalpage>0</totalpage><recordset></recordset></datastore>"


@dataclass(frozen=True)
class Column:
    name: str
    columnid: str
    unitid: str
    total: int

    @property
    def path(self) -> str:
        return f"/col/col{self.columnid}/index.html"

    def records(self) -> dict[str, date]:
        """Article path → list date of record n (1 = newest)."""
        out = {}
        for n in range(1, self.total + 1):
            day = date(2025, 12, 31) - timedelta(days=3 * n)
            out[f"/art/{day.year}/{day.month}/{day.day}/art_{self.columnid}_{n}.html"] = day
        return out


# Both columns' second group is the same URL (startrecord=46&endrecord=90): only the form tells them apart.
COLUMNS = {c.columnid: c for c in (Column("通知公告", "77278", "303271", 100), Column("政策文件", "77279", "303300", 95))}


def record_xml(records: list[tuple[str, date]]) -> str:
    """jpage records: one CDATA <li> each, titled by the record's number (art_<columnid>_<n>.html)."""
    rows = []
    for path, day in records:
        title = f"第{path.rsplit('_', 1)[1].removesuffix('.html')}号文件"
        rows.append(f'<record><![CDATA[<li><a href="{path}" target="_blank" title="{title}">{title}</a>'
                    f"<span>{day.isoformat()}</span></li>]]></record>")
    return "".join(rows)


def column_page(column: Column) -> str:
    first = list(column.records().items())[:IN_PAGE]
    ajax = (f"col:1, appid:1, webid:67, path:'/', columnid:{column.columnid}, sourceContentType:1, "
            f"unitid:{column.unitid}, webname:'{WEBNAME}', permissiontype:0")
    return (f'<html><head><meta charset="utf-8"><title>{column.name} {WEBNAME}</title></head><body>'
            f'<div class="list"><div id="{column.unitid}"><script type="text/xml"><datastore>'
            f"<recordset>{record_xml(first)}</recordset></datastore></script></div>"
            f"<script>$('#{column.unitid}').jpage({{dataStore: dataStore, proxyUrl:'{PROXY}', perPage:{PER_PAGE},"
            f" totalRecord:{column.total}, groupSize:{GROUP_SIZE}, ajaxParam:{{{ajax}}}}});</script>"
            "</div></body></html>")


def dataproxy(handler) -> None:  # type: ignore[no-untyped-def]
    """Records startrecord..endrecord of the column the form names; anything else an empty datastore."""
    query_ = dict(parse_qsl(urlsplit(handler.path).query))
    form = dict(parse_qsl(handler.body.decode("utf-8")))
    column = COLUMNS.get(form.get("columnid", ""))
    right = (handler.command == "POST" and column is not None and form.get("unitid") == column.unitid
             and form.get("webname") == WEBNAME and form.get("appid") == "1" and form.get("webid") == "67"
             and handler.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"))
    if not right or column is None:
        send(handler, 200, EMPTY, content_type="text/xml; charset=utf-8")
        return
    start, end = int(query_["startrecord"]), min(int(query_["endrecord"]), column.total)
    records = list(column.records().items())[start - 1:end]
    send(handler, 200, f"<datastore><totalrecord>{column.total}</totalrecord>"
                       f"<totalpage>{math.ceil(column.total / PER_PAGE)}</totalpage>"
                       f"<recordset>{record_xml(records)}</recordset></datastore>",
         content_type="text/xml; charset=utf-8")


def article(day: date) -> str:
    return (f'<html><head><meta charset="utf-8"><title>文件</title></head><body><h1>文件</h1>'
            f"<p>发布时间：{day.isoformat()}</p></body></html>")


def routes() -> dict[str, object]:
    nav = "".join(f'<li><a href="{c.path}">{c.name}</a></li>' for c in COLUMNS.values())
    out: dict[str, object] = {
        "/": f'<html><head><meta charset="utf-8"><title>{WEBNAME}</title></head><body></body></html>',
        "/robots.txt": "User-agent: *\nDisallow:\n",
        "/u/": f'<html><head><meta charset="utf-8"><title>县政府办</title></head><body><div class="nav"><ul>{nav}'
               "</ul></div></body></html>",
        PROXY: dataproxy,
    }
    for column in COLUMNS.values():
        out[column.path] = column_page(column)
        out.update({path: article(day) for path, day in column.records().items()})
    return out


@dataclass
class Crawled:
    server: FixtureServer
    config: Path
    db_url: str
    log: list[tuple[str, str]]
    posted: list[tuple[str, bytes]]
    visits: dict[str, tuple[str, str | None]]

    def items(self, column: Column) -> dict[str, str]:
        """Stored list items of the column: article path → published_on (ISO)."""
        rows = query(self.db_url, """SELECT i.url, i.published_on FROM list_items i
                                     JOIN columns c ON c.id = i.column_id WHERE c.url = :url""",
                     url=self.server.base_url + column.path)
        return {url.removeprefix(self.server.base_url): str(day) if day else None for url, day in rows}


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    folder = tmp_path_factory.mktemp("hanweb")
    with FixtureServer(routes()) as server:
        columns = "".join(f'\n      - {{name: {c.name}, url: "{server.base_url}{c.path}"}}' for c in COLUMNS.values())
        config = folder / "config.yaml"
        config.write_text(f"""
portal: {{name: {WEBNAME}, home: "{server.base_url}/", site_code: "3608280001"}}
units:
  - name: 县政府办
    kind: 部门
    site: "{server.base_url}/u/"
    columns:{columns}
crawl:
  concurrency_per_host: 4
  delay_seconds: 0
  autothrottle: false
  check_external_links: false
  incremental_revisit_fraction: 0
""", encoding="utf-8")
        for db_url in fresh_database(folder):
            result = crawl(config, db_url, "--full", timeout=180)
            assert result.returncode == 0, result.stderr[-3000:]
            yield Crawled(server, config, db_url, list(server.log), list(server.posted), visits(db_url))


@pytest.mark.parametrize("columnid", list(COLUMNS))
def test_every_record_of_a_jpage_column_is_stored_as_a_list_item_with_its_date(crawled: Crawled,
                                                                               columnid: str) -> None:
    column = COLUMNS[columnid]
    expected = {path: day.isoformat() for path, day in column.records().items()}
    assert crawled.items(column) == expected


@pytest.mark.parametrize("columnid", list(COLUMNS))
def test_jpage_column_visit_is_full(crawled: Crawled, columnid: str) -> None:
    assert crawled.visits[COLUMNS[columnid].name] == ("full", None)


def test_dataproxy_is_only_posted_once_per_group_and_column_never_fetched_by_get(crawled: Crawled) -> None:
    assert not [path for method, path in crawled.log if method != "POST" and path.startswith(PROXY)]
    groups = sorted((urlsplit(path).query, dict(parse_qsl(body.decode()))["columnid"])
                    for path, body in crawled.posted)
    assert groups == [("startrecord=46&endrecord=90&perpage=15", "77278"),
                      ("startrecord=46&endrecord=90&perpage=15", "77279"),
                      ("startrecord=91&endrecord=100&perpage=15", "77278"),
                      ("startrecord=91&endrecord=95&perpage=15", "77279")]


def test_no_request_of_the_crawl_is_repeated(crawled: Crawled) -> None:
    # The message-board gatherer runs in the same crawl and reads the home page and robots.txt itself.
    others = ("/", "/robots.txt")
    gets = Counter(entry for entry in crawled.log if entry[0] != "POST" and entry[1] not in others)
    posts = Counter(crawled.posted)
    assert [entry for entry, n in gets.items() if n > 1] == []
    assert [entry for entry, n in posts.items() if n > 1] == []


def test_each_posted_group_is_stored_as_its_own_list_page_under_its_form(crawled: Crawled) -> None:
    rows = query(crawled.db_url, "SELECT url, flags FROM pages WHERE kind = 'list' AND url LIKE :proxy",
                 proxy=f"%{PROXY}%")
    stored = {url.removeprefix(crawled.server.base_url): json.loads(f) if isinstance(f, str) else f
              for url, f in rows}
    assert len(stored) == 4
    assert all(f"columnid={dict(parse_qsl(urlsplit(url).query))['columnid']}" in url for url in stored)
    assert all(flags["method"] == "POST" for flags in stored.values())


def test_posted_groups_carry_no_footer_marks_to_be_judged_by_the_footer_checks(crawled: Crawled) -> None:
    rows = query(crawled.db_url, "SELECT url, marks FROM pages WHERE kind = 'list'")
    posted = [marks for url, marks in rows if PROXY in url]
    column_pages = [marks for url, marks in rows if PROXY not in url]
    assert len(posted) == 4 and all(marks is None for marks in posted)
    assert column_pages and all(marks is not None for marks in column_pages)


def test_incremental_crawl_of_a_known_jpage_column_stops_at_its_first_page(crawled: Crawled) -> None:
    server = crawled.server
    server.log.clear()
    server.posted.clear()
    result = crawl(crawled.config, crawled.db_url, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    assert server.posted == []
    for column in COLUMNS.values():
        assert server.count(column.path, "GET") == 1
        assert visits(crawled.db_url)[column.name] == ("full", None)
