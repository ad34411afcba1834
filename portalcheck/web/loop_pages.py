"""The 整改 loop's actions (issue #17): a 单位 user answers its own unit's findings (with an optional attachment);
a 督查 issues a notice, confirms 销号, accepts or rejects an appeal. Every POST carries the CSRF token (the app's
guard), is checked for the role here and audited by the service; a finding of another unit answers 404."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response

from portalcheck.service import rectification as loop
from portalcheck.web import views
from portalcheck.web.common import SignedIn, client_address, settings
from portalcheck.web.loop_views import attachment

router = APIRouter()


def _inspector(actor: SignedIn) -> None:
    if actor.role != "inspector":
        raise HTTPException(403, "只有督查账号可以这样做。")


def _back(finding_id: int) -> Response:
    return RedirectResponse(f"/findings/{finding_id}#loop", status_code=303)


@router.post("/findings/{finding_id}/answer")
async def answer(request: Request, finding_id: int, actor: SignedIn, kind: Annotated[str, Form()] = "",
                 text: Annotated[str, Form()] = "", file: Annotated[UploadFile | None, File()] = None) -> Response:
    if actor.role != "unit" or not actor.unit:
        raise HTTPException(403, "只有单位账号可以答复本单位的问题。")
    state = settings(request)
    upload = None
    if file is not None and file.filename:
        limit = int(state.config.rectification.max_attachment_mb * 1024 * 1024)
        data = await file.read(limit + 1)  # never more than the limit and one byte in memory
        upload = loop.Upload(data, file.filename, file.content_type)
    try:
        loop.answer(state.store, state.config, actor.name, actor.unit, finding_id, kind, text, upload,
                    address=client_address(request))
    except loop.NotYours:
        raise HTTPException(404, "没有这个问题，或您无权处理。") from None
    except loop.LoopError as exc:
        raise HTTPException(400, str(exc)) from None
    if state.work_rechecks and kind == loop.FIXED:
        from portalcheck.web.pages import _work_queue

        _work_queue(request)
    return _back(finding_id)


@router.post("/findings/{finding_id}/close")
def close(request: Request, finding_id: int, actor: SignedIn) -> Response:
    _inspector(actor)
    _act(lambda: loop.confirm_close(settings(request).store, actor.name, finding_id,
                                    address=client_address(request)))
    return _back(finding_id)


@router.post("/findings/{finding_id}/appeal")
def decide_appeal(request: Request, finding_id: int, actor: SignedIn, decision: Annotated[str, Form()] = "",
                  reason: Annotated[str, Form()] = "") -> Response:
    _inspector(actor)
    store, address = settings(request).store, client_address(request)
    if decision == "accept":
        _act(lambda: loop.accept_appeal(store, actor.name, finding_id, reason, address=address))
    elif decision == "reject":
        _act(lambda: loop.reject_appeal(store, actor.name, finding_id, reason, address=address))
    else:
        raise HTTPException(400, "未知的处理方式")
    return _back(finding_id)


def _act(step) -> None:  # type: ignore[no-untyped-def]
    try:
        step()
    except loop.NotYours:
        raise HTTPException(404, "没有这个问题。") from None
    except loop.LoopError as exc:
        raise HTTPException(400, str(exc)) from None


@router.post("/notices")
def issue(request: Request, actor: SignedIn, deadline: Annotated[str, Form()] = "") -> Response:
    _inspector(actor)
    state = settings(request)
    try:
        due = date.fromisoformat(deadline) if deadline else None
    except ValueError:
        raise HTTPException(400, "整改期限应为 2026-06-19 这样的日期") from None
    try:
        loop.issue_notice(state.store, state.config, actor.name, due, address=client_address(request))
    except loop.LoopError as exc:
        raise HTTPException(400, str(exc)) from None
    return RedirectResponse("/#notices", status_code=303)


@router.get("/answers/{answer_id}/attachment")
def download_attachment(request: Request, answer_id: int, actor: SignedIn) -> Response:
    state = settings(request)
    found = attachment(state.store, answer_id)
    if found is None or not found[0].attachment_path:
        raise HTTPException(404, "没有这个附件，或您无权查看。")
    entry, unit_id = found
    unit = next((name for name, uid in views.unit_ids(state.store).items() if uid == unit_id), None)
    if not actor.may_see(unit):
        raise HTTPException(404, "没有这个附件，或您无权查看。")
    folder = loop.attachments_dir(state.config).resolve()
    path = (folder / entry.attachment_path).resolve()
    if not path.is_relative_to(folder) or not path.is_file():
        raise HTTPException(404, "附件文件已不在。")
    return FileResponse(path, filename=entry.attachment_name or path.name,
                        media_type=entry.attachment_type or "application/octet-stream",
                        content_disposition_type="attachment")
