"""A small county portal described in Python, rendered from the saved page templates in `pages/`,
served on 127.0.0.1, crawled by the real crawler and then checked at a fixed moment.

Check tests describe the site an inspector would visit ("白鹤镇's 工作动态 was last updated 30 days
ago, its footer has no ICP number") instead of writing store rows by hand, so a test passes only
when the crawler sees the defect and the check judges it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from sqlalchemy import select

from checks.base import NotChecked
from checks.runner import run_checks
from portalcheck.core.config import load_config
from storage.models import Column as ColumnRow
from storage.models import Finding
from storage.models import Unit as UnitRow
from storage.session import Store
from tests.config_files import write_config_file

from ...clock import frozen_at
from ...conftest import fresh_database
from ...crawl.runner import crawl
from ...servers import FixtureServer, send

SITE_CODE = "3609990001"
LOCAL = ZoneInfo("Asia/Shanghai")
# The crawls run at MOMENT (tests.clock.frozen_at: the crawl subprocesses read it too) and the checks an
# hour later, so that everything fetched is in the past and every "N days ago" below is exact whatever
# the day the suite runs.
MOMENT = datetime(2026, 3, 16, 2, 0, tzinfo=UTC)  # Monday 2026-03-16 10:00 in Beijing, no holiday near
AS_OF = MOMENT + timedelta(hours=1)
TODAY = AS_OF.astimezone(LOCAL).date()
TEMPLATES = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "pages"),
                               autoescape=True, undefined=jinja2.StrictUndefined)
# Crawl settings of every fixture portal: fast on loopback, and no internet here (the footer's beian/conac/
# gov.cn links cannot be checked).
CRAWL = {"concurrency_per_host": 8, "delay_seconds": 0, "autothrottle": False, "timeout_seconds": 3, "retries": 0,
         "check_external_links": False}
PARAGRAPHS = ("近日，镇党委、政府召开专题会议，研究部署当前重点工作，要求各村（社区）压实责任，确保各项任务落到实处。",
              "会议强调，要坚持以人民为中心的发展思想，扎实推进乡村振兴，切实把好事办好、实事办实。")


def day(days_ago: int) -> date:
    return TODAY - timedelta(days=days_ago)


@dataclass
class Footer:
    """The marks at the bottom of every page of a unit (indicators F2–F4)."""

    site_code: str | None = SITE_CODE
    meta_code: str | None = SITE_CODE
    icp: bool = True
    police: bool = True
    conac: bool = True
    jiucuo: str = "ok"  # ok | commented | hidden | missing
    jiucuo_code: str = SITE_CODE


@dataclass
class Item:
    """An entry of a list and the article it links to."""

    title: str
    days_ago: int | None  # None: the list shows no date
    paragraphs: tuple[str, ...] = PARAGRAPHS
    source: str | None = "青山县人民政府办公室"
    article_days_ago: int | None = -1  # -1: the list's date; None: the article states no date
    images: list[tuple[str, int | None]] = field(default_factory=list)
    attachments: list[tuple[str, str]] = field(default_factory=list)
    status: int = 200
    slug: str = ""
    meta_pub: str | None = None  # a PubDate meta other than the date the page shows (page.metadata)
    alt: bool = True  # False: its images have no alt text (page.accessibility)

    @property
    def list_date(self) -> str | None:
        return None if self.days_ago is None else day(self.days_ago).isoformat()

    @property
    def pub(self) -> str | None:
        days = self.days_ago if self.article_days_ago == -1 else self.article_days_ago
        return None if days is None else day(days).isoformat()


@dataclass
class Col:
    name: str
    code: str
    items: list[Item] = field(default_factory=list)
    note: str | None = None  # e.g. 本栏目暂无信息
    status: int = 200  # 403: a WAF refuses the crawler; 404/500: the column is broken
    building: bool = False


@dataclass
class Unit:
    name: str
    code: str
    columns: list[Col]
    footer: Footer = field(default_factory=Footer)
    kind: str = "乡镇"


@dataclass
class Portal:
    units: list[Unit]
    home_items: list[Item] = field(default_factory=lambda: [Item("青山县召开县政府常务会议", 1)])
    home_links: list[tuple[str, str]] = field(default_factory=list)
    footer: Footer = field(default_factory=Footer)
    leaders: dict[str, list[str]] = field(default_factory=dict)
    sensitive_words: list[str] = field(default_factory=list)
    extra_routes: dict[str, Any] = field(default_factory=dict)
    crawl: dict[str, Any] = field(default_factory=dict)  # crawl settings beyond CRAWL

    def routes(self, base: str) -> dict[str, Any]:
        """Path → page or handler for FixtureServer; the templates get absolute links to `base`."""
        routes: dict[str, Any] = {
            "/robots.txt": "User-agent: *\nAllow: /\n",
            "/css/style.css": lambda handler: send(handler, 200, "body{margin:0}", content_type="text/css"),
            **{f"/images/{name}": lambda handler: send(handler, 200, b"\x89PNG\r\n", content_type="image/png")
               for name in ("gaba.png", "red.png", "building.png")},
        }
        for n, item in enumerate(self.home_items):
            item.slug = item.slug or f"t{(item.list_date or '').replace('-', '')}_{n}"
            routes[f"/ywdt/{item.slug}.html"] = render("article.html", base, unit=self.units[0], footer=self.footer,
                                                        col=Col("要闻动态", "ywdt"), item=item)
        routes["/"] = render("home.html", base, units=self.units, footer=self.footer, home_items=self.home_items,
                             home_links=[(n, h.replace("{base}", base)) for n, h in self.home_links],
                             unit=self.units[0])
        for unit in self.units:
            routes[f"/u/{unit.code}/"] = render("unit_home.html", base, unit=unit, footer=unit.footer)
            for col in unit.columns:
                routes.update(self._column_routes(base, unit, col))
        routes.update(self.extra_routes)
        return routes

    def _column_routes(self, base: str, unit: Unit, col: Col) -> dict[str, Any]:
        path = f"/u/{unit.code}/{col.code}/"
        for n, item in enumerate(col.items):
            item.slug = item.slug or f"t{(item.pub or item.list_date or '00000000').replace('-', '')}_{n + 1}"
        if col.status != 200:
            return {path: replied(col.status, waf_page() if col.status == 403 else error_page(col.status))}
        template = "building.html" if col.building else "list.html"
        routes: dict[str, Any] = {path: render(template, base, unit=unit, col=col, footer=unit.footer)}
        for item in col.items:
            page = render("article.html", base, unit=unit, col=col, item=item, footer=unit.footer)
            routes[f"{path}{item.slug}.html"] = page if item.status == 200 else replied(item.status,
                                                                                         error_page(item.status))
        return routes

    def config_yaml(self, base: str) -> str:
        config: dict[str, Any] = {
            "portal": {"name": "青山县人民政府门户网站", "home": f"{base}/", "site_code": SITE_CODE},
            "units": [{"name": u.name, "kind": u.kind, "site": f"{base}/u/{u.code}/"} for u in self.units],
            "crawl": {**CRAWL, **self.crawl},
            "leaders": self.leaders, "sensitive_words": self.sensitive_words,
        }
        return json.dumps(config, ensure_ascii=False, indent=1)  # JSON is YAML


def render(template: str, base: str, **values: Any) -> str:
    return TEMPLATES.get_template(template).render(base=base, **values)


def replied(status: int, body: str):  # type: ignore[no-untyped-def]
    return lambda handler: send(handler, status, body)


def waf_page() -> str:
    return "<html><head><title>访问被拒绝</title></head><body>您的访问请求可能对网站造成安全威胁，已被拦截。</body></html>"


def error_page(status: int) -> str:
    return f"<html><head><title>{status}</title></head><body><h1>{status}</h1><p>服务器错误</p></body></html>"


@dataclass
class CheckedSite:
    """What the checks said about a crawled fixture portal."""

    findings: list[dict[str, Any]]
    not_checked: list[NotChecked]
    base: str
    crawl_log: str

    def of(self, rule: str, unit: str | None = None, column: str | None = None) -> list[dict[str, Any]]:
        return [f for f in self.findings if f["rule"] == rule and (unit is None or f["unit"] == unit)
                and (column is None or f["column"] == column)]

    def urls(self, rule: str, unit: str | None = None) -> set[str]:
        return {f["url"].replace(self.base, "") for f in self.of(rule, unit) if f["url"]}

    def skipped(self, rule: str, unit: str | None = None, column: str | None = None) -> list[NotChecked]:
        return [n for n in self.not_checked if n.rule == rule and (unit is None or n.unit_id == self.unit_ids[unit])
                and (column is None or n.column_id in self.column_ids.get(column, ()))]

    unit_ids: dict[str, int] = field(default_factory=dict)
    column_ids: dict[str, set[int]] = field(default_factory=dict)


def crawl_and_check(portal: Portal, folder: Path, only: list[str] | None = None,
                    unit_by_unit: bool = False) -> Iterator[CheckedSite]:
    """Serve `portal`, crawl it in full with `portalcheck crawl`, run the checks at AS_OF."""
    yield from serve_crawl_check(portal.routes, portal.config_yaml, folder, only, unit_by_unit)


def serve_crawl_check(routes: Callable[[str], dict[str, Any]], config_yaml: Callable[[str], str], folder: Path,
                      only: list[str] | None = None, unit_by_unit: bool = False) -> Iterator[CheckedSite]:
    """Serve `routes(base_url)`, crawl with `config_yaml(base_url)`, run the checks at AS_OF: over every unit at
    once, or (`unit_by_unit`) one unit after another as a queue night's unit jobs run them (findings only)."""
    with FixtureServer({}) as server:
        server.routes.update(routes(server.base_url))
        config_file = write_config_file(folder, config_yaml(server.base_url))
        for db_url in fresh_database(folder):
            with frozen_at(MOMENT):
                result = crawl(config_file, db_url, "--full", timeout=180)
            assert result.returncode == 0, result.stderr[-3000:]
            store = Store(db_url)
            try:
                config = load_config(config_file)
                reports = ([run_checks(store, config, AS_OF, units=[unit.name], only=only, figures=False)
                            for unit in config.units] if unit_by_unit else [run_checks(store, config, AS_OF, only=only)])
                assert all(r.ok for r in reports), [o.error for r in reports for o in r.outcomes if o.error]
                yield CheckedSite(_findings(store), [n for r in reports for n in r.not_checked], server.base_url,
                                  result.stderr, *_ids(store))
            finally:
                store.dispose()


def _findings(store: Store) -> list[dict[str, Any]]:
    with store.session() as session:
        rows = session.execute(
            select(Finding.rule, UnitRow.name, ColumnRow.name, Finding.url, Finding.detail, Finding.evidence,
                   Finding.status)
            .outerjoin(UnitRow, UnitRow.id == Finding.unit_id).outerjoin(ColumnRow, ColumnRow.id == Finding.column_id)
        ).all()
    keys = ("rule", "unit", "column", "url", "detail", "evidence", "status")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def _ids(store: Store) -> tuple[dict[str, int], dict[str, set[int]]]:
    with store.session() as session:
        units = dict(session.execute(select(UnitRow.name, UnitRow.id)).all())
        columns: dict[str, set[int]] = {}
        for name, column_id in session.execute(select(ColumnRow.name, ColumnRow.id)):
            columns.setdefault(name, set()).add(column_id)
    return units, columns
