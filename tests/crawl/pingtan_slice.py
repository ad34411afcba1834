"""The real 平潭综合实验区 政务公开 slice (tests/fixtures/samples/pingtan_zwgk/, ../shared/samples SOURCES.md §1, 8, 9)
served on loopback at the real site's URL shapes, and the figures its pages show, read from the pages' own
markup with plain regular expressions (not with the crawler's parsers, which the tests judge).

URL shapes (SOURCES.md §9): /zwgk/ and /zwgk/index.htm → the 政务公开 index; /zwgk/<path>/ and
/zwgk/<path>/index.htm → that column's _lists/index.html; /zwgk/<path>/<YYYYMM>/t<YYYYMMDD>_<ID>.htm → the
article page.html in <path>/<YYYYMM>/<ID>_<title>/; everything else 404, as on the archive's mirror.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

from ..crawler.responses import SAMPLES

SLICE = SAMPLES / "pingtan_zwgk"
LIST_PAGE = "_lists/index.html"
ARTICLE = re.compile(r"^/zwgk/(?P<path>(?:[\w-]+/)+)(?P<month>\d{6})/t(?P=month)\d{2}_(?P<id>\d+)\.htm$")
# A static list item's date as TRS writes it; the avalon template's own <span class="bf-pass"> holds no date.
ITEM_DATE = re.compile(r'<span class="bf-pass">(\d{4}-\d{2}-\d{2})</span>')
RECORD_COUNT = re.compile(r"recordCount\s*:\s*'(\d+)'")


class SliceRoutes(dict[str, Any]):
    """FixtureServer routes: the index and list pages by exact path, articles by the TRS URL pattern."""

    def get(self, path: str, default: Any = None) -> Any:  # type: ignore[override]
        if path in self:
            return self[path]
        m = ARTICLE.match(path)
        if m is None:
            return default
        pages = sorted((SLICE / m["path"] / m["month"]).glob(f"{m['id']}_*/page.html"))
        return pages[0].read_bytes() if pages else default


def slice_routes() -> SliceRoutes:
    routes = SliceRoutes()
    for page in SLICE.rglob(LIST_PAGE):
        folder = page.parent.parent.relative_to(SLICE).as_posix()
        path = "/zwgk/" if folder == "." else f"/zwgk/{folder}/"
        routes[path] = routes[path + "index.htm"] = page.read_bytes()
    return routes


def text_of(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@dataclass(frozen=True)
class ListFacts:
    """What one column's static list page shows: its dated items and its pager's record count."""

    path: str  # /zwgk/ghxx/gzjzqk/
    dates: tuple[date, ...]
    record_count: int

    @property
    def newest(self) -> date:
        return max(self.dates)

    @property
    def oldest(self) -> date:
        return min(self.dates)

    @property
    def complete(self) -> bool:
        """The static part holds every record the pager counts (no page only the search API serves)."""
        return len(self.dates) == self.record_count


@dataclass(frozen=True)
class ArticleFacts:
    url_path: str  # the URL the lists link: /zwgk/…/202602/t20260203_105017.htm
    pub_date: str  # meta PubDate, "2025-04-01 17:09"
    title: str  # meta ArticleTitle


class SliceFacts:
    """The slice's figures, read from its pages."""

    @cached_property
    def lists(self) -> dict[str, ListFacts]:
        out = {}
        for page in SLICE.rglob(LIST_PAGE):
            folder = page.parent.parent.relative_to(SLICE).as_posix()
            if folder == ".":
                continue  # the index: a page of boxes, not a column's list
            html = text_of(page)
            out[f"/zwgk/{folder}/"] = ListFacts(
                f"/zwgk/{folder}/", tuple(date.fromisoformat(d) for d in ITEM_DATE.findall(html)),
                int(RECORD_COUNT.search(html)[1]))  # type: ignore[index]
        return out

    @cached_property
    def articles(self) -> list[ArticleFacts]:
        """Each archived article, at the URL the slice's lists link it by."""
        lists = " ".join(text_of(page) for page in SLICE.rglob(LIST_PAGE))
        out = []
        for page in SLICE.rglob("page.html"):
            html = text_of(page)
            article = page.parent
            doc_id = article.name.split("_", 1)[0]
            folder = article.parent.parent.relative_to(SLICE).as_posix()
            month = article.parent.name
            day = re.search(rf'href="[^"]*/t({month}\d\d)_{doc_id}\.htm"', lists)[1]  # type: ignore[index]
            pub = re.search(r'<meta name="PubDate" content="([^"]+)"', html)[1]  # type: ignore[index]
            title = re.search(r'<meta name="ArticleTitle" content="([^"]+)"', html)[1]  # type: ignore[index]
            out.append(ArticleFacts(f"/zwgk/{folder}/{month}/t{day}_{doc_id}.htm", pub, title))
        return out

    @cached_property
    def index_column_links(self) -> dict[str, str]:
        """Every column link of the 政务公开 index on the loopback host: relative or root-relative hrefs of a
        folder (./gsgg/, ./ghxx/ztgh/, /zwgk/ztzl/gazl/), path → the text or title of its named links."""
        html = text_of(SLICE / LIST_PAGE)
        out: dict[str, str] = {}
        for href, inner in re.findall(r'<a\s[^>]*?href="(\./[\w/]+/|/zwgk/[\w/]+/)"[^>]*>(.*?)</a>', html, re.S):
            path = "/zwgk/" + href.removeprefix("./").removeprefix("/zwgk/")
            text = " ".join(re.sub(r"<[^>]+>", " ", inner).split())
            if not text.startswith("更多"):
                out.setdefault(path, text)
        return out

    @cached_property
    def dropdown_siblings(self) -> dict[str, dict[str, str]]:
        """Each served list page's 更多栏目 dropdown: its parent folder's columns, path → name."""
        out: dict[str, dict[str, str]] = {}
        for path in self.lists:
            html = text_of(SLICE / path.removeprefix("/zwgk/") / LIST_PAGE)
            menu = re.search(r'<ul class="dropdown_menu[^"]*">(.*?)</ul>', html, re.S)
            parent = path.rstrip("/").rsplit("/", 1)[0] + "/"
            out[path] = {
                parent + href.removeprefix("../"): name
                for href, name in re.findall(r'<a href="(\.\./[\w]+/)" title="([^"]+)"', menu[1] if menu else "")}
        return out
