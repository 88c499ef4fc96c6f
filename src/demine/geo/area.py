"""Areas in square metres on the WGS84 ellipsoid, vectorised, consistent with lon/lat geometry.

demine cuts polygons (clipping, release, remaining land) with shapely in longitude/latitude, where
an edge is a straight line in (lon, lat). So areas are measured for exactly those edges: by Green's
theorem on the ellipsoid, area = (a^2 / 2) |∮ q(φ) dλ|, where q is the authalic-latitude function
(Snyder 1987, "Map projections: a working manual", eq. 3-12; its derivative is 2 M N cos φ / a^2).
Along an edge straight in (λ, φ), the integral is taken by 2-point Gauss-Legendre quadrature
(exact for cubics; an edge spans at most a few tenths of a degree of latitude here),
all edges of all rings at once with numpy. Pieces of a polygon therefore add up to the whole to
within rounding, which land-release accounting relies on.

For polygons of hazard-area size this agrees with the geodesic area (edges as geodesics,
`pyproj.Geod`) within a few 1e-5; the difference grows with size and latitude (about
L tan φ / 12 R for a polygon of size L), so polygons where that could pass 4e-4, and those near the
poles, are measured with `pyproj.Geod` instead: within 0.1 % of the geodesic area anywhere.
Pieces of a polygon are measured the way the polygon itself is (`measure_like`), so the choice
never splits one hazard area's books: they balance to rounding for every polygon measured along
its lon/lat edges, and to about 1e-4 for the rare giant or polar one measured geodesically (its
pieces are cut along lon/lat lines, not geodesics).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import Geod

WGS84 = Geod(ellps="WGS84")
A = 6_378_137.0
F = 1 / 298.257223563
E2 = F * (2 - F)
E = np.sqrt(E2)
EARTH_RADIUS = 6_371_008.8
GEODESIC_FROM_M = 30_000.0
"""Polygons whose size times max(1, tan|lat|) exceeds this (metres) are measured with Geod."""
POLAR_LAT = 85.0
_GAUSS_T = np.array([0.5 - np.sqrt(3) / 6, 0.5 + np.sqrt(3) / 6])
_GAUSS_W = np.array([0.5, 0.5])


def _q(sin_phi: NDArray[np.float64]) -> NDArray[np.float64]:
    """Snyder's q(φ), the authalic latitude function (eq. 3-12)."""
    es = E * sin_phi
    return (1 - E2) * (sin_phi / (1 - E2 * sin_phi**2) - np.log((1 - es) / (1 + es)) / (2 * E))


def _ring_areas(
    coords: NDArray[np.float64], ring: NDArray[np.int64], count: int, lat0: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Unsigned area (m2) of each closed ring whose edges are straight in lon/lat.

    `lat0` (per coordinate) is subtracted inside q for precision; it drops out of a closed ring.
    """
    lam = np.radians(coords[:, 0])
    phi = np.radians(coords[:, 1])
    same = ring[:-1] == ring[1:]
    lam1, lam2 = lam[:-1][same], lam[1:][same]
    phi1, phi2 = phi[:-1][same], phi[1:][same]
    q0 = _q(np.sin(np.radians(lat0[:-1][same])))
    mean_q = np.zeros(len(phi1))
    for t, w in zip(_GAUSS_T, _GAUSS_W, strict=True):
        mean_q += w * (_q(np.sin(phi1 + t * (phi2 - phi1))) - q0)
    integral = np.bincount(ring[:-1][same], weights=(lam2 - lam1) * mean_q, minlength=count)
    return np.abs(integral) * A**2 / 2


def lonlat_area(geoms: NDArray[np.object_]) -> NDArray[np.float64]:
    """Areas of (multi)polygons with lon/lat-straight edges; shells count, holes subtract."""
    bounds = shapely.bounds(geoms)
    lat0 = (bounds[:, 1] + bounds[:, 3]) / 2
    out = np.zeros(len(geoms), dtype=np.float64)
    # plain polygons without holes: one closed ring each, no need to take them apart
    plain = (shapely.get_type_id(geoms) == 3) & (shapely.get_num_interior_rings(geoms) == 0)
    if plain.any():
        coords, owner = shapely.get_coordinates(geoms[plain], return_index=True)
        local = np.flatnonzero(plain)[owner]
        out[plain] = _ring_areas(coords, owner, int(plain.sum()), lat0[local])
    rest = np.flatnonzero(~plain)
    if len(rest):
        parts, part_geom = shapely.get_parts(geoms[rest], return_index=True)
        rings, ring_part = shapely.get_rings(parts, return_index=True)
        coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
        owner = rest[part_geom[ring_part[coord_ring]]]
        ring_area = _ring_areas(coords, coord_ring, len(rings), lat0[owner])
        shell = np.ones(len(rings), dtype=bool)
        shell[1:] = ring_part[1:] != ring_part[:-1]
        signed = np.where(shell, ring_area, -ring_area)
        out[rest] = np.bincount(part_geom[ring_part], weights=signed, minlength=len(rest))
    return out


def geodesic_area_one(geom: shapely.Geometry) -> float:
    """Geodesic area of one geometry with pyproj.Geod (counter-clockwise shells, holes removed)."""
    if geom is None or shapely.is_empty(geom):
        return 0.0
    oriented = shapely.orient_polygons(geom)
    area, _ = WGS84.geometry_area_perimeter(oriented)
    return abs(float(area))


def needs_geodesic(bounds: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Polygons too large, or too near a pole, for lon/lat-edge areas to stay within 0.1 %."""
    lat_mid = np.radians((bounds[:, 1] + bounds[:, 3]) / 2)
    height = np.radians(bounds[:, 3] - bounds[:, 1]) * EARTH_RADIUS
    width = np.radians(bounds[:, 2] - bounds[:, 0]) * EARTH_RADIUS * np.cos(lat_mid)
    size = np.maximum(height, width) * np.maximum(1.0, np.abs(np.tan(lat_mid)))
    polar = (np.abs(bounds[:, 1]) > POLAR_LAT) | (np.abs(bounds[:, 3]) > POLAR_LAT)
    return (size > GEODESIC_FROM_M) | polar


def area_m2(
    geoms: NDArray[np.object_] | list[shapely.Geometry], geodesic: bool | None = None
) -> NDArray[np.float64]:
    """Area in m2 of each lon/lat geometry (None, empty and non-areal geometries measure 0).

    `geodesic` forces the method (True: pyproj.Geod, False: lon/lat edges); None picks per
    geometry by size and latitude.
    """
    arr = np.asarray(geoms, dtype=object)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    collections = shapely.get_type_id(arr) == 7
    if collections.any():
        arr = arr.copy()
        arr[collections] = [_areal_parts(g) for g in arr[collections]]
    out = np.zeros(len(arr), dtype=np.float64)
    areal = np.isin(shapely.get_type_id(arr), (3, 6)) & ~shapely.is_empty(arr)
    if not areal.any():
        return out
    idx = np.flatnonzero(areal)
    if geodesic is None:
        large = needs_geodesic(shapely.bounds(arr[idx]))
    else:
        large = np.full(len(idx), geodesic)
    for i in idx[large]:
        out[i] = geodesic_area_one(arr[i])
    small = idx[~large]
    if len(small):
        out[small] = lonlat_area(arr[small])
    return out


def _areal_parts(collection: shapely.Geometry) -> shapely.Geometry:
    """The polygons of a geometry collection (an overlay may yield lines and points too)."""
    polygons = [p for part in shapely.get_parts(collection)
                for p in shapely.get_parts(part) if p.geom_type == "Polygon"]
    return shapely.multipolygons(polygons) if polygons else shapely.MultiPolygon()


def measure_like(
    reference: shapely.Geometry,
) -> Callable[[list[shapely.Geometry]], NDArray[np.float64]]:
    """An area function for pieces of `reference` that measures them as it is measured."""
    geodesic = bool(needs_geodesic(np.asarray([shapely.bounds(reference)]))[0])
    return lambda pieces: area_m2(pieces, geodesic)


def area_like(
    pieces: NDArray[np.object_], references: NDArray[np.object_]
) -> NDArray[np.float64]:
    """Area in m2 of each piece, measured the way its reference (its hazard) is measured."""
    pieces = np.asarray(pieces, dtype=object)
    geodesic = needs_geodesic(shapely.bounds(np.asarray(references, dtype=object)))
    out = np.zeros(len(pieces), dtype=np.float64)
    for flag in (False, True):
        chosen = geodesic == flag
        if chosen.any():
            out[chosen] = area_m2(pieces[chosen], flag)
    return out


def area_one_m2(geom: shapely.Geometry | None) -> float:
    """Area in m2 of a single lon/lat geometry."""
    return float(area_m2([geom])[0])
