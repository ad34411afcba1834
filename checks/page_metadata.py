"""集约化 网页元数据 (GB/T 42147, 政府网站集约化 统一信息资源库): every article page carries SiteName, SiteDomain,
SiteIDCode, ColumnName, ArticleTitle, PubDate and ContentSource; SiteIDCode is the site's 网站标识码 (as
configured and as the page's footer shows it) and PubDate is the date the page shows.

Counted per unit with sample pages, one finding per kind of problem. A footer code that is itself malformed
is footer.site_code's finding, not compared here. Articles read before the crawler kept their metadata
(page_meta empty) are not judged.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy import select

from checks.base import Check, CheckContext, FindingDraft
from checks.facts.marks import expected_code, unit_names
from portalcheck.core.config import SITE_CODE_RE
from storage.models import Page

NAMES = ("SiteName", "SiteDomain", "SiteIDCode", "ColumnName", "ArticleTitle", "PubDate", "ContentSource")
SAMPLES = 5
KINDS = {"missing": "缺少网页元数据", "site_code": "SiteIDCode与网站标识码不一致", "pub_date": "PubDate与页面显示的发布日期不一致"}


def _day(text: str) -> date | None:
    """The date of a PubDate value ('2023-08-16 10:33:59', '2023-08-16', '2023/8/16')."""
    parts = text.replace("/", "-").replace(".", "-").split(" ")[0].split("-")
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except (ValueError, IndexError):
        return None


def _problems(meta: dict[str, Any], footer: str, code: str) -> dict[str, dict[str, Any]]:
    """What is wrong with one article's metadata, by kind, with what shows it."""
    metas: dict[str, str] = meta.get("metas") or {}
    found: dict[str, dict[str, Any]] = {}
    if missing := [n for n in NAMES if not metas.get(n)]:
        found["missing"] = {"missing": missing}
    site_id = metas.get("SiteIDCode") or ""
    footer_ok = bool(footer) and bool(SITE_CODE_RE.match(footer))
    if site_id and (site_id != code or (footer_ok and site_id != footer)):
        found["site_code"] = {"SiteIDCode": site_id, "footer": footer or None, "expected": code}
    shown, pub = meta.get("shown"), metas.get("PubDate") or ""
    if shown and pub and (day := _day(pub)) is not None and day.isoformat() != shown:
        found["pub_date"] = {"PubDate": pub, "shown": shown}
    return found


def run(ctx: CheckContext) -> Iterator[FindingDraft]:
    names = unit_names(ctx)
    query = (select(Page.unit_id, Page.url, Page.page_meta, Page.marks)
             .where(Page.kind == "article", Page.page_meta.is_not(None), Page.http_status == 200,
                    Page.error.is_(None), Page.fetched_at <= ctx.as_of, ctx.unit_filter(Page.unit_id))
             .order_by(Page.unit_id, Page.url))
    per_unit: dict[int | None, dict[str, Any]] = {}
    for unit_id, url, meta, marks in ctx.session.execute(query.execution_options(yield_per=1000)):
        seen = per_unit.setdefault(unit_id, {"checked": 0, **{k: [] for k in KINDS}, "names": {}})
        seen["checked"] += 1
        footer = ((marks or {}).get("site_code_text") or "").strip()
        for kind, shows in _problems(meta or {}, footer, expected_code(ctx, unit_id)).items():
            seen[kind].append({"url": url, **shows})
            for name in shows.get("missing", ()):
                seen["names"][name] = seen["names"].get(name, 0) + 1
    for unit_id, seen in per_unit.items():
        ctx.checked_units([unit_id])
        who, total = names.get(unit_id, ""), seen["checked"]
        for kind, title in KINDS.items():
            if not (failing := seen[kind]):
                continue
            what = title
            if kind == "missing":
                what += "（" + "、".join(f"{n}{c}页" for n, c in sorted(seen["names"].items(),
                                                                     key=lambda x: -x[1])) + "）"
            elif kind == "site_code":
                what += f"（应为{expected_code(ctx, unit_id)}，页面为{failing[0]['SiteIDCode']}）"
            yield ctx.draft(f"{who}：{len(failing)}/{total}个文章页面{what}", unit_id=unit_id, discriminator=kind,
                            evidence={"pages_checked": total, "pages_failing": len(failing),
                                      "samples": failing[:SAMPLES], "missing_counts": seen["names"]
                                      if kind == "missing" else None})


CHECK = Check(
    rule="page.metadata",
    title="网页元数据缺失或与页面不一致",
    clause="GB/T 42147-2022 政府网站集约化 统一信息资源库 网页元数据；国办函〔2018〕71号 集约化 技术要求",
    severity="info",
    scope="unit",
    run=run,
    fix="按统一信息资源库要求在文章页输出 SiteName、SiteDomain、SiteIDCode、ColumnName、ArticleTitle、PubDate、"
        "ContentSource 元数据，SiteIDCode 填写本网站标识码，PubDate 与页面显示的发布时间一致。",
    description="文章页缺少集约化网页元数据，或 SiteIDCode 与网站标识码（配置及页面底部）不一致，"
                "或 PubDate 与页面显示的发布日期不一致。",
)
