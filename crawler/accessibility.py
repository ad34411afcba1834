"""page.accessibility's gatherer: axe-core run in Debian's chromium on the portal's home page and one page per
column category per unit (适老化/信息无障碍, GB/T 37668-2019), a bounded number of pages a night.

It runs after the crawl, on pages the crawl stored as read (HTTP 200): never the first request to a page. axe
is the copy axe-playwright-python ships (axe.min.js in the wheel, no CDN), injected into each page. The pages
audited the longest ago go first, so a portal larger than the nightly bound is covered over several nights.
"""

from __future__ import annotations

import logging
import re
import shutil
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from axe_playwright_python.base import AXE_FILE_PATH
from sqlalchemy import func, select

from crawler.settings import chromium_launch_options
from storage.models import AccessibilityAudit, Column, Page, Unit
from storage.session import Store
from storage.upsert import upsert

log = logging.getLogger(__name__)

# What a home page's 关怀版/无障碍 entry says (工信部信管〔2020〕200号: 适老化及无障碍改造)
CARE_WORDS = r"关怀版|无障碍|适老化|长者模式|老年模式|长辈版|大字版|读屏|信息无障碍"
CARE_JS = """(pattern) => {
  const re = new RegExp(pattern);
  for (const el of document.querySelectorAll('a, button, [role=button], [onclick], img, span, li')) {
    const text = [el.innerText || '', el.getAttribute('title') || '', el.getAttribute('alt') || ''].join(' ').trim();
    if (text.length <= 40 && re.test(text)) return text.slice(0, 100);
  }
  return null;
}"""
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
               "resultTypes": ["violations"]}
NODES_KEPT = 5


@dataclass(slots=True)
class Target:
    url: str
    unit_id: int | None
    kind: str  # home | unit_home | article
    category: str | None = None


def targets(session: Any, unit_names: list[str] | None, limit: int) -> list[Target]:
    """The home page, each unit's home page and one article per (unit, column category); least recently
    audited first, at most `limit`."""
    ok = (Page.http_status == 200, Page.error.is_(None))
    unit_ids = None
    if unit_names:
        unit_ids = list(session.scalars(select(Unit.id).where(Unit.name.in_(unit_names))))
    found: list[Target] = []
    if not unit_names:
        found += [Target(url, unit, "home") for url, unit in
                  session.execute(select(Page.url, Page.unit_id).where(Page.kind == "home", *ok))]
    homes = select(Page.url, Page.unit_id).where(Page.kind == "unit_home", *ok)
    # max(url): with dated article URLs (TRS t20250321_…, /202503/…) the newest article of the category
    per_category = (select(func.max(Page.url), Page.unit_id, Column.category)
                    .join(Column, Column.id == Page.column_id)
                    .where(Page.kind == "article", *ok).group_by(Page.unit_id, Column.category))
    if unit_ids is not None:
        homes = homes.where(Page.unit_id.in_(unit_ids))
        per_category = per_category.where(Page.unit_id.in_(unit_ids))
    found += [Target(url, unit, "unit_home") for url, unit in session.execute(homes)]
    found += [Target(url, unit, "article", category) for url, unit, category in session.execute(per_category)]
    last = dict(session.execute(select(AccessibilityAudit.url, AccessibilityAudit.audited_at)).tuples().all())
    never = datetime.min.replace(tzinfo=timezone.utc)
    order = {"home": 0, "unit_home": 1, "article": 2}
    found.sort(key=lambda t: (last.get(t.url) or never, order[t.kind], t.url))
    return found[:limit]


def _violations(result: dict[str, Any]) -> list[dict[str, Any]]:
    """axe's violations cut to what an inspector reads: rule, impact, WCAG tags, help and a few elements."""
    out = []
    for v in result.get("violations", []):
        nodes = v.get("nodes", [])
        out.append({"id": v.get("id"), "impact": v.get("impact"), "help": v.get("help"),
                    "help_url": v.get("helpUrl"), "wcag": [t for t in v.get("tags", []) if re.match(r"wcag\d", t)],
                    "count": len(nodes),
                    "nodes": [{"target": " ".join(map(str, n.get("target", []))), "html": (n.get("html") or "")[:200]}
                              for n in nodes[:NODES_KEPT]]})
    return out


def audit(pages: list[Target], chromium: str | None, timeout_s: float) -> list[dict[str, Any]]:
    """axe-core results for each page, one fresh tab each; a page that cannot be audited gets an error."""
    from playwright.sync_api import Error, sync_playwright

    axe_script = AXE_FILE_PATH.read_text(encoding="utf-8")
    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**chromium_launch_options(chromium))
        context = browser.new_context(service_workers="block")
        context.route("**/*", lambda route: route.abort() if route.request.resource_type in ("image", "media", "font")
                      else route.continue_())
        try:
            for target in pages:
                row = {"url": target.url, "unit_id": target.unit_id, "kind": target.kind,
                       "category": target.category, "audited_at": datetime.now(timezone.utc), "error": None,
                       "care_entry": None, "violations": None}
                tab = context.new_page()
                try:
                    tab.goto(target.url, wait_until="load", timeout=timeout_s * 1000)
                    tab.evaluate(axe_script)
                    result = tab.evaluate("(options) => axe.run(document, options)", AXE_OPTIONS)
                    row["violations"] = _violations(result)
                    if target.kind == "home":
                        row["care_entry"] = tab.evaluate(CARE_JS, CARE_WORDS)
                except Error as exc:
                    row["error"] = str(exc).splitlines()[0][:200]
                finally:
                    tab.close()
                rows.append(row)
        finally:
            browser.close()
    return rows


def run_accessibility(config: Any, units: list[str] | None = None) -> dict[str, Any]:
    """Audit tonight's share of pages and store the results; returns the figures for the crawl summary."""
    limit = config.crawl.accessibility_pages_per_night
    chromium = config.crawl.chromium_path or shutil.which("chromium")
    if limit <= 0 or not chromium:
        return {"pages": 0, "skipped": "disabled" if limit <= 0 else "no_chromium"}
    started = time.perf_counter()
    store = Store(config.database_url())
    try:
        with store.session() as session:
            pages = targets(session, units, limit)
        try:
            rows = audit(pages, chromium, config.crawl.timeout_seconds) if pages else []
        except Exception as exc:  # chromium would not start or died: the crawl stands, the rule is not checked
            log.exception("accessibility audit failed")
            return {"pages": 0, "error": f"{type(exc).__name__}: {exc}"[:200]}
        if rows:
            with store.session() as session:
                upsert(session, AccessibilityAudit, rows, keys=["url"])
    finally:
        store.dispose()
    return {"pages": len(rows), "errors": sum(1 for r in rows if r["error"]),
            "violations": sum(len(r["violations"] or []) for r in rows),
            "seconds": round(time.perf_counter() - started, 1)}
