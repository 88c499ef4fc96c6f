"""Geometry checks that name what is wrong, and the repairs `--repair` may make."""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import NDArray

POLYGONAL = ("Polygon", "MultiPolygon")


def polygon_problem(geom: shapely.Geometry | None) -> str | None:
    """Why `geom` cannot stand as a lon/lat (multi)polygon, or None when it can."""
    if geom is None:
        return "geometry is missing"
    if shapely.is_empty(geom):
        return "geometry is empty"
    if geom.geom_type not in POLYGONAL:
        return f"geometry is a {geom.geom_type}, expected a Polygon or MultiPolygon"
    return coordinate_problem(geom) or validity_problem(geom)


def coordinate_problem(geom: shapely.Geometry) -> str | None:
    """Out-of-range or non-finite longitude/latitude, named with the first offending value."""
    coords = shapely.get_coordinates(geom)
    if not np.isfinite(coords).all():
        return "coordinates are not finite numbers"
    lon, lat = coords[:, 0], coords[:, 1]
    swapped = (np.abs(lon) <= 90).all() and (np.abs(lat) <= 180).all()
    hint = "; longitude and latitude look swapped" if swapped else ""
    bad_lon = np.flatnonzero(np.abs(lon) > 180)
    if len(bad_lon):
        return f"longitude {lon[bad_lon[0]]:g} is out of range [-180, 180]{hint}"
    bad_lat = np.flatnonzero(np.abs(lat) > 90)
    if len(bad_lat):
        return f"latitude {lat[bad_lat[0]]:g} is out of range [-90, 90]{hint}"
    return None


def validity_problem(geom: shapely.Geometry) -> str | None:
    """The OGC validity failure (self-intersection, ring self-intersection, ...) or None."""
    if shapely.is_valid(geom):
        return None
    return f"invalid polygon: {readable_reason(shapely.is_valid_reason(geom))}"


def readable_reason(reason: str) -> str:
    """GEOS's reason with its location spelt out: 'self-intersection at lon 36.2, lat 50.1'."""
    if "[" in reason and reason.endswith("]"):
        what, where = reason[:-1].split("[", 1)
        parts = where.split()
        if len(parts) >= 2:
            return f"{what.strip().lower()} at lon {float(parts[0]):.6f}, lat {float(parts[1]):.6f}"
    return reason.lower()


def polygon_problems(geoms: NDArray[np.object_]) -> list[str | None]:
    """`polygon_problem` for each geometry: vectorised checks, then reasons for the few bad."""
    suspect = (
        shapely.is_missing(geoms)
        | shapely.is_empty(geoms)
        | ~np.isin(shapely.get_type_id(geoms), (3, 6))
    )
    bounds = shapely.bounds(geoms)
    with np.errstate(invalid="ignore"):
        suspect |= ~np.isfinite(bounds).all(axis=1)
        suspect |= (np.abs(bounds[:, [0, 2]]) > 180).any(axis=1)
        suspect |= (np.abs(bounds[:, [1, 3]]) > 90).any(axis=1)
    checked = ~suspect
    checked[checked] = ~shapely.is_valid(geoms[checked])
    suspect |= checked
    out: list[str | None] = [None] * len(geoms)
    for i in np.flatnonzero(suspect):
        out[i] = polygon_problem(geoms[i])
    return out


def repair_polygon(geom: shapely.Geometry) -> tuple[shapely.Geometry, str | None]:
    """A valid polygonal `geom` (make_valid, keeping only areal parts) and what changed."""
    if geom is None or shapely.is_empty(geom) or shapely.is_valid(geom):
        return geom, None
    fixed = shapely.make_valid(geom)
    parts = [p for p in shapely.get_parts(fixed) if p.geom_type in POLYGONAL]
    polygons: list[shapely.Polygon] = []
    for part in parts:
        polygons.extend(shapely.get_parts(part))
    if not polygons:
        return geom, None
    repaired = shapely.multipolygons(polygons) if len(polygons) > 1 else polygons[0]
    reason = readable_reason(shapely.is_valid_reason(geom))
    return repaired, f"repaired {reason} with make_valid into {len(polygons)} polygon(s)"
