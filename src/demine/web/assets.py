"""Files the browser loads: this package's scripts and styles, MapLibre GL, a PMTiles basemap.

Nothing comes from a CDN: `npm ci` installs the browser libraries pinned in package-lock.json and
the set-up (`make web`, part of `make run` and `make test`) copies their distribution files into
static/vendor/, which the app serves at /static/vendor/. An optional basemap is one local PMTiles
file named by $DEMINE_BASEMAP, served at /basemap.pmtiles with byte ranges (the PMTiles reader
asks for a header, then directories and tiles, by range).
"""

from __future__ import annotations

import mimetypes
import os
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).with_name("static")
VENDOR = STATIC / "vendor"
MAPLIBRE = VENDOR / "maplibre-gl" / "maplibre-gl.mjs"
BASEMAP_URL = "/basemap.pmtiles"
BASEMAP_ENV = "DEMINE_BASEMAP"

mimetypes.add_type("text/javascript", ".mjs")  # module scripts must be served as JavaScript

router = APIRouter()
router.mount("/static", StaticFiles(directory=STATIC), name="static")


def vendored() -> bool:
    """Whether the set-up has put MapLibre GL in place (a missing copy is said on the map page)."""
    return MAPLIBRE.is_file()


def basemap_file() -> Path | None:
    """The PMTiles basemap named by $DEMINE_BASEMAP, when that names a readable file."""
    name = os.environ.get(BASEMAP_ENV)
    if not name:
        return None
    path = Path(name).expanduser()
    return path if path.is_file() else None


@router.get(BASEMAP_URL, include_in_schema=False)
def basemap() -> FileResponse:
    path = basemap_file()
    if path is None:
        raise HTTPException(404, f"no basemap: set {BASEMAP_ENV} to a .pmtiles file")
    return FileResponse(path, media_type="application/vnd.pmtiles")
