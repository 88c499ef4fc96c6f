"""The web map: a server-rendered page whose JavaScript module draws the registry's layers.

The page tells the script which collections the asker may read (so it asks for no layer that
would answer 401), whether a basemap is configured, and which record to focus on, if any.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from demine.web import assets
from demine.web.pages import current_user, render, visible_collections

router = APIRouter()


@router.get("/map", include_in_schema=False)
def web_map(request: Request, focus: str | None = None, basemap: str | None = None) -> Response:
    """`focus` is a hazard area's code to zoom to; `basemap=off` hides a configured basemap."""
    config = {
        "collections": [c.id for c in visible_collections(request)],
        "basemap": (assets.BASEMAP_URL if assets.basemap_file() is not None
                    and basemap != "off" else None),
        "records": current_user(request) is not None,
        "focus": focus,
    }
    return render(request, "map.html", config=config, vendored=assets.vendored())
