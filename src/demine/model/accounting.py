"""Land-release accounting (IMAS 07.11): what is released, what remains, and when an area closes.

Remaining = hazard polygon minus the union of its cancelled, reduced and cleared polygons. Release
polygons of one hazard are clipped to it and may not overlap each other, so that areas add up:
initial = cancelled + reduced + cleared + remaining. Areas are measured by the caller's `measure`
function (geodesic m2), which keeps this module free of I/O and projections.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely

from demine.model.vocab import HazardStatus

Measure = Callable[[list[shapely.Geometry]], "np.ndarray"]
AreaLike = Callable[["np.ndarray", "np.ndarray"], "np.ndarray"]
"""Areas (m2) of pieces, each measured like the hazard given beside it."""

CLOSE_TOLERANCE_M2 = 1.0
"""A hazard area closes when at most this much land (m2) remains: digitising slivers, not land."""
OVERLAP_TOLERANCE_M2 = 1.0
"""Two releases of one hazard overlap when they share more than this (m2); less is trimmed away."""
CLIP_REPORT_M2 = 0.01
"""A release part outside its hazard area is reported when it is larger than this (m2)."""


def polygonal(geom: shapely.Geometry | None) -> shapely.Geometry:
    """Only the areal parts of a geometry (an intersection may also yield lines and points)."""
    if geom is None or shapely.is_empty(geom):
        return shapely.MultiPolygon()
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    polygons = []
    for part in shapely.get_parts(geom):
        if part.geom_type in ("Polygon", "MultiPolygon"):
            polygons.extend(shapely.get_parts(part))
    return shapely.multipolygons(polygons) if polygons else shapely.MultiPolygon()


def polygonal_all(geoms: np.ndarray) -> np.ndarray:
    """`polygonal` over an array, touching only the results that are not already areal."""
    out = np.asarray(geoms, dtype=object).copy()
    other = ~np.isin(shapely.get_type_id(out), (3, 6))
    if other.any():
        out[other] = [polygonal(g) for g in out[other]]
    return out


@dataclass(frozen=True)
class ClippedRelease:
    """A release polygon as accounted: clipped to its hazard, minus negligible overlaps."""

    geometry: shapely.Geometry
    area_m2: float
    inside_m2: float
    """Area inside the hazard before any overlap with earlier releases is taken away."""
    outside_m2: float
    """Area of the part that lay outside the hazard area and was clipped away."""
    overlap_m2: float
    """Area shared with earlier releases of the same hazard."""

    @property
    def wholly_outside(self) -> bool:
        return self.inside_m2 <= CLIP_REPORT_M2

    @property
    def overlaps(self) -> bool:
        return self.overlap_m2 > OVERLAP_TOLERANCE_M2


CONFIRM_GRID_DEG = 1e-9
"""The fixed grid (about 0.1 mm) an apparent overlap of releases is confirmed on."""


def clip_release(
    release: shapely.Geometry,
    hazard: shapely.Geometry,
    earlier: shapely.Geometry | None,
    measure: Measure,
) -> ClippedRelease:
    """Clip `release` to `hazard` and check it against the union of `earlier` releases."""
    inside = polygonal(shapely.intersection(release, hazard))
    outside = polygonal(shapely.difference(release, hazard))
    overlap = shapely.MultiPolygon()
    kept = inside
    if earlier is not None and not shapely.is_empty(earlier):
        overlap = polygonal(shapely.intersection(inside, earlier))
        if not shapely.is_empty(overlap):
            kept = polygonal(shapely.difference(inside, earlier))
    kept_m2, inside_m2, outside_m2, overlap_m2 = (
        float(a) for a in measure([kept, inside, outside, overlap])
    )
    if overlap_m2 > OVERLAP_TOLERANCE_M2 and earlier is not None:
        # GEOS's floating overlay can mistake edges that nearly coincide (as those of adjacent
        # pieces cut from one polygon do) for an overlap: a refusal is confirmed on a fixed grid
        fixed = polygonal(shapely.intersection(inside, earlier, grid_size=CONFIRM_GRID_DEG))
        fixed_m2 = float(measure([fixed])[0])
        if fixed_m2 <= OVERLAP_TOLERANCE_M2:  # a false alarm: keep the grid's answer
            kept = polygonal(shapely.difference(inside, earlier, grid_size=CONFIRM_GRID_DEG))
            overlap, overlap_m2 = fixed, fixed_m2
            kept_m2 = float(measure([kept])[0])
    return ClippedRelease(kept, kept_m2, inside_m2, outside_m2, overlap_m2)


def clip_first_releases(
    releases: np.ndarray, hazards: np.ndarray, area_like: AreaLike
) -> list[ClippedRelease]:
    """`clip_release` for many releases at once, each the first release of its hazard."""
    inside = polygonal_all(shapely.intersection(releases, hazards))
    outside = polygonal_all(shapely.difference(releases, hazards))
    n = len(releases)
    areas = area_like(np.concatenate([inside, outside]), np.concatenate([hazards, hazards]))
    return [ClippedRelease(inside[i], float(areas[i]), float(areas[i]), float(areas[n + i]), 0.0)
            for i in range(n)]


def remaining_geometry(
    hazard: shapely.Geometry, releases: Sequence[shapely.Geometry]
) -> shapely.Geometry:
    """The hazard polygon minus the union of its release polygons."""
    if not releases:
        return hazard
    released = shapely.union_all(np.asarray(releases, dtype=object))
    return polygonal(shapely.difference(hazard, released))


SLIVER_RATIO = 1e-9
"""Remaining land smaller than this share of its hazard, in lon/lat, is a cutting sliver."""


def remaining_areas(
    hazards: np.ndarray, remaining: np.ndarray, area_like: AreaLike
) -> np.ndarray:
    """Area of the land that remains of each hazard; slivers left by cutting count 0.

    A hazard measured geodesically (giant or polar) is cut along lon/lat lines, so a sliver
    with no area in lon/lat can still measure some m2 along geodesics; it is not land.
    """
    measured = np.asarray(area_like(remaining, hazards), dtype=float).copy()
    sliver = shapely.is_empty(remaining) | (
        shapely.area(remaining) <= SLIVER_RATIO * shapely.area(hazards))
    measured[sliver] = 0.0
    return measured


def remaining_area_m2(
    hazard: shapely.Geometry, remaining: shapely.Geometry, measure: Measure
) -> float:
    """`remaining_areas` of one hazard, measured with `measure`."""
    return float(remaining_areas(np.array([hazard], dtype=object),
                                 np.array([remaining], dtype=object),
                                 lambda pieces, _: measure(list(pieces)))[0])


def hazard_status(touched: bool, remaining_m2: float) -> HazardStatus:
    """Open until worked on; worked_on while land remains; closed when (almost) none remains."""
    if not touched:
        return HazardStatus.OPEN
    if remaining_m2 <= CLOSE_TOLERANCE_M2:
        return HazardStatus.CLOSED
    return HazardStatus.WORKED_ON
