"""Store rows shaped exactly like the crawler's output, written by hand for check tests.

Each helper writes one kind of fact (unit, column, crawl run + column visit, list items, page
with marks/flags, link target, probe) and returns its id, so a test reads like the crawl it
stands for: "the 工作动态 column was seen in full on 05-20 with items dated …".
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from portalcheck.config import Config
from storage.models import Column, ColumnVisit, CrawlRun, Link, LinkTarget, ListItem, Page, Probe, Site, Unit
from storage.session import Store

AS_OF = datetime(2026, 5, 27, 2, 0, tzinfo=UTC)  # 2026-05-27 10:00 in Beijing
TODAY = date(2026, 5, 27)
SITE_CODE = "4203250001"
PORTAL = "http://www.fangxian.gov.cn/"

GOOD_MARKS: dict[str, Any] = {
    "site_code_text": SITE_CODE, "site_id_meta": SITE_CODE, "icp": "鄂ICP备05003314号-1",
    "police_record": "42032502000101", "conac": True,
    "error_report": {"status": "present", "kind": "script", "site_code": SITE_CODE, "url_param": None},
}
GOOD_FLAGS: dict[str, Any] = {"soft_404": False, "under_construction": False, "empty_notice": None,
                              "redirected_home": False, "needs_js": False}


def make_config(**thresholds: Any) -> Config:
    return Config.model_validate({
        "portal": {"name": "房县人民政府门户网站", "home": PORTAL, "site_code": SITE_CODE},
        "units": [{"name": "白鹤镇", "site": PORTAL + "bhz/", "kind": "乡镇"}],
        "thresholds": thresholds,
        "leaders": {"张三丰": ["张三峰", "章三丰"]},
    })


def days_ago(days: int) -> date:
    return TODAY - timedelta(days=days)


class Facts:
    """Writes crawler-shaped rows into a test store."""

    def __init__(self, store: Store):
        self.store = store
        self._n = 0

    def _add(self, row: Any) -> int:
        with self.store.session() as session:
            session.add(row)
            session.flush()
            return row.id

    def unit(self, name: str = "白鹤镇", kind: str = "乡镇") -> int:
        return self._add(Unit(name=name, kind=kind, site_url=f"{PORTAL}{abs(hash(name)) % 10**6}/"))

    def column(self, unit_id: int, name: str, category: str = "news", level: int = 1,
               url: str | None = None) -> int:
        self._n += 1
        return self._add(Column(unit_id=unit_id, name=name, url=url or f"{PORTAL}c{self._n}/",
                                category=category, level=level, origin="discovered"))

    def crawl(self, at: datetime = AS_OF - timedelta(hours=2)) -> int:
        return self._add(CrawlRun(mode="full", started_at=at, finished_at=at + timedelta(hours=1),
                                  status="finished"))

    def visit(self, run_id: int, column_id: int, status: str = "full", *, reason: str | None = None,
              http_status: int | None = 200, items: int = 0, at: datetime | None = None) -> int:
        with self.store.session() as session:
            run = session.get(CrawlRun, run_id)
            when = at or run.started_at + timedelta(minutes=10)
        return self._add(ColumnVisit(run_id=run_id, column_id=column_id, status=status, reason=reason,
                                     http_status=http_status, items=items, visited_at=when))

    def items(self, column_id: int, dates: list[date | None], *, seen: datetime = AS_OF - timedelta(hours=1),
              titles: list[str] | None = None) -> None:
        with self.store.session() as session:
            for i, published in enumerate(dates, start=1):
                self._n += 1
                title = titles[i - 1] if titles else f"信息{self._n}"
                session.add(ListItem(column_id=column_id, url=f"{PORTAL}a/{self._n}.html", title=title,
                                     published_on=published, position=i, first_seen=seen, last_seen=seen))

    def page(self, url: str, *, kind: str = "article", unit_id: int | None = None, column_id: int | None = None,
             http_status: int | None = 200, error: str | None = None, marks: dict | None = None,
             flags: dict | None = None, body_text: str | None = None, title: str | None = None,
             published_at: datetime | None = None, fetched_at: datetime = AS_OF - timedelta(hours=1)) -> int:
        return self._add(Page(url=url, kind=kind, unit_id=unit_id, column_id=column_id, http_status=http_status,
                              error=error, marks=marks, flags=flags, body_text=body_text, title=title,
                              published_at=published_at, fetched_at=fetched_at))

    def link(self, page_id: int, target: str, *, http_status: int | None = 200, error: str | None = None,
             soft_404: bool = False, external: bool = False, tag: str = "a", text: str | None = None) -> int:
        with self.store.session() as session:
            found = session.query(LinkTarget).filter_by(url=target).one_or_none()
            if found is None:
                found = LinkTarget(url=target, is_external=external, http_status=http_status, error=error,
                                   soft_404=soft_404, checked_at=AS_OF - timedelta(hours=1))
                session.add(found)
                session.flush()
            session.add(Link(page_id=page_id, target_id=found.id, tag=tag, text=text))
            return found.id

    def site(self, unit_id: int | None, url: str = PORTAL, name: str = "房县人民政府门户网站") -> int:
        return self._add(Site(url=url, name=name, unit_id=unit_id, is_portal_home=url == PORTAL))

    def probes(self, site_id: int, *, days: int = 7, per_day: int = 20, failed_per_day: int = 0) -> None:
        """Evenly spaced probes over the `days` before AS_OF; the first `failed_per_day` of each 24 h fail."""
        step = timedelta(minutes=24 * 60 / per_day)
        with self.store.session() as session:
            for k in range(days * per_day):
                ok = k % per_day >= failed_per_day
                session.add(Probe(site_id=site_id, probed_at=AS_OF - timedelta(minutes=5) - k * step, ok=ok,
                                  http_status=200 if ok else None, latency_ms=300, error=None if ok else "timeout"))

    def seen_column(self, unit_id: int, name: str, category: str, dates: list[date | None], *,
                    level: int = 1, run_id: int | None = None, status: str = "full",
                    flags: dict | None = None) -> int:
        """A column seen by a crawl with these item dates (newest first), as the crawler stores it."""
        column_id = self.column(unit_id, name, category, level)
        run_id = run_id or self.crawl()
        self.visit(run_id, column_id, status, items=len(dates))
        self.items(column_id, dates)
        with self.store.session() as session:
            url = session.get(Column, column_id).url
        self.page(url, kind="list", unit_id=unit_id, column_id=column_id, flags=flags or dict(GOOD_FLAGS),
                  marks=dict(GOOD_MARKS))
        return column_id

    def many_columns(self, unit_id: int, run_id: int, dates: list[list[date | None]], *,
                     category: str = "news") -> list[int]:
        """One column per entry of `dates`, each seen in full by `run_id` with those item dates, written in
        bulk (the same rows as seen_column, for stores of thousands of columns)."""
        from sqlalchemy import insert, select

        first = self._n + 1
        self._n += len(dates)
        with self.store.session() as session:
            run = session.get(CrawlRun, run_id)
            urls = [f"{PORTAL}c{first + i}/" for i in range(len(dates))]
            session.execute(insert(Column), [{"unit_id": unit_id, "name": f"栏目{first + i}", "url": url,
                                              "category": category, "level": 1, "origin": "discovered"}
                                             for i, url in enumerate(urls)])
            ids = dict(session.execute(select(Column.url, Column.id).where(Column.url.in_(urls))).all())
            column_ids = [ids[url] for url in urls]
            seen = run.started_at + timedelta(minutes=10)
            session.execute(insert(ColumnVisit), [
                {"run_id": run_id, "column_id": cid, "status": "full", "http_status": 200, "pages": 1,
                 "items": len(d), "visited_at": seen} for cid, d in zip(column_ids, dates, strict=True)])
            items = [{"column_id": cid, "url": f"{url}a{k}.html", "title": f"信息{k}", "published_on": day,
                      "position": k, "first_seen": seen, "last_seen": seen}
                     for cid, url, d in zip(column_ids, urls, dates, strict=True) for k, day in enumerate(d, 1)]
            if items:
                session.execute(insert(ListItem), items)
            session.execute(insert(Page), [
                {"url": url, "kind": "list", "unit_id": unit_id, "column_id": cid, "http_status": 200,
                 "marks": dict(GOOD_MARKS), "flags": dict(GOOD_FLAGS), "fetched_at": seen}
                for cid, url in zip(column_ids, urls, strict=True)])
        return column_ids


def findings(store: Store, rule: str | None = None, status: str | None = None) -> list[Any]:
    """The stored findings (of a rule, in a status), oldest first."""
    from storage.models import Finding

    with store.session() as session:
        query = session.query(Finding).order_by(Finding.id)
        if rule:
            query = query.filter(Finding.rule == rule)
        if status:
            query = query.filter(Finding.status == status)
        return query.all()
