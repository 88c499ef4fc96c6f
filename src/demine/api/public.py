"""The public safety endpoint: hazard areas near a point, for risk-education apps and SMS.

No login and no personal data: codes, names, classification, status and distance only. Distances
are measured in a local tangent plane at the asked point, scaled by the WGS84 ellipsoid's radii of
curvature there, which is within 0.1 % of the geodesic distance over the 50 km the endpoint
allows.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Connection, func, select, text, type_coerce

from demine.store.schema import hazard_areas
from demine.store.types import RawGeometry, decode_geometries

A, F = 6378137.0, 1 / 298.257223563
E2 = F * (2 - F)
MAX_RADIUS_M = 50_000.0

router = APIRouter()


def radii(lat: float) -> tuple[float, float]:
    """Metres per radian north (meridian) and east (prime vertical times cos lat) at `lat`."""
    s = math.sin(math.radians(lat))
    w = math.sqrt(1 - E2 * s * s)
    meridian = A * (1 - E2) / w**3
    normal = A / w
    return meridian, normal * math.cos(math.radians(lat))


def nearby(conn: Connection, lon: float, lat: float, radius_m: float) -> list[dict[str, Any]]:
    """Hazard areas not yet closed within `radius_m` of a point, nearest first."""
    north, east = radii(lat)
    dlat = math.degrees(radius_m / north)
    dlon = math.degrees(radius_m / max(east, 1e-6))
    minx, miny, maxx, maxy = lon - dlon, lat - dlat, lon + dlon, lat + dlat
    cols = [hazard_areas.c.code, hazard_areas.c.name, hazard_areas.c.classification,
            hazard_areas.c.status, type_coerce(hazard_areas.c.geom, RawGeometry())]
    stmt = select(*cols).where(hazard_areas.c.status != "closed")
    if conn.dialect.name == "sqlite":
        stmt = stmt.where(hazard_areas.c.fid.in_(text(
            'SELECT id FROM "rtree_hazard_areas_geom" WHERE minx <= :maxx AND maxx >= :minx '
            "AND miny <= :maxy AND maxy >= :miny").bindparams(
                minx=minx, miny=miny, maxx=maxx, maxy=maxy)))
    else:
        stmt = stmt.where(hazard_areas.c.geom.op("&&")(
            func.ST_MakeEnvelope(minx, miny, maxx, maxy, 4326)))
    rows = conn.execute(stmt).all()
    if not rows:
        return []
    shapes = decode_geometries(conn.dialect.name, [r[4] for r in rows])
    k_lon, k_lat = math.radians(1) * east, math.radians(1) * north
    local = shapely.transform(shapes, lambda xy: np.column_stack(
        [(xy[:, 0] - lon) * k_lon, (xy[:, 1] - lat) * k_lat]))
    distance = shapely.distance(local, shapely.Point(0, 0))
    found = [
        {"code": r[0], "name": r[1], "classification": r[2], "status": r[3],
         "distance_m": round(float(d), 1)}
        for r, d in zip(rows, distance, strict=True) if d <= radius_m
    ]
    found.sort(key=lambda h: (h["distance_m"], h["code"]))
    return found


@router.get("/public/nearby", summary="Hazard areas near a point (public, no login)")
def public_nearby(
    request: Request,
    lon: float = Query(..., ge=-180, le=180, description="Longitude (WGS84)"),
    lat: float = Query(..., ge=-90, le=90, description="Latitude (WGS84)"),
    radius_m: float = Query(1000.0, gt=0, le=MAX_RADIUS_M, description="Search radius, metres"),
) -> JSONResponse:
    if not (math.isfinite(lon) and math.isfinite(lat) and math.isfinite(radius_m)):
        raise HTTPException(422, "lon, lat and radius_m must be finite numbers")
    with request.app.state.store.read() as conn:
        return JSONResponse({"hazards": nearby(conn, lon, lat, radius_m)})
