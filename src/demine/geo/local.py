"""Measuring in metres around a place: the ellipsoid's radii of curvature, geometries drawn on
the plane tangent there, and pairwise comparisons made in it.

Over a hazard area or a few kilometres this is within about 1e-4 of the geodesic figure, and it
is vectorised over whole arrays, which pyproj's per-geometry transforms are not.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

from demine.geo.area import E2, A


def intersections(a: NDArray[np.object_], b: NDArray[np.object_]) -> NDArray[np.object_]:
    """Pairwise intersections; a pair GEOS's floating overlay fails on is cut on a 0.1 mm grid."""
    try:
        return np.asarray(shapely.intersection(a, b))
    except shapely.errors.GEOSException:
        out = np.empty(len(a), dtype=object)
        for k, (x, y) in enumerate(zip(a, b, strict=True)):
            try:
                out[k] = shapely.intersection(x, y)
            except shapely.errors.GEOSException:
                out[k] = shapely.intersection(x, y, grid_size=1e-9)
        return out


def radii(lat: NDArray[np.float64] | float) -> tuple[Any, Any]:
    """Metres per radian of longitude and of latitude at `lat` (degrees) on the ellipsoid."""
    phi = np.radians(lat)
    w = 1 - E2 * np.sin(phi) ** 2
    return A / np.sqrt(w) * np.cos(phi), A * (1 - E2) / w**1.5


def bounds_apart_m(a: NDArray[np.object_], b: NDArray[np.object_]) -> NDArray[np.float64]:
    """Largest gap (m) between the bounds of `a` and `b`: a lower bound of their Hausdorff
    distance, so that pairs plainly beyond the tolerance are not measured."""
    ba, bb = shapely.bounds(a), shapely.bounds(b)
    per_lon, per_lat = radii((ba[:, 1] + ba[:, 3]) / 2)
    gaps = np.radians(np.abs(ba - bb)) * np.column_stack([per_lon, per_lat, per_lon, per_lat])
    return np.asarray(gaps.max(axis=1)) if len(gaps) else np.zeros(0)


def hausdorff_m(a: NDArray[np.object_], b: NDArray[np.object_]) -> NDArray[np.float64]:
    """Hausdorff distance (m; GEOS's, from the vertices) of each pair, both drawn in metres
    on the plane tangent at the first one's centre (to about 1e-4 over a hazard area)."""
    bounds = shapely.bounds(a)
    lon0, lat0 = (bounds[:, 0] + bounds[:, 2]) / 2, (bounds[:, 1] + bounds[:, 3]) / 2
    return np.asarray(shapely.hausdorff_distance(local_metres(a, lon0, lat0),
                                                 local_metres(b, lon0, lat0)))


def local_metres(
    geoms: NDArray[np.object_], lon0: NDArray[np.float64], lat0: NDArray[np.float64]
) -> NDArray[np.object_]:
    """Each geometry in metres east and north of its own origin (lon0, lat0)."""
    out = np.array(geoms, dtype=object, copy=True)
    coords, owner = shapely.get_coordinates(out, return_index=True)
    per_lon, per_lat = radii(lat0[owner])
    metres = np.column_stack([np.radians(coords[:, 0] - lon0[owner]) * per_lon,
                              np.radians(coords[:, 1] - lat0[owner]) * per_lat])
    return np.asarray(shapely.set_coordinates(out, metres))
