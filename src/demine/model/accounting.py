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
    return ClippedRelease(kept, kept_m2, inside_m2, outside_m2, overlap_m2)


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


def remaining_area_m2(
    hazard: shapely.Geometry, remaining: shapely.Geometry, measure: Measure
) -> float:
    """Area of the land that remains; slivers left by cutting along the same lines count 0.

    A hazard measured geodesically (giant or polar) is cut along lon/lat lines, so a sliver
    with no area in lon/lat can still measure some m2 along geodesics; it is not land.
    """
    if shapely.is_empty(remaining):
        return 0.0
    if shapely.area(remaining) <= SLIVER_RATIO * shapely.area(hazard):
        return 0.0
    return float(measure([remaining])[0])


def hazard_status(touched: bool, remaining_m2: float) -> HazardStatus:
    """Open until worked on; worked_on while land remains; closed when (almost) none remains."""
    if not touched:
        return HazardStatus.OPEN
    if remaining_m2 <= CLOSE_TOLERANCE_M2:
        return HazardStatus.CLOSED
    return HazardStatus.WORKED_ON
