"""The demo portal's answer key: which defects are planted where, derived from the live model.

Derived rather than hand-listed so that `publish()` (which can make a stale column fresh) keeps
the key honest. Rule ids follow the checks' naming (column.stale, link.dead, ...). Entries with rule
"expected_ok" name a check ("check" key) that must NOT fire on that column or page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .model import Account, Column, Message, Unit, load_yaml

KEY_CATEGORIES = ("news", "notice", "policy")
STALE_COUNT_VETO = 5
BLANK_COUNT_VETO = 5
UNANSWERED_DAYS = 90
MEDIA_WINDOW_DAYS = 14
MEDIA_DORMANT_DAYS = 365


def _col(rule: str, col: Column, **extra: Any) -> dict[str, Any]:
    return {"rule": rule, "unit": col.unit.name, "column": col.name, "path": col.path, **extra}


def _age(today: dt.date, when: dt.datetime) -> int:
    return (today - when.date()).days


def column_is_blank(col: Column) -> bool:
    """No items, no explanatory note, a real page (not broken, not JS-filled, not a parent)."""
    return (
        not col.all_articles
        and not col.note
        and not col.broken
        and col.render == "html"
        and not col.children
        and not col.catalog
    )


def stale_entry(col: Column, today: dt.date) -> dict[str, Any] | None:
    windows = load_yaml("site.yaml")["windows"]
    items = col.all_articles
    if col.broken or not items or col.category not in windows:
        return None
    if col.category in ("notice", "policy") and not col.first_level:
        return None
    age, window = _age(today, items[0].published), windows[col.category]
    if age <= window:
        return None
    return _col(
        "column.stale",
        col,
        category=col.category,
        newest=items[0].published.date().isoformat(),
        age_days=age,
        window_days=window,
    )


def build_truth(
    portal: Unit, units: list[Unit], messages: list[Message], today: dt.date
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    site = load_yaml("site.yaml")
    for unit in [portal, *units]:
        out += _unit_truth(unit, today)
    out.append(
        {
            "rule": "expected_ok",
            "check": "home.not_updated",
            "unit": portal.name,
            "path": "/",
            "detail": "home page items are at most 2 days old",
        }
    )
    # The network rules (site.ipv6, site.https) judge the host the demo is served on: 127.0.0.1 over plain
    # http, so IPv6 (no AAAA for an IPv4 address) and https (nothing listens on 443) each fail once.
    out.append({"rule": "site.ipv6", "unit": portal.name, "path": "/", "detail": "served on 127.0.0.1 only: no AAAA"})
    out.append({"rule": "site.https", "unit": portal.name, "path": "/", "detail": "plain http only: https not offered"})
    for link in site["portal"]["home_links"]:
        if link["kind"] != "ok":
            out.append(
                {
                    "rule": "link.dead",
                    "unit": portal.name,
                    "path": "/",
                    "target": link["href"],
                    "detail": link["kind"],
                }
            )
    for msg in messages:
        age = _age(today, msg.asked)
        if msg.quality == "none" and age > UNANSWERED_DAYS:
            out.append(
                {
                    "rule": "message.unanswered",
                    "unit": msg.office,
                    "board": "县长信箱",
                    "path": msg.path,
                    "title": msg.title,
                    "asked": msg.asked.date().isoformat(),
                    "age_days": age,
                }
            )
        elif msg.quality not in ("good", "none"):
            out.append(
                {
                    "rule": "message.reply_poor",
                    "unit": msg.office,
                    "board": "县长信箱",
                    "path": msg.path,
                    "title": msg.title,
                    "detail": msg.quality,
                    "reply": msg.reply,
                }
            )
    for acc in (a for u in units for a in u.accounts):
        out += _account_truth(acc, today)
    out += _page_rules_truth(portal, units, today)
    return out


def _page_rules_truth(portal: Unit, units: list[Unit], today: dt.date) -> list[dict[str, Any]]:
    """Issue #18's rules: one planted failure each (see site.yaml and templates/annual_report.html)."""
    out: list[dict[str, Any]] = []
    for unit in units:
        if any("no_source" in a.flags for a in unit.all_articles()):
            out.append({"rule": "page.metadata", "unit": unit.name, "path": unit.site,
                        "detail": "an article without 来源 has no ContentSource meta"})
        if unit.options.get("a11y"):
            out.append({"rule": "page.accessibility", "unit": unit.name, "path": unit.site,
                        "detail": unit.options["a11y"]})
    out.append({"rule": "site.annual_report", "unit": portal.name, "path": "/gzbb/",
                "year": report_year(today), "detail": "信息发布总数 inflated: twice the year's articles plus 40"})
    return out


def _unit_truth(unit: Unit, today: dt.date) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    opts = unit.options
    cols = unit.all_columns()
    zero = not unit.all_articles() and unit.kind != "门户"
    stale = [e for e in (stale_entry(c, today) for c in cols) if e]
    out += stale
    key_stale = [e for e in stale if e["category"] in KEY_CATEGORIES]
    if len(key_stale) >= STALE_COUNT_VETO:
        out.append(
            {"rule": "column.stale_count", "unit": unit.name, "path": unit.site, "count": len(key_stale)}
        )
    blanks = [c for c in cols if column_is_blank(c)]
    for col in blanks:
        out.append(_col("column.blank", col, detail="zero-publication unit" if zero else "no items, no note"))
    if len(blanks) >= BLANK_COUNT_VETO:
        out.append({"rule": "column.blank_count", "unit": unit.name, "path": unit.site, "count": len(blanks)})
    if zero:
        out.append({"rule": "unit.no_publication", "unit": unit.name, "path": unit.site})
    for col in cols:
        if col.broken:
            out.append(_col("column.broken", col, detail=col.broken))
        elif not col.all_articles and col.note:
            out.append(_col("expected_ok", col, check="column.blank", detail="explanatory note on the page"))
        elif col.render == "js":
            out.append(
                _col(
                    "expected_ok",
                    col,
                    check="column.blank",
                    detail="list is filled by JavaScript from " + api_path(col),
                )
            )
        out += _article_truth(col)
    if opts.get("jiucuo") == "missing":
        out.append(
            {
                "rule": "page.no_error_report",
                "unit": unit.name,
                "path": unit.site,
                "detail": "no 找错 entry on any page of the site",
            }
        )
    if opts.get("jiucuo_index"):
        out.append(
            {
                "rule": "page.no_error_report",
                "unit": unit.name,
                "path": unit.site,
                "detail": opts["jiucuo_index"],
            }
        )
    if opts.get("footer_site_code"):
        out.append(
            {
                "rule": "footer.site_code",
                "unit": unit.name,
                "path": unit.site,
                "detail": opts["footer_site_code"],
            }
        )
    return out


def _article_truth(col: Column) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    leaders = load_yaml("site.yaml")["leaders"]
    for art in col.articles:
        if "dead_links" in art.flags:
            out += [
                _col(
                    "link.dead",
                    col,
                    path=art.path,
                    target=href,
                    detail="404" if href.startswith("/") else "connection refused",
                )
                for _, href in art.links
            ]
        if "broken_image" in art.flags:
            out.append(_col("content.image_broken", col, path=art.path, target=art.image, detail="image 404"))
        for att in art.attachments:
            if not att.exists:
                out.append(_col("link.dead", col, path=art.path, target=att.path, detail="attachment 404"))
        if "spam" in art.flags:
            out.append(_col("content.sensitive", col, path=art.path, detail="gambling spam injected"))
        if "stub" in art.flags:
            out.append(_col("content.truncated", col, path=art.path, detail="详见附件 without an attachment"))
        if "no_source" in art.flags:
            out.append(_col("content.format", col, path=art.path, detail="no 来源 where the column's others have one"))
        if "duplicate" in art.flags:
            out.append(_col("content.duplicate", col, path=art.path, detail="published twice"))
        if "misspelt_leader" in art.flags:
            out.append(
                _col(
                    "content.serious_error",
                    col,
                    path=art.path,
                    found=leaders["head"]["misspelt"],
                    expected=leaders["head"]["name"],
                    detail="县长姓名写错",
                )
            )
        if "garbled" in art.flags:
            out.append(_col("content.garbled", col, path=art.path, detail="UTF-8 text decoded as GBK"))
    return out


def _account_truth(acc: Account, today: dt.date) -> list[dict[str, Any]]:
    age = _age(today, acc.posts[0][1])
    base = {"unit": acc.unit.name, "account": acc.name, "platform": acc.platform, "path": acc.path,
            "age_days": age}
    if acc.state == "closed":
        return [{"rule": "account.unreachable", **base, "detail": "the platform answers 用户不存在"}]
    if acc.state == "blocked":
        return [{"rule": "expected_not_checked", "check": "account.not_updated", **base,
                 "detail": "the platform answers HTTP 432: not checked, operator alerted"}]
    if age <= MEDIA_WINDOW_DAYS:
        return [{"rule": "expected_ok", "check": "account.not_updated", **base}]
    out = [{"rule": "account.not_updated", **base, "detail": "over a year" if age > 365 else f"{age} days"}]
    if age > MEDIA_DORMANT_DAYS:
        out.append({"rule": "account.dormant", **base, "detail": "silent over a year (僵尸账号)"})
    return out


def report_year(today: dt.date) -> int:
    """The year of the newest 年度报表 due (by 1月31日 of the year after): the one the demo publishes."""
    return today.year - 1 if today > dt.date(today.year, 1, 31) else today.year - 2


def api_path(col: Column) -> str:
    """JSON endpoint of a JavaScript-rendered column."""
    return "/api" + col.path.rstrip("/") + ".json"


def build_quirks(portal: Unit, units: list[Unit]) -> list[dict[str, Any]]:
    """Crawler-robustness features that are not compliance defects."""
    out: list[dict[str, Any]] = [
        {"quirk": "robots_disallow", "path": "/search/"},
        {"quirk": "crawler_trap", "path": "/hdrl/", "detail": "endless 下一月 links (?month=YYYY-MM)"},
        {"quirk": "soft_404", "path": "/xxgk/zfxxgknb/"},
        {"quirk": "redirect_home", "path": "/index.shtml"},
        {"quirk": "not_found", "path": "/nonexistent/"},
    ]
    for unit in units:
        if unit.encoding != "utf-8":
            out.append({"quirk": "encoding", "unit": unit.name, "path": unit.site, "detail": unit.encoding})
        for code in unit.options.get("wrong_charset_header", []):
            out.append(
                {
                    "quirk": "wrong_charset_header",
                    "unit": unit.name,
                    "path": unit.column(code).path,
                    "detail": "header says utf-8, body is " + unit.encoding,
                }
            )
        for col in unit.all_columns():
            if col.render == "js":
                out.append(
                    {"quirk": "js_rendered", "unit": unit.name, "path": col.path, "api": api_path(col)}
                )
        out.append({"quirk": "pagination", "unit": unit.name, "path": unit.site, "detail": unit.cms})
    return out
