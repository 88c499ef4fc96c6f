"""The plan page: the clearance plan as a Gantt chart, a map of when each hazard area's planned
clearance ends, and the completion forecast's curves and dates (needs a login).

Nothing is computed here: the page's script reads the planned tasks and the hazard areas from
the OGC API, and the last forecast from /plan/forecast, and draws them.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from demine.web import assets
from demine.web.pages import login_redirect, render

router = APIRouter()


@router.get("/plan", include_in_schema=False)
def plan_page(request: Request, basemap: str | None = None) -> Response:
    """`basemap=off` hides a configured basemap, as on the map page."""
    if (redirect := login_redirect(request)) is not None:
        return redirect
    config = {
        "basemap": (assets.BASEMAP_URL if assets.basemap_file() is not None
                    and basemap != "off" else None),
        "vendored": assets.vendored(),
    }
    return render(request, "plan.html", config=config, vendored=config["vendored"])
