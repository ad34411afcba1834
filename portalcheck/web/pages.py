"""The pages: 总览, 单位, 问题, the four attachment tables and the findings list, downloads, 复查.

Each view opens with the actor's rights: a 单位 account reaches its own unit only — another unit's
page, finding or recheck answers 404 (its existence is not confirmed), another unit in a filter 403.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.background import BackgroundTask

from portalcheck.exports import (
    BUILDERS,
    FILE_NAMES,
    NoCheckRun,
    Period,
    export,
    publications,
    publications_pages,
)
from portalcheck.exports.common import SEVERITY_ZH, STATUS_ZH, Table, sort_key
from portalcheck.exports.findings import FIELDS as FINDING_FIELDS
from portalcheck.exports.findings import SORTABLE
from portalcheck.exports.findings_pages import BadCursor, findings_keyset_page
from portalcheck.exports.pictures import picture_file
from portalcheck.exports.summary import SITE
from portalcheck.exports.writers import write_tables
from portalcheck.web import loop_views, users, views
from portalcheck.web.common import SignedIn, client_address, render, settings

router = APIRouter()
Actor = users.Actor
PAGE_SIZE = 100
TABLE_KINDS = {"findings": "问题清单", "publications": "附件1 信息发布统计", "columns": "附件2 网页督查情况",
               "messages": "附件3 网上问政回复情况", "accounts": "附件4 政务新媒体检查情况", "summary": "检查结论汇总"}
FORMATS = ("xlsx", "csv", "json")
# Exports whose builders keep to the units asked for; the others list every unit, so a 单位 account
# sees and downloads them cut to its own unit (own_unit_only).
UNIT_SCOPED = {"findings", "columns", "messages", "accounts"}


def _unit_for(actor: Actor, request: Request, unit_id: int) -> str:
    name = views.unit_name(settings(request).store, unit_id)
    if name is None or not actor.may_see(name):
        raise HTTPException(404, "没有这个单位，或您无权查看。")
    return name


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, actor: SignedIn) -> Response:
    state = settings(request)
    if not actor.sees_all:
        unit_id = views.unit_ids(state.store).get(actor.unit or "")
        if unit_id is None:
            raise HTTPException(404, "您的单位尚无检查数据。")
        return RedirectResponse(f"/units/{unit_id}", status_code=303)
    try:
        data = views.overview(state.store, state.config)
    except NoCheckRun as exc:
        return render(request, "empty.html", {"actor": actor, "message": str(exc)})
    return render(request, "overview.html", {"actor": actor, "o": data,
                                             "notices": loop_views.notices_overview(state.store)})


@router.get("/units/{unit_id}", response_class=HTMLResponse)
def unit(request: Request, unit_id: int, actor: SignedIn) -> Response:
    name = _unit_for(actor, request, unit_id)
    state = settings(request)
    try:
        page = views.unit_page(state.store, state.config, unit_id, name)
    except NoCheckRun as exc:
        return render(request, "empty.html", {"actor": actor, "message": str(exc)})
    return render(request, "unit.html", {"actor": actor, "u": page})


@router.get("/findings/{finding_id}", response_class=HTMLResponse)
def finding(request: Request, finding_id: int, actor: SignedIn) -> Response:
    page = views.finding_page(settings(request).store, finding_id)
    if page is None or not actor.may_see(page.unit):
        raise HTTPException(404, "没有这个问题，或您无权查看。")
    loop = loop_views.finding_loop(settings(request).store, finding_id, page.unit, actor)
    return render(request, "finding.html", {"actor": actor, "f": page, "rect": loop})


@router.get("/findings/{finding_id}/pictures/{picture_id}.png")
def finding_picture(request: Request, finding_id: int, picture_id: int, actor: SignedIn) -> Response:
    """An evidence picture, to whoever may see its finding: read from evidence.pictures_dir by the row's own
    path (checked against its sha256), never from a web root; another unit's answers 404 like a missing one."""
    state = settings(request)
    found = views.finding_picture(state.store, finding_id, picture_id)
    if found is None or not actor.may_see(found[0]):
        raise HTTPException(404, "没有这个截图，或您无权查看。")
    path = picture_file(state.config, found[1])
    if path is None:
        raise HTTPException(404, "截图文件不存在（可能已按保存期限清理）。")
    return FileResponse(path, media_type="image/png",
                        headers={"cache-control": "private, no-store", "x-content-type-options": "nosniff"})


@router.get("/warnings", response_class=HTMLResponse)
def warnings_page(request: Request, actor: SignedIn) -> Response:
    """预警: what will fail within its lead time unless fixed (computed now, as `portalcheck warnings`)."""
    from portalcheck.exports import warnings as warning_sheet
    from portalcheck.service.exports import current_warnings

    state = settings(request)
    as_of = datetime.now(state.config.zone)
    rows = current_warnings(state.config, as_of, None if actor.sees_all else [actor.unit or ""])
    return render(request, "warnings.html", {"actor": actor, "tables": warning_sheet.tables(rows),
                                             "as_of": views.shown(None, as_of)})


def _date(value: str | None, what: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise HTTPException(400, f"{what}应为 2020-05-29 这样的日期") from None


def _period(request: Request, actor: Actor, unit: str | None, date_from: str | None, date_to: str | None) -> Period:
    known = set(views.unit_ids(settings(request).store))
    if unit and unit not in known:
        raise HTTPException(400, "没有这个单位")
    if not actor.sees_all:
        if unit and unit != actor.unit:
            raise HTTPException(403, "单位账号只能查看本单位的数据。")
        unit = actor.unit
    try:
        return Period.make(_date(date_from, "起始日期"), _date(date_to, "截止日期"), units=[unit] if unit else None)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None


def _choices(values: list[str], allowed: dict[str, Any] | set[str], what: str) -> list[str]:
    chosen = [v for v in values if v]
    unknown = [v for v in chosen if v not in allowed]
    if unknown:
        raise HTTPException(400, f"未知的{what}：{unknown[0][:60]}")
    return chosen


@router.get("/tables/{kind}", response_class=HTMLResponse)
def table(request: Request, kind: str, actor: SignedIn, unit: str | None = None,
          date_from: str | None = None, date_to: str | None = None, page: int = 1, sort: str | None = None,
          desc: bool = False, after: str | None = None, before: str | None = None) -> Response:
    if kind not in TABLE_KINDS:
        raise HTTPException(404, "没有这个表")
    state = settings(request)
    period = _period(request, actor, unit, date_from, date_to)
    query = request.query_params
    context: dict[str, Any] = {"actor": actor, "kind": kind, "kinds": TABLE_KINDS, "period": period,
                               "unit": unit or "", "date_from": date_from or "", "date_to": date_to or "",
                               "units": sorted(n for n in views.unit_ids(state.store) if actor.may_see(n)),
                               "formats": FORMATS, "downloadable": actor.can_export,
                               "query": urlencode([(k, v) for k, v in query.multi_items() if k != "page"]),
                               "ids": views.unit_ids(state.store)}
    if kind == "findings":
        rules = _choices(query.getlist("rule"), views.rules_by_id(), "规则")
        severities = _choices(query.getlist("severity"), SEVERITY_ZH, "性质")
        statuses = _choices(query.getlist("status"), STATUS_ZH, "状态")
        page = max(1, page)
        if sort and sort not in SORTABLE:
            raise HTTPException(400, "不能按该列排序")
        try:
            found = findings_keyset_page(state.store, period.units, period, rules=rules, severities=severities,
                                         statuses=statuses, limit=PAGE_SIZE, page=page, after=after or None,
                                         before=before or None, order=sort or None, descending=desc)
        except BadCursor as exc:
            raise HTTPException(400, str(exc)) from None
        keep = [(k, v) for k, v in query.multi_items() if k not in ("page", "after", "before")]
        context.update(fields=FINDING_FIELDS, rows=found.rows, total=found.total,
                       page=None if found.first is None else found.first // PAGE_SIZE + 1,
                       first=found.first, pages=max(1, -(-found.total // PAGE_SIZE)),
                       first_link="?" + urlencode(keep),
                       next_link=found.next_cursor and "?" + urlencode([*keep, ("after", found.next_cursor)]),
                       prev_link=found.prev_cursor and "?" + urlencode([*keep, ("before", found.prev_cursor)]),
                       rules=views.rules_by_id(), chosen_rules=rules,
                       severities=SEVERITY_ZH, chosen_severities=severities, statuses=STATUS_ZH,
                       chosen_statuses=statuses, sortable=set(SORTABLE))
        return render(request, "findings.html", context)
    if kind == "publications":
        return _publications(request, period, context, page, sort, desc, after, before)
    try:
        tables = BUILDERS[kind](state.store, state.config, period)
    except NoCheckRun as exc:
        return render(request, "empty.html", {"actor": actor, "message": str(exc)})
    if not actor.sees_all:
        tables = own_unit_only(tables, actor.unit or "", set(views.unit_ids(state.store)))
    context["tables"] = _sorted([t for t in tables if t.in_csv], sort, desc)
    return render(request, "table.html", context)


def _sorted(tables: list[Table], sort: str | None, desc: bool) -> list[Table]:
    if sort:
        if not any(f.key == sort for t in tables for f in t.fields):
            raise HTTPException(400, "不能按该列排序")
        for t in tables:
            if any(f.key == sort for f in t.fields):
                t.rows = sorted(t.rows, key=lambda r: sort_key(r.get(sort)), reverse=desc)
    return tables


def _publications(request: Request, period: Period, context: dict[str, Any], page: int,
                  sort: str | None, desc: bool, after: str | None, before: str | None) -> Response:
    """附件1: the per-unit figures (kept between requests), and the 信息明细 a page at a time, filtered by 栏目 and
    是否计入 among known values only; a 单位 account (or a unit chosen) sees that unit's figures and rows alone."""
    state = settings(request)
    query = request.query_params
    pubs, counted_at = publications_pages.figures(state.store, period)
    figures = [t for t in publications.tables(pubs, items=[], item_count=0) if t.key != "items"]
    if period.units:  # a 单位 account, or a unit chosen: that unit's rows, ranked among all
        figures = own_unit_only(figures, period.units[0], set(views.unit_ids(state.store)))
    known_columns = publications_pages.column_names(pubs, period.units)
    columns = _choices(query.getlist("column"), set(known_columns), "栏目")
    fates = _choices(query.getlist("counted"), set(publications_pages.FATES), "是否计入")
    order = query.get("item_sort") or None
    if order is not None and order not in publications_pages.ITEM_ORDERS:
        raise HTTPException(400, "不能按该列排序")
    try:
        found = publications_pages.items_page(state.store, period, period.units, columns=columns, fates=fates,
                                              limit=PAGE_SIZE, page=max(1, page), after=after or None,
                                              before=before or None, order=order,
                                              descending=query.get("item_desc") in ("1", "true"))
    except (BadCursor, publications_pages.NeedsOneUnit) as exc:
        raise HTTPException(400, str(exc)) from None
    keep = [(k, v) for k, v in query.multi_items() if k not in ("page", "after", "before")]
    number = found.first // PAGE_SIZE + 1 if found.first else 1
    if order is not None:  # one unit's rows sorted: pages by number
        next_link = "?" + urlencode([*keep, ("page", number + 1)]) if found.first + PAGE_SIZE < found.total else None
        prev_link = "?" + urlencode([*keep, ("page", number - 1)]) if number > 1 else None
    else:
        next_link = found.next_cursor and "?" + urlencode([*keep, ("after", found.next_cursor)])
        prev_link = found.prev_cursor and "?" + urlencode([*keep, ("before", found.prev_cursor)])
    context.update(tables=_sorted(figures, sort, desc), item_fields=publications.ITEM_FIELDS, rows=found.rows,
                   total=found.total, first=found.first, page=number, pages=max(1, -(-found.total // PAGE_SIZE)),
                   first_link="?" + urlencode(keep), next_link=next_link, prev_link=prev_link,
                   item_orders=publications_pages.ITEM_ORDERS if len(period.units or ()) == 1 else (),
                   columns=known_columns, chosen_columns=columns, fates=publications_pages.FATES,
                   chosen_fates=fates, counted_at=counted_at)
    return render(request, "publications.html", context)


def own_unit_only(tables: list[Table], unit: str, units: set[str]) -> list[Table]:
    """A 单位 account's view of a table that lists every unit: its own rows (by 单位, or the summary's 检查对象),
    no column of another unit or of the whole site (the summary's 分指标结论), no totals and no chart."""
    scoped = []
    for t in tables:
        if any(f.key in ("unit", "target") for f in t.fields):
            rows = [r for r in t.rows if (r.get("unit") if "unit" in r else r.get("key")) == unit]
            scoped.append(Table(t.key, t.title, t.fields, rows, [], t.in_csv))
        else:
            others = units - {unit} | {SITE}
            scoped.append(Table(t.key, t.title, [f for f in t.fields if f.key not in others], t.rows, [], t.in_csv))
    return scoped


@router.get("/exports/{kind}.{fmt}")
def download(request: Request, kind: str, fmt: str, actor: SignedIn, unit: str | None = None,
             date_from: str | None = None, date_to: str | None = None) -> Response:
    """The CLI's export itself (`portalcheck export KIND --format F [--unit U] [--from --to]`), written to a
    scratch folder and sent: a download is byte for byte what the command writes for the same moment."""
    if kind not in TABLE_KINDS or fmt not in FORMATS:
        raise HTTPException(404, "没有这种导出")
    if not actor.can_export:
        raise HTTPException(403, "您的账号不能导出。")
    period = _period(request, actor, unit, date_from, date_to)
    state = settings(request)
    folder = Path(tempfile.mkdtemp(prefix="portalcheck-web-"))
    name = f"{FILE_NAMES[kind]}_{period.date_from:%Y%m%d}-{period.date_to:%Y%m%d}.{fmt}"
    try:
        if actor.sees_all or kind in UNIT_SCOPED:
            path = export(state.config, kind, folder / name, fmt=fmt, period=period)
        else:  # a table of every unit: the export's own tables and writer, cut to the account's unit
            tables = own_unit_only(BUILDERS[kind](state.store, state.config, period), actor.unit or "",
                                   set(views.unit_ids(state.store)))
            path = write_tables(folder / name, fmt, kind, {"period": period.as_dict()}, tables)
    except NoCheckRun as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise HTTPException(404, str(exc)) from None
    users.audit(state.store, actor.name, "export", client_address(request),
                f"{kind}.{fmt} {period.as_dict()}")
    return FileResponse(path, filename=name, background=BackgroundTask(shutil.rmtree, folder, True))


@router.post("/units/{unit_id}/recheck", response_class=HTMLResponse)
def queue_recheck(request: Request, unit_id: int, actor: SignedIn) -> Response:
    from portalcheck.service import recheck

    name = _unit_for(actor, request, unit_id)
    if not actor.can_recheck:
        raise HTTPException(403, "只有督查账号可以发起复查。")
    state = settings(request)
    request_id = recheck.queue_recheck(state.store, state.config, name)
    users.audit(state.store, actor.name, "recheck", client_address(request), f"{name} request {request_id}")
    if state.work_rechecks:
        _work_queue(request)
    if not request.headers.get("hx-request"):
        return RedirectResponse(f"/units/{unit_id}", status_code=303)
    return render(request, "_recheck.html", {"r": views.recheck(state.store, request_id), "unit_id": unit_id})


@router.get("/rechecks/{request_id}", response_class=HTMLResponse)
def recheck_progress(request: Request, request_id: int, actor: SignedIn) -> Response:
    state = settings(request)
    r = views.recheck(state.store, request_id)
    if r is None or not actor.may_see(r["unit"]):
        raise HTTPException(404, "没有这个复查请求，或您无权查看。")
    unit_id = views.unit_ids(state.store).get(r["unit"])
    return render(request, "_recheck.html", {"r": r, "unit_id": unit_id})


_WORKER_LOCK = threading.Lock()


def _work_queue(request: Request) -> None:
    """`portalcheck serve --work-rechecks`: this process runs the queue (the scheduler's own code) in a thread."""
    state = settings(request)
    if not _WORKER_LOCK.acquire(blocking=False):
        return  # a worker is already going through the queue; it picks the new request up too

    def work() -> None:
        from portalcheck.service.crawls import Runtime
        from portalcheck.service.recheck import process_queue

        held = True
        while held:
            try:
                while process_queue(Runtime(state.config, state.store)):
                    pass
            finally:
                _WORKER_LOCK.release()
            # a request queued while the last poll found none would wait for nobody: look once more
            held = views.pending_rechecks(state.store) > 0 and _WORKER_LOCK.acquire(blocking=False)

    threading.Thread(target=work, name="recheck-queue", daemon=True).start()
