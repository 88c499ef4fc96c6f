"""The reports to download (a login needed): the progress report, the accidents report and a
closed hazard area's handover certificate, as HTML or PDF, made by `demine.report` as the
command line makes them. Victims' names and dates of birth reach admin and qa only, and asking
for them is recorded in the audit log."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from demine.api.auth import READ_ROLES, require
from demine.model.vocab import Role
from demine.report import ReportRequest, make_report
from demine.report.output import PrinterMissing
from demine.stats.landrelease import Period
from demine.store.hazards import UnknownRecord
from demine.web.pages import login_redirect

router = APIRouter()
PERSONAL_ROLES = frozenset({Role.ADMIN, Role.QA})
"""Who may see victims' names and dates of birth (as in the registry API)."""
MEDIA = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}


def _day(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise HTTPException(400, f"{name} {value!r} is not a date (expected YYYY-MM-DD)") \
            from None


def _period(start: str | None, end: str | None) -> Period:
    try:
        return Period(_day(start, "from"), _day(end, "to"))
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None


def _send(request: Request, wanted: ReportRequest, fmt: str, filename: str) -> Response:
    if (redirect := login_redirect(request)) is not None:
        return redirect
    user = require(request.state.user, READ_ROLES)
    if fmt not in MEDIA:
        raise HTTPException(400, f"format must be html or pdf (got {fmt!r})")
    if wanted.personal and user.role not in PERSONAL_ROLES:
        raise HTTPException(403, "victims' names and dates of birth are for the admin and qa "
                                 f"roles only (not {user.role.value})")
    try:
        data = make_report(request.app.state.store, wanted, fmt, user.actor)
    except UnknownRecord as exc:
        raise HTTPException(404, str(exc)) from None
    except PrinterMissing as exc:
        raise HTTPException(503, str(exc)) from None
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None
    disposition = "attachment" if fmt == "pdf" else "inline"
    return Response(data, media_type=MEDIA[fmt], headers={
        "Content-Disposition": f'{disposition}; filename="{filename}.{fmt}"',
        "Cache-Control": "no-store"})


def _name(kind: str, period: Period, admin: str | None) -> str:
    span = period.as_dict()
    parts = [kind, span["from"] or "start", span["to"] or "end"]
    if admin:
        parts.append("".join(c if c.isalnum() or c in "-_" else "_" for c in admin))
    return "-".join(parts)


@router.get("/reports/progress", summary="The land-release progress report (HTML or PDF)")
def progress_report(
    request: Request, format: str = "html",
    start: str | None = Query(None, alias="from"), end: str | None = Query(None, alias="to"),
    admin: str | None = None,
) -> Response:
    period = _period(start, end)
    admin = admin or None
    return _send(request, ReportRequest("progress", period, admin=admin), format,
                 _name("progress", period, admin))


@router.get("/reports/accidents", summary="The accidents and victims report (HTML or PDF)")
def accidents_report(
    request: Request, format: str = "html",
    start: str | None = Query(None, alias="from"), end: str | None = Query(None, alias="to"),
    admin: str | None = None, personal: bool = False,
) -> Response:
    period = _period(start, end)
    admin = admin or None
    personal = personal or any(  # the command line's spelling works too
        request.query_params.get(k, "").lower() in ("1", "true", "yes", "on")
        for k in ("include_personal", "include-personal"))
    return _send(request, ReportRequest("accidents", period, admin=admin, personal=personal),
                 format, _name("accidents", period, admin))


@router.get("/reports/handover/{code}", summary="A closed hazard area's handover certificate")
def handover_report(request: Request, code: str, format: str = "html") -> Response:
    return _send(request, ReportRequest("handover", hazard=code), format, f"handover-{code}")
