"""The dashboard page and its figures as JSON (both need a login).

The figures come from `demine.stats.dashboard`, the one place they are computed; the page's
script only draws them.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from demine.api.auth import READ_ROLES, require
from demine.stats.dashboard import dashboard
from demine.web.pages import login_redirect, render

router = APIRouter()


@router.get("/dashboard", include_in_schema=False)
def dashboard_page(request: Request) -> Response:
    if (redirect := login_redirect(request)) is not None:
        return redirect
    return render(request, "dashboard.html")


@router.get("/dashboard/data", summary="The dashboard's figures")
def dashboard_data(request: Request) -> JSONResponse:
    """Land released by method per month, remaining land by admin unit, finds, accidents."""
    require(request.state.user, READ_ROLES)
    with request.app.state.store.read() as conn:
        return JSONResponse(dashboard(conn))
