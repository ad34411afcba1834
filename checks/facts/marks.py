"""Footer marks and the 找错 entry as the crawler's parser read them (pages.marks), grouped per unit.

The footer is the same on most pages of a site, so pages are grouped per unit by the values
read from them: a check judges each distinct combination once and names sample pages.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Text, cast, func, select

from checks.base import CheckContext
from storage.models import Page, Site, Unit

PAGE_KINDS = ("home", "unit_home", "list", "article")

# JSON paths inside pages.marks
PATHS: dict[str, tuple[str, ...]] = {
    "site_code_text": ("site_code_text",),
    "site_id_meta": ("site_id_meta",),
    "icp": ("icp",),
    "police_record": ("police_record",),
    "error_report_status": ("error_report", "status"),
    "error_report_kind": ("error_report", "kind"),
    "error_report_site_code": ("error_report", "site_code"),
}


@dataclass(slots=True)
class MarkGroup:
    """Pages of one unit that show the same values."""

    unit_id: int | None
    values: dict[str, Any]
    pages: int
    sample_url: str
    fetched_at: Any


def mark_groups(ctx: CheckContext, *names: str) -> list[MarkGroup]:
    """Distinct combinations of the named marks per unit, with page counts and a sample page."""
    if "mark_groups" not in ctx.cache:
        ctx.cache["mark_groups"] = _footers(ctx)
    return _merged(ctx.cache["mark_groups"], names)


def _footers(ctx: CheckContext) -> list[MarkGroup]:
    """Every mark of every page, grouped per unit: read once per check run for all footer checks.

    A site's footer repeats on every page, so the stored marks documents are few: pages are grouped
    by the document itself in SQL and the marks are read from each distinct one in Python. Reading
    eight JSON paths from every row in SQL cost 10x more on PostgreSQL (its json type is re-parsed
    for each path).
    """
    document = cast(Page.marks, Text)
    query = (
        select(Page.unit_id, document, func.count(Page.id), func.min(Page.url), func.max(Page.fetched_at))
        .where(Page.marks.is_not(None), Page.kind.in_(PAGE_KINDS), Page.error.is_(None),
               Page.http_status == 200, Page.fetched_at <= ctx.as_of, ctx.unit_filter(Page.unit_id))
        .group_by(Page.unit_id, document)
    )
    groups = [MarkGroup(unit_id, _read(json.loads(text)), pages, sample, fetched_at)
              for unit_id, text, pages, sample, fetched_at in ctx.session.execute(query)]
    return _merged(groups, (*PATHS, "conac"))


def _read(marks: Any) -> dict[str, Any]:
    """The marks of one stored document, as SQL's ->> would give them (text, or None when absent)."""
    values: dict[str, Any] = {}
    for name, path in PATHS.items():
        value = marks
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if value is not None and not isinstance(value, str):
            value = json.dumps(value, ensure_ascii=False)  # numbers, true/false: their JSON text
        values[name] = value
    conac = marks.get("conac") if isinstance(marks, dict) else None
    values["conac"] = None if conac is None else bool(conac)
    return values


def _merged(groups: list[MarkGroup], names: tuple[str, ...]) -> list[MarkGroup]:
    """Groups with the same unit and the same values of `names` made one (pages summed)."""
    merged: dict[tuple[Any, ...], MarkGroup] = {}
    for group in groups:
        values = {name: group.values[name] for name in names}
        key = (group.unit_id, *values.values())
        found = merged.get(key)
        if found is None:
            merged[key] = MarkGroup(group.unit_id, values, group.pages, group.sample_url, group.fetched_at)
        else:
            found.pages += group.pages
            found.sample_url = min(found.sample_url, group.sample_url)
            found.fetched_at = max(found.fetched_at, group.fetched_at)
    return list(merged.values())


def unit_names(ctx: CheckContext) -> dict[int | None, str]:
    if "unit_names" not in ctx.cache:
        names: dict[int | None, str] = dict(ctx.session.execute(select(Unit.id, Unit.name)).all())
        names[None] = "未归属单位的页面"
        ctx.cache["unit_names"] = names
    return ctx.cache["unit_names"]


def expected_site_codes(ctx: CheckContext) -> dict[int | None, str]:
    """A unit's own site code when its site has one registered, else the portal's."""
    if "site_codes" not in ctx.cache:
        rows = ctx.session.execute(select(Site.unit_id, Site.site_code).where(Site.site_code.is_not(None)))
        ctx.cache["site_codes"] = {unit_id: code for unit_id, code in rows}
    return ctx.cache["site_codes"]


def expected_code(ctx: CheckContext, unit_id: int | None) -> str:
    return expected_site_codes(ctx).get(unit_id) or ctx.site_code


def by_unit(groups: list[MarkGroup]) -> dict[int | None, list[MarkGroup]]:
    found: dict[int | None, list[MarkGroup]] = {}
    for group in groups:
        found.setdefault(group.unit_id, []).append(group)
    return found


def sample(groups: list[MarkGroup], limit: int = 5) -> list[dict[str, Any]]:
    ordered = sorted(groups, key=lambda g: -g.pages)[:limit]
    return [{"url": g.sample_url, "pages": g.pages, **g.values,
             "fetched_at": g.fetched_at.isoformat() if g.fetched_at else None} for g in ordered]


def footer_findings(ctx: CheckContext, name: str, label: str, pattern: Any, example: str) -> list:
    """Per unit: pages whose footer lacks the mark, and pages whose mark is malformed."""
    names = unit_names(ctx)
    drafts = []
    for unit_id, unit_groups in by_unit(mark_groups(ctx, name)).items():
        ctx.checked_units([unit_id])
        total = sum(g.pages for g in unit_groups)
        who = names.get(unit_id, "")
        missing = [g for g in unit_groups if not (g.values[name] or "").strip()]
        malformed = [g for g in unit_groups if (g.values[name] or "").strip()
                     and not pattern.search(g.values[name].strip())]
        if missing:
            count = sum(g.pages for g in missing)
            drafts.append(ctx.draft(
                f"{who}：{count}/{total}个页面底部未列明{label}",
                unit_id=unit_id, discriminator="missing",
                evidence={"pages_checked": total, "pages_failing": count, "samples": sample(missing)},
            ))
        if malformed:
            count = sum(g.pages for g in malformed)
            seen = "、".join(sorted({g.values[name].strip() for g in malformed})[:3])
            drafts.append(ctx.draft(
                f"{who}：{count}/{total}个页面底部{label}格式不规范（{seen}，应如{example}）",
                unit_id=unit_id, discriminator="malformed",
                evidence={"pages_checked": total, "pages_failing": count, "samples": sample(malformed)},
            ))
    return drafts
