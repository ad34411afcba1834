"""A synthetic county portal store shaped like the crawler's output, for the checks benchmark.

One 门户 and ~99 units (乡镇, 部门) with ~30 columns each (news, notice, policy, personnel, planning,
basic, interaction, service, other; first and second level), 30 nightly crawl runs with a visit of
every column (the latest: mostly full, some partial or not seen), list items with dates (fresh,
stale, blank and undated columns, a few future dates), pages (home, unit homes, list pages,
articles with bodies, marks and flags as the spider stores them; planted garbled text, serious
errors, typos and personal data), link targets with dead, soft-404 and 403 ones, links, two weeks
of hourly probes, 网上问政 messages, new-media accounts and posts. Seeded: the same sizes give the
same store. Rates of every planted problem are named below, so the findings can be sanity-checked.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bench import checks_text as text
from bench.bulk import BulkWriter

BASE = "https://www.example-county.gov.cn/"
PORTAL_NAME = "某某县人民政府门户网站"
SITE_CODE = "3609990001"
LEADERS = {"张三丰": ["张三峰", "章三丰"]}
AS_OF = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # 10:00 in Beijing, the morning after the nightly crawl
RUNS = 30  # nightly portal crawls kept in the store

WINDOWS = {"news": 14, "notice": 183, "policy": 183, "personnel": 365, "planning": 365, "basic": 365}
WEIGHT = {"news": 3.0, "notice": 2.0, "policy": 1.5, "personnel": 0.6, "planning": 0.4, "basic": 0.6,
          "interaction": 0.2, "service": 0.4, "other": 0.5}
GAP_DAYS = {"news": 1.5, "notice": 5, "policy": 10, "personnel": 20, "planning": 40, "basic": 20}
# Column states in the latest crawl (share of list columns).
STATES = [("blank", 0.012), ("empty_notice", 0.01), ("soft_404", 0.005), ("construction", 0.003),
          ("http_404", 0.007), ("not_seen", 0.025), ("partial", 0.03)]
NOT_SEEN_REASONS = [("timeout", None), ("http_403", 403), ("needs_js", 200), ("dns", None)]
STALE_SHARE, UNDATED_SHARE, UNDATED_ITEM_SHARE, FUTURE_ITEM_SHARE = 0.12, 0.02, 0.03, 0.0001
DUPLICATE_SHARE = 0.0005  # an item listed twice (same title and date, another URL): content.duplicate
ARTICLE_PROBLEMS = [("garbled", 0.003), ("serious", 0.0015), ("typo", 0.005), ("personal", 0.002)]
LIST_PAGE_SHARE = 0.08  # of all pages; the rest beyond homes are articles
EXTERNAL_SITES = 300
MAX_ITEMS = 10_000  # 500 list pages of 20: the crawler's max_pages_per_column


def naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Sizes:
    items: int = 1_000_000
    pages: int = 100_000
    links: int = 1_000_000
    units: int = 100  # the 门户 included

    @property
    def articles(self) -> int:
        return self.pages - self.units - self.list_pages

    @property
    def list_pages(self) -> int:
        return max(int(self.pages * LIST_PAGE_SHARE), 1)


@dataclass(slots=True)
class Col:
    id: int
    unit_id: int
    name: str
    url: str
    category: str
    level: int
    parent_id: int | None
    state: str = "ok"
    items: int = 0
    list_pages: int = 1
    profile: str = "fresh"  # fresh | stale | undated
    covered: list[tuple[str, str, date | None, int | None]] = field(default_factory=list)  # url, title, date, page


@dataclass(slots=True)
class PageRef:
    id: int
    url: str
    kind: str
    unit_id: int
    column_id: int | None
    http_status: int | None
    error: str | None
    soft_404: bool
    fetched_at: datetime


class StoreBuilder:
    """Builds the whole store through a BulkWriter, table by table, ids assigned here (foreign keys known)."""

    def __init__(self, sizes: Sizes, seed: int = 20261127):
        self.sizes, self.seed = sizes, seed
        self.rng = random.Random(seed)
        self.today = AS_OF.astimezone(ZoneInfo("Asia/Shanghai")).date()
        latest = naive(AS_OF) - timedelta(hours=8)  # 02:00 in Beijing
        self.run_starts = [latest - timedelta(days=RUNS - 1 - i) for i in range(RUNS)]
        self.units: list[tuple[int, str, str, str]] = []  # id, name, kind, site
        self.columns: list[Col] = []
        self.pages: list[PageRef] = []
        self.unit_pages: dict[int, int] = {}  # unit id -> unit home page id

    # --- orchestration -------------------------------------------------------------------

    def build(self, writer: BulkWriter) -> None:
        self._units(writer)
        self._columns(writer)
        self._runs(writer)
        self._list_items(writer)
        self._pages(writer)
        self._links(writer)
        self._probes(writer)
        self._messages(writer)
        self._accounts(writer)

    # --- units, sites, columns ---------------------------------------------------------------

    def _units(self, writer: BulkWriter) -> None:
        self.units.append((1, PORTAL_NAME, "门户", BASE))
        towns = max(1, (self.sizes.units - 1) // 5)
        for i in range(1, self.sizes.units):
            if i <= towns:
                name = f"{text.TOWNS[(i - 1) % len(text.TOWNS)]}{'镇' if i % 4 else '乡'}"
                name += "" if i <= len(text.TOWNS) else str(i)
                self.units.append((i + 1, name, "乡镇", f"{BASE}xzjd/u{i:03d}/"))
            else:
                k = i - towns - 1
                name = f"县{text.DEPARTMENTS[k % len(text.DEPARTMENTS)]}" + ("" if k < len(text.DEPARTMENTS) else str(k))
                self.units.append((i + 1, name, "部门", f"{BASE}bm/u{i:03d}/"))
        writer.write("units", ("id", "name", "kind", "site_url"), self.units)
        writer.write("sites", ("id", "url", "name", "unit_id", "is_portal_home", "site_code"),
                     [(uid, site, name, uid, uid == 1, SITE_CODE if uid == 1 else None)
                      for uid, name, _kind, site in self.units])

    def _columns(self, writer: BulkWriter) -> None:
        rng = self.rng
        for unit_id, _name, _kind, site in self.units:
            templates = list(text.COLUMNS[:22]) + rng.sample(text.COLUMNS[22:], rng.randint(4, len(text.COLUMNS) - 22))
            if unit_id == 1:
                self.columns.append(Col(len(self.columns) + 1, 1, "首页", BASE, "home", 1, None))
                templates = text.PORTAL_COLUMNS + templates[:20]
            by_slug: dict[str, int] = {}
            for name, category, slug, parent in templates:
                col = Col(len(self.columns) + 1, unit_id, name, f"{site}{slug}/", category, 2 if parent else 1,
                          by_slug.get(parent) if parent else None)
                by_slug.setdefault(slug, col.id)
                self.columns.append(col)
        listed = [c for c in self.columns if c.category != "home"]
        for col in listed:
            draw, acc = rng.random(), 0.0
            for state, share in STATES:
                acc += share
                if draw < acc:
                    col.state = state
                    break
        self._allocate_items(listed)
        writer.write("columns", ("id", "unit_id", "parent_id", "name", "url", "category", "level", "origin", "render",
                                 "first_seen", "last_seen"),
                     [(c.id, c.unit_id, c.parent_id, c.name, c.url, c.category, c.level, "discovered", "html",
                       self.run_starts[0], self.run_starts[-1]) for c in self.columns])

    def _allocate_items(self, listed: list[Col]) -> None:
        """Skewed column sizes summing to the item count; list pages in proportion; freshness profiles."""
        rng = self.rng
        home = self.columns[0]
        home.items = min(40, self.sizes.items)
        empty = {"blank", "empty_notice", "soft_404", "construction"}
        weights = [0.0 if c.state in empty else rng.lognormvariate(0, 1.1) * WEIGHT[c.category] for c in listed]
        total, budget = sum(weights), self.sizes.items - home.items
        for col, weight in zip(listed, weights, strict=True):
            col.items = min(MAX_ITEMS, int(budget * weight / total))
        open_ = [c for c in listed if 0 < c.items < MAX_ITEMS] or listed
        each, rest = divmod(max(budget - sum(c.items for c in listed), 0), len(open_))
        for i, col in enumerate(open_):
            col.items += each + (i < rest)
        extra = self.sizes.list_pages - len(listed)
        raw = [max(math.ceil(c.items / 20) - 1, 0) for c in listed]
        scale = extra / max(sum(raw), 1)
        for col, more in zip(listed, raw, strict=True):
            col.list_pages = 1 + min(more, int(more * scale + rng.random()))
            draw = rng.random()
            col.profile = "undated" if draw < UNDATED_SHARE else "stale" if draw < UNDATED_SHARE + STALE_SHARE else "fresh"

    # --- crawl runs and visits ---------------------------------------------------------------

    def _runs(self, writer: BulkWriter) -> None:
        rows = []
        for i, start in enumerate(self.run_starts):
            mode = "full" if start.weekday() == 6 else "incremental"
            rows.append((i + 1, mode, None, start, start + timedelta(hours=3), "finished",
                         {"spider": "portal", "pages": 0, "columns": {"full": len(self.columns)}}))
        self.latest_run = len(rows)
        writer.write("crawl_runs", ("id", "mode", "unit_filter", "started_at", "finished_at", "status", "counts"), rows)
        writer.write("column_visits", ("id", "run_id", "column_id", "status", "reason", "pages", "items", "http_status",
                                       "visited_at"), self._visits())

    def _visits(self) -> Iterator[tuple]:
        rng, n = self.rng, 0
        for run_id, start in enumerate(self.run_starts, start=1):
            latest = run_id == self.latest_run
            for col in self.columns:
                n += 1
                status, reason, http = "full", None, 200
                if latest and col.state in ("not_seen", "http_404"):
                    reason, http = rng.choice(NOT_SEEN_REASONS) if col.state == "not_seen" else ("http_404", 404)
                    status = "not_seen"
                elif latest and col.state == "partial":
                    status, reason = "partial", rng.choice(("max_pages", "js_pagination", "timeout"))
                elif not latest and rng.random() < 0.01:
                    status, reason, http = "not_seen", "timeout", None
                items = min(col.items, col.list_pages * 20) if status != "not_seen" else 0
                yield (n, run_id, col.id, status, reason, col.list_pages if status != "not_seen" else 0, items, http,
                       start + timedelta(seconds=rng.randint(60, 3 * 3600)))

    # --- list items ----------------------------------------------------------------------------

    def _list_items(self, writer: BulkWriter) -> None:
        covered_total = sum(min(c.items, c.list_pages * 20) for c in self.columns if c.category != "home")
        # A little over the exact share, so that the article count runs out before the covered items do.
        self.article_share = min(1.0, 1.02 * self.sizes.articles / max(covered_total, 1))
        writer.write("list_items", ("id", "column_id", "url", "title", "published_on", "raw_date", "position",
                                    "list_page", "first_seen", "last_seen"), self._items())

    def _items(self) -> Iterator[tuple]:
        rng, n = self.rng, 0
        today = self.today.toordinal()
        latest_seen = self.run_starts[-1] + timedelta(hours=1)
        older_seen = self.run_starts[-2] + timedelta(hours=1)
        for col in self.columns:
            if not col.items:
                continue
            window = WINDOWS.get(col.category, 120)
            if col.category == "home":
                age = rng.uniform(0, 3)
            elif col.profile == "stale":
                age = window + 1 + rng.expovariate(1 / window)
            else:
                age = rng.uniform(0, window * 0.7)
            gap = max(0.05, min(GAP_DAYS.get(col.category, 15), 3000 / col.items))
            seen = older_seen if col.state in ("not_seen", "http_404") else latest_seen
            covered = min(col.items, col.list_pages * 20)
            published, name, raw, first = None, "", None, seen
            for k in range(col.items):
                n += 1
                if published is not None and col.category != "home" and rng.random() < DUPLICATE_SHARE:
                    url = f"{col.url}{published:%Y%m}/t{published:%Y%m%d}_{n}.html"  # published twice by mistake
                    if k < covered:
                        col.covered.append((url, name, published, None))
                    yield (n, col.id, url, name, published, raw, k % 20 + 1, k // 20 + 1, first, seen)
                    continue
                name = text.title(rng.getrandbits(40))
                undated = col.profile == "undated" or rng.random() < UNDATED_ITEM_SHARE
                if undated:
                    published, raw, url = None, None, f"{col.url}art_{n}.html"
                else:
                    day = today - int(age) if rng.random() >= FUTURE_ITEM_SHARE else today + rng.randint(30, 400)
                    published = date.fromordinal(max(day, 732000))
                    raw, url = published.isoformat(), f"{col.url}{published:%Y%m}/t{published:%Y%m%d}_{n}.html"
                age += rng.expovariate(1 / gap)
                first = min(seen, self.run_starts[max(0, RUNS - 1 - int(age))] if age < RUNS else self.run_starts[0])
                if col.category == "home":
                    url = f"{BASE}{published:%Y%m}/t{published:%Y%m%d}_{n}.html" if published else f"{BASE}art_{n}.html"
                elif k < covered:
                    col.covered.append((url, name, published, None))
                yield (n, col.id, url, name, published, raw, k % 20 + 1, k // 20 + 1, first, seen)

    # --- pages -------------------------------------------------------------------------------------

    def _pages(self, writer: BulkWriter) -> None:
        writer.write("pages", ("id", "url", "kind", "unit_id", "column_id", "run_id", "http_status", "error",
                               "final_url", "fetched_at", "title", "published_at", "source", "encoding",
                               "content_hash", "content_length", "etag", "last_modified", "body_text", "marks",
                               "flags"), self._page_rows())

    def _marks(self) -> dict[int, list[str]]:
        """Per unit, the footer variants its pages show (JSON, serialised once): most units are right."""
        rng, good = self.rng, {
            "site_code_text": SITE_CODE, "site_id_meta": SITE_CODE, "icp": "赣ICP备05003314号-1",
            "police_record": "36099902000101", "conac": True, "conac_url": "https://bszs.conac.cn/sitename?id=1",
            "error_report": {"status": "present", "kind": "script", "site_code": SITE_CODE, "url_param": None,
                             "raw": '<script id="_jiucuo_" sitecode="3609990001" src="/jiucuo.js"></script>'}}
        variants: dict[int, list[str]] = {}
        for unit_id, *_ in self.units:
            marks, draw = json.loads(json.dumps(good)), rng.random()
            if draw < 0.04:
                marks["icp"] = None
            elif draw < 0.07:
                marks["site_code_text"] = "360999001"
            elif draw < 0.10:
                marks["error_report"]["site_code"] = "3609990099"
            elif draw < 0.12:
                marks["conac"], marks["conac_url"] = False, None
            elif draw < 0.14:
                marks["police_record"] = "赣公网安备"
            odd = json.loads(json.dumps(marks))
            odd["error_report"] = {"status": "commented_out", "kind": "script", "site_code": SITE_CODE,
                                   "url_param": None, "raw": "<!-- jiucuo -->"}
            variants[unit_id] = [json.dumps(marks), json.dumps(odd)]
        return variants

    def _page_rows(self) -> Iterator[tuple]:
        rng, pool = self.rng, text.sentences()
        marks = self._marks()
        run_of = {start + timedelta(hours=1): i for i, start in enumerate(self.run_starts, start=1)}
        list_flags = {state: json.dumps({"soft_404": state == "soft_404", "under_construction": state == "construction",
                                         "empty_notice": "本栏目暂无信息" if state == "empty_notice" else None,
                                         "redirected_home": False, "needs_js": False, "family": "trs", "page_count": 1})
                      for state in ("ok", "blank", "empty_notice", "soft_404", "construction", "partial", "not_seen",
                                    "http_404")}

        def page(url: str, kind: str, unit_id: int, column_id: int | None, status: int | None, error: str | None,
                 fetched: datetime, title: str | None, published: datetime | None, body: str | None,
                 flags: str | None, soft: bool = False) -> tuple:
            ref = PageRef(len(self.pages) + 1, url, kind, unit_id, column_id, status, error, soft, fetched)
            self.pages.append(ref)
            ok = status == 200
            mark = marks[unit_id][1 if ok and rng.random() < 0.01 else 0] if ok else None
            return (ref.id, url, kind, unit_id, column_id, run_of.get(fetched), status, error, None,
                    fetched, title, published, "县政府办公室" if kind == "article" else None, "UTF-8",
                    f"{ref.id:064x}", (len(body) * 3 if body else 0) + 24_000, None, None, body, mark, flags)

        first_hour = self.run_starts[-1] + timedelta(hours=1)
        yield page(BASE, "home", 1, 1, 200, None, first_hour, PORTAL_NAME, None, None, list_flags["ok"])
        for unit_id, name, _kind, site in self.units[1:]:
            self.unit_pages[unit_id] = len(self.pages) + 1
            yield page(site, "unit_home", unit_id, None, 200, None, first_hour, name, None, None, None)
        for col in self.columns[1:]:
            fetched = first_hour if col.state not in ("not_seen",) else self.run_starts[-2] + timedelta(hours=1)
            status = 404 if col.state == "http_404" else 200
            for number in range(1, col.list_pages + 1):
                url = col.url if number == 1 else f"{col.url}index_{number - 1}.html"
                yield page(url, "list", col.unit_id, col.id, status if number == 1 else 200, None, fetched, col.name,
                           None, None, None if status != 200 and number == 1 else list_flags[col.state],
                           soft=col.state == "soft_404" and number == 1)
        yield from self._articles(page, pool)

    def _articles(self, page: Any, pool: tuple[str, ...]) -> Iterator[tuple]:
        rng, left = self.rng, self.sizes.articles
        article_flags = [json.dumps({"soft_404": False, "date_source": "meta", "images": images, "attachments": []})
                         for images in ([], [{"src": "W020261120.jpg", "alt": ""}])]
        for col in self.columns[1:]:
            for k, (url, title, published, _none) in enumerate(col.covered):
                if left <= 0 or rng.random() >= self.article_share:
                    continue
                left -= 1
                age = (self.today - published).days if published else RUNS
                fetched = self.run_starts[max(0, RUNS - 1 - max(age, 0))] + timedelta(hours=1)
                status, error, body, at = 200, None, None, None
                draw = rng.random()
                if draw < 0.005:
                    status = 404
                elif draw < 0.007:
                    status, error = None, "timeout"
                elif draw < 0.008:
                    status = 500
                else:
                    body = text.body(rng, pool)
                    for problem, share in ARTICLE_PROBLEMS:
                        if rng.random() < share:
                            body = text.plant(rng, body, problem)
                    at = datetime(published.year, published.month, published.day, 1, 0) if published else None
                    if at is not None and rng.random() < 0.0002:
                        at = naive(AS_OF) + timedelta(days=rng.randint(20, 200))
                col.covered[k] = (url, title, published, len(self.pages) + 1)
                yield page(url, "article", col.unit_id, col.id, status, error, fetched, title, at, body,
                           article_flags[rng.random() < 0.4] if status == 200 else None)

    # --- link targets and links ------------------------------------------------------------

    def _links(self, writer: BulkWriter) -> None:
        """Targets first (every page is one, like the pipeline stores them), then the links between them."""
        self.extra: dict[str, int] = {}
        extra_rows: list[tuple] = []
        latest = self.run_starts[-1] + timedelta(hours=2)

        def target(url: str, external: bool = False) -> int:
            found = self.extra.get(url)
            if found is None:
                found = self.extra[url] = len(self.pages) + len(self.extra) + 1
                extra_rows.append((found, url, external, *self._status(external), latest))
            return found

        self.externals = [f"http://www.{site}.gov.cn/{path}" for site in range(EXTERNAL_SITES)
                          for path in ("", "zwgk/", "xxgk/index.html", "col/col1.html")]
        plan = list(self._link_plan(target))
        writer.write("link_targets", ("id", "url", "is_external", "http_status", "error", "soft_404", "checked_at"),
                     self._target_rows(extra_rows))
        writer.write("links", ("id", "page_id", "target_id", "tag", "text"), self._link_rows(plan))

    def _status(self, external: bool) -> tuple[int | None, str | None, bool]:
        draw = self.rng.random()
        table = ([(0.02, (404, None, False)), (0.035, (None, "dns", False)), (0.05, (None, "timeout", False)),
                  (0.055, (500, None, False)), (0.07, (403, None, False)), (0.075, (429, None, False)),
                  (0.085, (200, None, True))] if external else
                 [(0.02, (404, None, False)), (0.023, (500, None, False)), (0.026, (200, None, True)),
                  (0.03, (403, None, False))])
        return next((value for limit, value in table if draw < limit), (200, None, False))

    def _target_rows(self, extra_rows: list[tuple]) -> Iterator[tuple]:
        for ref in self.pages:
            yield (ref.id, ref.url, False, ref.http_status, ref.error, ref.soft_404, ref.fetched_at)
        for row in extra_rows:
            yield row[:-1] + (row[-1] if self.rng.random() > 0.02 else None,)

    def _link_plan(self, target: Any) -> Iterator[tuple[int, dict[tuple[int, str], str | None]]]:
        """Per page: the links it must have (content, assets, externals); navigation fills the rest later.

        Only pages answered 200 have links (the spider extracts them from those alone)."""
        rng = self.rng
        col_pages = {}
        for ref in self.pages:
            if ref.kind == "list" and ref.column_id not in col_pages:
                col_pages[ref.column_id] = ref.id
        by_id = {c.id: c for c in self.columns}
        nav = {unit_id: [1, self.unit_pages.get(unit_id, 1)] + [col_pages[c.id] for c in self.columns
                                                               if c.unit_id == unit_id and c.id in col_pages]
               for unit_id, *_ in self.units}
        self.nav = nav
        css, js = target(f"{BASE}css/style.css"), target(f"{BASE}js/jquery.min.js")
        list_no: dict[int, int] = {}
        for ref in self.pages:
            if ref.http_status != 200:
                yield ref.id, {}
                continue
            links: list[tuple[int, str, str | None]] = [(css, "link", None), (js, "script", None)]
            if ref.kind == "home":
                links += [(self.unit_pages[u], "a", name) for u, name, *_ in self.units[1:]]
                home = self.columns[0]
                for i in range(home.items):
                    links.append((target(f"{BASE}{self.today:%Y%m}/t_home_{i}.html"), "a", f"要闻{i}"))
            elif ref.kind == "list":
                col = by_id[ref.column_id]
                number = list_no[col.id] = list_no.get(col.id, 0) + 1
                for url, title, _published, page_id in col.covered[(number - 1) * 20:number * 20]:
                    links.append((page_id or target(url), "a", title))
            elif ref.kind == "article":
                for i in range(rng.choice((0, 0, 0, 1, 1, 2))):
                    links.append((target(ref.url.replace(".html", f"_img{i}.jpg")), "img", None))
                if rng.random() < 0.15:
                    links.append((target(ref.url.replace(".html", ".pdf")), "a", "附件1"))
                for _ in range(rng.choice((0, 0, 1, 1, 2))):
                    url = self.externals[min(int(rng.paretovariate(1.1)) - 1, len(self.externals) - 1)
                                         if rng.random() < 0.7 else rng.randrange(len(self.externals))]
                    links.append((target(url, external=True), "a", "相关链接"))
            yield ref.id, {(t, tag): label for t, tag, label in reversed(links)}  # one per target and tag

    def _link_rows(self, plan: list[tuple[int, dict[tuple[int, str], str | None]]]) -> Iterator[tuple]:
        """Each page's own links plus navigation, spread so that the total is the requested link count."""
        fixed = sum(len(links) for _, links in plan)
        fillable = [i for i, (page_id, _) in enumerate(plan) if self.pages[page_id - 1].http_status == 200]
        spare = max(self.sizes.links - fixed, 0)
        share, rest = divmod(spare, max(len(fillable), 1))
        extra = dict.fromkeys(fillable, share)
        for i in fillable[:rest]:
            extra[i] += 1
        names = {c.id: c.name for c in self.columns}
        n = want = 0
        for i, (page_id, unique) in enumerate(plan):
            want += extra.get(i, 0)  # what a page with a short menu could not take passes to the next
            for t in self.nav[self.pages[page_id - 1].unit_id]:
                if want <= 0:
                    break
                if (t, "a") not in unique and t != page_id:
                    unique[(t, "a")] = names.get(self.pages[t - 1].column_id or 0, "首页")
                    want -= 1
            for (target_id, tag), label in unique.items():
                n += 1
                yield (n, page_id, target_id, tag, label[:500] if label else None)

    # --- probes, messages, accounts ------------------------------------------------------------------

    def _probes(self, writer: BulkWriter) -> None:
        writer.write("probes", ("id", "site_id", "probed_at", "ok", "http_status", "latency_ms", "error"),
                     self._probe_rows())

    def _probe_rows(self) -> Iterator[tuple]:
        rng, n, end = self.rng, 0, naive(AS_OF)
        flaky = {uid for uid, *_ in self.units if rng.random() < 0.03}
        sparse = {uid for uid, *_ in self.units if rng.random() < 0.02}
        for site_id, *_ in self.units:
            for hour in range(14 * 24):
                if site_id in sparse and hour % 48 < 12:
                    continue
                n += 1
                ok = rng.random() >= (0.08 if site_id in flaky else 0.005)
                yield (n, site_id, end - timedelta(hours=hour, minutes=5), ok, 200 if ok else None,
                       rng.randint(80, 900) if ok else 15000, None if ok else "timeout")

    def _messages(self, writer: BulkWriter) -> None:
        boards = [("县长信箱", f"{BASE}hdjl/xzxx/", "consultation", 4000), ("部门信箱", f"{BASE}hdjl/bmxx/",
                   "consultation", 1500), ("网上信访", f"{BASE}hdjl/wsxf/", "petition", 500)]
        writer.write("messages", ("id", "unit_id", "board_name", "board_url", "board_kind", "external_id", "url",
                                  "title", "question", "asked_at", "handling_unit", "status_word", "reply",
                                  "replied_at", "satisfaction", "category", "first_seen"),
                     self._message_rows(boards))
        facts = {url: {"name": name, "kind": kind, "unit": PORTAL_NAME, "origin": "discovered", "http_status": 200,
                       "error": None, "soft_404": False, "family": "generic", "form_url": f"{url}write.html",
                       "form_status": 200} for name, url, kind, _ in boards}
        start = naive(AS_OF) - timedelta(hours=6)
        writer.write("crawl_runs", ("id", "mode", "unit_filter", "started_at", "finished_at", "status", "counts"),
                     [(RUNS + 1, "incremental", None, start, start + timedelta(minutes=20), "finished",
                       {"spider": "messages", "boards": facts})])

    def _message_rows(self, boards: list[tuple[str, str, str, int]]) -> Iterator[tuple]:
        rng, n, end = self.rng, 0, naive(AS_OF)
        titles, questions = text.titles(), text.sentences()
        departments = [(uid, name) for uid, name, kind, _ in self.units if kind == "部门"] or [(1, PORTAL_NAME)]
        for board, url, kind, count in boards:
            for i in range(count):
                n += 1
                asked = end - timedelta(minutes=rng.randint(60, 400 * 24 * 60))
                unit_id, handler = departments[i % len(departments)] if board == "部门信箱" else (1, "县政府办公室")
                draw = rng.random()
                status, reply, replied = "已办结", rng.choice(text.REPLIES_GOOD), asked + timedelta(
                    days=rng.choice((1, 1, 2, 2, 3, 4, 5, 6, 9, 14, 30)))
                if draw < 0.06:
                    status, reply, replied = "未回复", None, None
                elif draw < 0.09:
                    status, reply = "办理中", text.REPLIES_POOR[0]
                elif draw < 0.11:
                    reply = rng.choice(text.REPLIES_POOR[1:])
                elif draw < 0.13:
                    status = "不予受理"
                if replied is not None and replied > end:
                    status, reply, replied = "办理中", None, None
                yield (n, unit_id, board, url, kind, f"m{n}", f"{url}detail_{n}.html", rng.choice(titles),
                       "".join(rng.choices(questions, k=3)), asked, handler, status, reply, replied,
                       None, "咨询", asked + timedelta(hours=1))

    def _accounts(self, writer: BulkWriter) -> None:
        rng, accounts, posts, visits = self.rng, [], [], {}
        pool, end = text.sentences(), naive(AS_OF)
        for unit_id, name, _kind, _site in self.units:
            for platform in ("wechat", "weibo") if rng.random() < 0.6 else ("wechat",):
                account_id = len(accounts) + 1
                draw = rng.random()
                health = ("rate_limited" if draw < 0.04 else "not_found" if draw < 0.06 else "closed" if draw < 0.07
                          else "ok")
                accounts.append((account_id, unit_id, platform, f"{name}发布", f"https://mp.example/{account_id}",
                                 f"gh_{account_id:06d}", health, end - timedelta(hours=7)))
                newest = None
                if health == "ok":
                    silent = rng.choice((0, 0, 0, 0, 0, 2, 5, 20, 400))
                    for k in range(int(rng.lognormvariate(4, 0.8))):
                        at = end - timedelta(days=silent + k * rng.uniform(0.5, 4), hours=rng.randint(1, 20))
                        newest = max(newest or at, at)
                        body = "".join(rng.choices(pool, k=3))
                        if rng.random() < 0.002:
                            body += text.SERIOUS[0]
                        posts.append((len(posts) + 1, account_id, f"p{account_id}_{k}", None, body[:30], body, at,
                                      end - timedelta(hours=7)))
                visits[str(account_id)] = {
                    "unit": name, "platform": platform, "name": f"{name}发布", "health": health, "detail": None,
                    "source": "feed", "fetched_at": (end - timedelta(hours=7)).isoformat(),
                    "newest": newest.isoformat() if newest else None, "posts": 20, "posts_total": None,
                    "interaction": None if platform == "wechat" else rng.random() > 0.1,
                    "interaction_evidence": None, "requests": 2, "display_name": f"{name}发布"}
        writer.write("accounts", ("id", "unit_id", "platform", "name", "url", "external_id", "health", "checked_at"),
                     accounts)
        writer.write("posts", ("id", "account_id", "external_id", "url", "title", "text", "published_at",
                               "first_seen"), posts)
        start = end - timedelta(hours=7)
        writer.write("crawl_runs", ("id", "mode", "unit_filter", "started_at", "finished_at", "status", "counts"),
                     [(RUNS + 2, "incremental", None, start, start + timedelta(minutes=40), "finished",
                       {"spider": "accounts", "accounts": visits})])


def config_data(units: list[tuple[str, str, str]]) -> dict[str, Any]:
    """The config.yaml content (as data) for a store whose units are (name, kind, site)."""
    return {
        "portal": {"name": PORTAL_NAME, "home": BASE, "site_code": SITE_CODE},
        "units": [{"name": name, "kind": kind, "site": site} for name, kind, site in units if kind != "门户"],
        "leaders": LEADERS,
    }
