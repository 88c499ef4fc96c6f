"""Property tests of land-release accounting (demine.model.accounting).

The conservation law of IMAS 07.11: for one hazard area, whatever releases are accepted,
initial = cancelled + reduced + cleared + remaining. Releases are clipped to the hazard and
trimmed of what earlier releases already took, so they never overlap and the books balance.

Random hazards are star-shaped polygons (valid by construction), possibly with a hole or in
several parts, of hazard-area size (10 m to 5 km radius) anywhere on Earth; releases are random
star polygons about random points of the hazard.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from pyproj import Geod

from demine.geo.area import area_m2, measure_like, needs_geodesic
from demine.model.accounting import (
    CLIP_REPORT_M2,
    CLOSE_TOLERANCE_M2,
    OVERLAP_TOLERANCE_M2,
    ClippedRelease,
    clip_release,
    hazard_status,
    remaining_area_m2,
    remaining_geometry,
)
from demine.model.vocab import HazardStatus, ReleaseMethod
from tests.strategies import anywhere, ring_shapes, star_ring

GEOD = Geod(ellps="WGS84")
PROPERTY = settings(max_examples=150, deadline=None, database=None)
FEW = settings(max_examples=100, deadline=None, database=None)

CONSERVATION_REL = 1e-6
GEODESIC_CONSERVATION_REL = 1e-3
"""Giant or polar hazards are measured along geodesics but cut along lon/lat lines: the two
meanings of an edge part by up to 0.1 % there, and so do the books."""
CONSERVATION_ABS_M2 = 0.01
PLANAR_REL = 1e-9
"""Set-level checks in lon/lat degrees: only floating-point noise is allowed."""
PLANAR_ABS = 1e-15
"""An absolute floor in square degrees (about 1e-5 m2) for the tiniest polygons."""


# --- random hazards and releases -------------------------------------------------------------

hazard_radii = st.floats(1.0, math.log10(5_000.0)).map(lambda e: 10.0**e)


@st.composite
def star_polygon(draw: st.DrawFn, lon: float, lat: float, radius: float,
                 hole: bool = False) -> shapely.Polygon:
    shell = star_ring(lon, lat, radius, draw(ring_shapes(14)))
    holes = []
    if hole:
        hole_radius = radius * draw(st.floats(0.05, 0.3))
        holes.append(star_ring(lon, lat, hole_radius, draw(ring_shapes(14))))
    return shapely.Polygon(shell, holes)


def offset(lon: float, lat: float, azimuth: float, distance: float) -> tuple[float, float]:
    plon, plat, _ = GEOD.fwd(lon, lat, azimuth, distance)
    return lon + (plon - lon + 180.0) % 360.0 - 180.0, plat


def acceptable(geom: shapely.Geometry) -> bool:
    bounds = shapely.bounds(geom)
    return bool(shapely.is_valid(geom)) and bounds[0] >= -180.0 and bounds[2] <= 180.0


@st.composite
def hazards(draw: st.DrawFn) -> tuple[shapely.Geometry, float, float, float]:
    """A hazard polygon (plain, with a hole, or 2-3 parts), its centre and its radius."""
    lon, lat = draw(anywhere)
    radius = draw(hazard_radii)
    kind = draw(st.sampled_from(["plain", "hole", "parts"]))
    if kind == "parts":
        k = draw(st.integers(2, 3))
        rotation = draw(st.floats(0.0, 360.0))
        parts = []
        for i in range(k):
            plon, plat = offset(lon, lat, rotation + i * 360.0 / k, 1.25 * radius)
            parts.append(draw(star_polygon(plon, plat, radius * draw(st.floats(0.3, 0.5)),
                                           hole=draw(st.booleans()))))
        hazard: shapely.Geometry = shapely.MultiPolygon(parts)
    else:
        hazard = draw(star_polygon(lon, lat, radius, hole=kind == "hole"))
    assume(acceptable(hazard))
    return hazard, lon, lat, radius


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[shapely.Geometry, list[tuple[shapely.Polygon, str]]]:
    """A hazard and a sequence of release polygons about it, each with a release method."""
    hazard, lon, lat, radius = draw(hazards())
    releases = []
    for _ in range(draw(st.integers(1, 8))):
        clon, clat = offset(lon, lat, draw(st.floats(0.0, 360.0)),
                            radius * draw(st.floats(0.0, 1.3)))
        release = draw(star_polygon(clon, clat, radius * draw(st.floats(0.05, 0.8))))
        assume(acceptable(release))
        releases.append((release, draw(st.sampled_from(list(ReleaseMethod)))))
    return hazard, releases


def union_or_none(geoms: list[shapely.Geometry]) -> shapely.Geometry | None:
    return shapely.union_all(np.array(geoms, dtype=object)) if geoms else None


def account(
    hazard: shapely.Geometry, releases: list[tuple[shapely.Polygon, str]]
) -> list[tuple[ClippedRelease, str]]:
    """Clip each release against the hazard and the earlier accepted ones, as an import does."""
    accepted: list[tuple[ClippedRelease, str]] = []
    for release, method in releases:
        earlier = union_or_none([c.geometry for c, _ in accepted])
        clipped = clip_release(release, hazard, earlier, measure_like(hazard))
        if clipped.wholly_outside or clipped.overlaps:
            continue
        accepted.append((clipped, method))
    return accepted


# --- the conservation law --------------------------------------------------------------------

SLANTED_TRIANGLE = shapely.Polygon([(30.0, 50.0), (30.02, 50.0), (30.02, 50.01), (30.0, 50.0)])
"""About 0.8 km2; a release cutting its hypotenuse shows the law at work."""
ACROSS_HYPOTENUSE = shapely.box(29.99, 49.99, 30.01, 50.02)


@PROPERTY
@given(scenarios())
@example(case=(SLANTED_TRIANGLE, [(ACROSS_HYPOTENUSE, ReleaseMethod.CLEARED)]))
def test_conservation_law(case: tuple[shapely.Geometry, list[tuple[shapely.Polygon, str]]]) -> None:
    """initial = cancelled + reduced + cleared + remaining, pieces measured like their hazard."""
    hazard, releases = case
    accepted = account(hazard, releases)
    pieces = [c.geometry for c, _ in accepted]
    measure = measure_like(hazard)
    initial = area_m2([hazard])[0]
    released = dict.fromkeys(ReleaseMethod, 0.0)
    for (_, method), a in zip(accepted, measure(pieces), strict=True):
        released[method] += a
    remaining = measure([remaining_geometry(hazard, pieces)])[0]
    total = sum(released.values()) + remaining
    # a giant or polar hazard is measured geodesically while cut along lon/lat lines
    rel = GEODESIC_CONSERVATION_REL if needs_geodesic(np.array([hazard.bounds]))[0] \
        else CONSERVATION_REL
    assert total == pytest.approx(initial, rel=rel, abs=CONSERVATION_ABS_M2), (
        f"initial {initial:.4f} m2 != cancelled {released[ReleaseMethod.CANCELLED]:.4f} + "
        f"reduced {released[ReleaseMethod.REDUCED]:.4f} + cleared "
        f"{released[ReleaseMethod.CLEARED]:.4f} + remaining {remaining:.4f} = {total:.4f} "
        f"(off by {total - initial:+.4f} m2, rel {(total - initial) / initial:+.2e}); "
        f"hazard {shapely.to_wkt(hazard, rounding_precision=12)}; "
        f"accepted {[shapely.to_wkt(p, rounding_precision=12) for p in pieces]}"
    )


@PROPERTY
@given(scenarios())
def test_accepted_releases_partition_the_hazard(
    case: tuple[shapely.Geometry, list[tuple[shapely.Polygon, str]]],
) -> None:
    """Set-level conservation: accepted pieces lie in the hazard, are pairwise disjoint, and
    with the remaining geometry tile it exactly (planar areas in degrees, rounding noise only)."""
    hazard, releases = case
    accepted = account(hazard, releases)
    pieces = [c.geometry for c, _ in accepted]
    total = shapely.area(hazard)
    eps = PLANAR_REL * total + PLANAR_ABS
    for clipped, _ in accepted:
        assert clipped.geometry.geom_type in ("Polygon", "MultiPolygon")
        assert shapely.area(shapely.difference(clipped.geometry, hazard)) <= eps
        # the reported area is the area of the returned geometry
        measured = measure_like(hazard)([clipped.geometry])[0]
        assert clipped.area_m2 == pytest.approx(measured, rel=1e-9)
    for i, a in enumerate(pieces):
        for b in pieces[i + 1:]:
            assert shapely.area(shapely.intersection(a, b)) <= eps
    remaining = remaining_geometry(hazard, pieces)
    assert remaining.geom_type in ("Polygon", "MultiPolygon")
    if pieces:
        assert shapely.area(shapely.intersection(remaining, union_or_none(pieces))) <= eps
    else:
        assert shapely.equals(remaining, hazard)
    assert sum(shapely.area(p) for p in pieces) + shapely.area(remaining) == pytest.approx(
        total, rel=PLANAR_REL)


@PROPERTY
@given(scenarios())
def test_clip_release_reports_inside_outside_and_overlap(
    case: tuple[shapely.Geometry, list[tuple[shapely.Polygon, str]]],
) -> None:
    """Each ClippedRelease measures exactly what lay outside and what overlapped earlier ones."""
    hazard, releases = case
    accepted: list[shapely.Geometry] = []
    for release, _ in releases:
        earlier = union_or_none(accepted)
        clipped = clip_release(release, hazard, earlier, area_m2)
        inside = shapely.intersection(release, hazard)
        outside = shapely.difference(release, hazard)
        overlap = shapely.intersection(inside, earlier) if earlier is not None else None
        inside_m2, outside_m2, overlap_m2 = area_m2([inside, outside, overlap])
        assert clipped.outside_m2 == pytest.approx(outside_m2, rel=1e-9, abs=1e-9)
        assert clipped.overlap_m2 == pytest.approx(overlap_m2, rel=1e-9, abs=1e-9)
        assert clipped.overlaps == (overlap_m2 > OVERLAP_TOLERANCE_M2)
        # wholly outside: (almost) nothing of the release is in the hazard, earlier ones aside
        assert clipped.wholly_outside == (inside_m2 <= CLIP_REPORT_M2)
        assert clipped.area_m2 == pytest.approx(area_m2([clipped.geometry])[0], rel=1e-9)
        if earlier is None:
            assert clipped.area_m2 == pytest.approx(inside_m2, rel=1e-9, abs=1e-9)
        # what is left is inside the release and the hazard and outside earlier releases
        eps = PLANAR_REL * shapely.area(hazard) + PLANAR_ABS
        assert shapely.area(shapely.difference(clipped.geometry, inside)) <= eps
        if earlier is not None:
            assert shapely.area(shapely.intersection(clipped.geometry, earlier)) <= eps
        if not (clipped.wholly_outside or clipped.overlaps):
            accepted.append(clipped.geometry)


def test_conservation_when_a_release_cuts_a_slanted_edge() -> None:
    """The simplest case of the law: one release across a hazard's slanted edge."""
    hazard = SLANTED_TRIANGLE
    clipped = clip_release(ACROSS_HYPOTENUSE, hazard, None, area_m2)
    assert not (clipped.wholly_outside or clipped.overlaps)
    remaining = area_m2([remaining_geometry(hazard, [clipped.geometry])])[0]
    initial = area_m2([hazard])[0]
    assert clipped.area_m2 + remaining == pytest.approx(
        initial, rel=CONSERVATION_REL, abs=CONSERVATION_ABS_M2)


def test_two_halves_close_a_hazard_with_a_slanted_edge() -> None:
    """A 2 km x 2 km hazard released in a west and an east part leaves no land."""
    hazard = shapely.Polygon([(30.0, 45.0), (30.02, 45.003), (30.02, 45.02), (30.0, 45.02)])
    west = clip_release(shapely.box(29.9, 44.9, 30.013, 45.1), hazard, None, area_m2)
    east = clip_release(shapely.box(30.013, 44.9, 30.1, 45.1), hazard, west.geometry, area_m2)
    assert not (west.wholly_outside or west.overlaps or east.wholly_outside or east.overlaps)
    left = remaining_geometry(hazard, [west.geometry, east.geometry])
    # nothing is left in the plane of the coordinates: at most a rounding sliver
    assert shapely.area(left) <= PLANAR_REL * shapely.area(hazard)
    left_m2 = area_m2([left])[0]
    assert left_m2 <= CLOSE_TOLERANCE_M2, (
        f"{left_m2:.3f} m2 measured in {shapely.to_wkt(left)} "
        f"(planar area {shapely.area(left):.3g} deg2)"
    )
    assert hazard_status(True, left_m2) is HazardStatus.CLOSED


# --- single releases -------------------------------------------------------------------------

@PROPERTY
@given(hazards(), st.floats(0.0, 360.0), st.floats(0.6, 1.5), st.floats(0.2, 0.8),
       st.data())
def test_release_partly_outside_is_clipped(
    hz: tuple[shapely.Geometry, float, float, float], azimuth: float, distance: float,
    size: float, data: st.DataObject,
) -> None:
    hazard, lon, lat, radius = hz
    clon, clat = offset(lon, lat, azimuth, distance * radius)
    release = data.draw(star_polygon(clon, clat, size * radius))
    assume(acceptable(release))
    outside_truth, inside_truth = area_m2([shapely.difference(release, hazard),
                                           shapely.intersection(release, hazard)])
    assume(outside_truth > CLIP_REPORT_M2 and inside_truth > CLIP_REPORT_M2)

    clipped = clip_release(release, hazard, None, area_m2)
    assert clipped.outside_m2 > 0
    assert clipped.outside_m2 == pytest.approx(outside_truth, rel=1e-9)
    assert clipped.area_m2 == pytest.approx(inside_truth, rel=1e-9)
    assert not clipped.wholly_outside
    assert clipped.overlap_m2 == 0.0
    assert not clipped.overlaps
    assert clipped.geometry.geom_type in ("Polygon", "MultiPolygon")
    assert shapely.area(shapely.difference(clipped.geometry, hazard)) <= (
        PLANAR_REL * shapely.area(hazard) + PLANAR_ABS)
    assert shapely.area(clipped.geometry) < shapely.area(release)


def square_m(lon: float, lat: float, width_m: float, height_m: float) -> shapely.Polygon:
    """A lon/lat box `width_m` x `height_m` metres with its south-west corner at (lon, lat)."""
    dlon = width_m / (111_320.0 * math.cos(math.radians(lat)))
    dlat = height_m / 110_574.0
    return shapely.box(lon, lat, lon + dlon, lat + dlat)


HAZARD = square_m(36.30, 50.10, 200.0, 200.0)
MINX, MINY, MAXX, MAXY = HAZARD.bounds
M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(50.10))


def test_release_wholly_outside_is_flagged() -> None:
    release = shapely.box(MAXX + 0.001, MINY, MAXX + 0.002, MAXY)
    clipped = clip_release(release, HAZARD, None, area_m2)
    assert clipped.wholly_outside
    assert clipped.area_m2 == 0.0
    assert clipped.geometry.is_empty
    assert clipped.outside_m2 == pytest.approx(area_m2([release])[0], rel=1e-9)


def test_release_touching_only_the_edge_is_wholly_outside() -> None:
    release = shapely.box(MAXX, MINY, MAXX + 0.001, MAXY)  # shares the east edge
    clipped = clip_release(release, HAZARD, None, area_m2)
    assert clipped.wholly_outside
    assert clipped.area_m2 == 0.0
    assert clipped.geometry.geom_type in ("Polygon", "MultiPolygon")
    assert clipped.outside_m2 == pytest.approx(area_m2([release])[0], rel=1e-9)


def test_release_inside_by_a_sliver_under_the_report_threshold_is_wholly_outside() -> None:
    # 0.00001 m x 200 m = 0.002 m2 inside
    sliver = 0.000_01 / M_PER_DEG_LON
    release = shapely.box(MAXX - sliver, MINY, MAXX + 0.001, MAXY)
    clipped = clip_release(release, HAZARD, None, area_m2)
    assert 0 < clipped.area_m2 <= CLIP_REPORT_M2
    assert clipped.wholly_outside


def test_overlapping_releases_are_flagged() -> None:
    mid = (MINX + MAXX) / 2
    west = shapely.box(MINX, MINY, mid, MAXY)
    first = clip_release(west, HAZARD, None, area_m2)
    assert not first.overlaps and not first.wholly_outside
    ten_m = 10.0 / M_PER_DEG_LON
    east = shapely.box(mid - ten_m, MINY, MAXX, MAXY)  # 10 m x 200 m = 2000 m2 shared
    second = clip_release(east, HAZARD, first.geometry, area_m2)
    assert second.overlaps
    shared = area_m2([shapely.intersection(east, west)])[0]
    assert second.overlap_m2 == pytest.approx(shared, rel=1e-6)
    assert second.overlap_m2 == pytest.approx(2000.0, rel=0.01)


def test_negligible_overlap_is_trimmed_not_flagged() -> None:
    mid = (MINX + MAXX) / 2
    west = shapely.box(MINX, MINY, mid, MAXY)
    first = clip_release(west, HAZARD, None, area_m2)
    two_mm = 0.002 / M_PER_DEG_LON
    east = shapely.box(mid - two_mm, MINY, MAXX, MAXY)  # 0.002 m x 200 m = 0.4 m2 shared
    second = clip_release(east, HAZARD, first.geometry, area_m2)
    assert 0 < second.overlap_m2 <= OVERLAP_TOLERANCE_M2
    assert not second.overlaps
    assert shapely.area(shapely.intersection(second.geometry, first.geometry)) == pytest.approx(
        0.0, abs=PLANAR_REL * shapely.area(HAZARD))
    east_half = shapely.box(mid, MINY, MAXX, MAXY)
    assert second.area_m2 == pytest.approx(area_m2([east_half])[0], rel=1e-9)


# --- hazard status ---------------------------------------------------------------------------

@PROPERTY
@given(st.floats(0.0, 1e9, allow_nan=False))
def test_hazard_status_rule(remaining_m2: float) -> None:
    assert hazard_status(False, remaining_m2) is HazardStatus.OPEN
    expected = (HazardStatus.CLOSED if remaining_m2 <= CLOSE_TOLERANCE_M2
                else HazardStatus.WORKED_ON)
    assert hazard_status(True, remaining_m2) is expected


def test_hazard_status_boundaries() -> None:
    assert hazard_status(True, 0.0) is HazardStatus.CLOSED
    assert hazard_status(True, CLOSE_TOLERANCE_M2) is HazardStatus.CLOSED
    above = math.nextafter(CLOSE_TOLERANCE_M2, math.inf)
    assert hazard_status(True, above) is HazardStatus.WORKED_ON
    assert hazard_status(False, 0.0) is HazardStatus.OPEN


@pytest.mark.parametrize(("sliver_m", "status"), [(0.0025, HazardStatus.CLOSED),
                                                  (0.025, HazardStatus.WORKED_ON)])
def test_hazard_closes_within_close_tolerance(sliver_m: float, status: HazardStatus) -> None:
    """A sliver 200 m long is left uncleared: 0.5 m2 closes the hazard, 5 m2 does not."""
    cut = MAXX - sliver_m / M_PER_DEG_LON
    release = shapely.box(MINX - 0.001, MINY - 0.001, cut, MAXY + 0.001)
    clipped = clip_release(release, HAZARD, None, area_m2)
    remaining = area_m2([remaining_geometry(HAZARD, [clipped.geometry])])[0]
    assert remaining == pytest.approx(sliver_m * 200.0, rel=0.01)
    assert hazard_status(True, remaining) is status


SLANTED_HEXAGON = shapely.from_wkt(
    "POLYGON ((0.000662540591 19.009012058686, 0.008536405751 19.003960078189, "
    "0.00787346129 18.994948042818, -0.000662469259 18.990987930173, "
    "-0.008536001863 18.996039526271, -0.007873936509 19.005051619341, "
    "0.000662540591 19.009012058686))"
)


@FEW
@given(hazards(), st.integers(2, 6), st.permutations(range(6)))
@example(hz=(SLANTED_HEXAGON, 0.0, 19.0, 1000.0), n=2, order=[0, 1, 2, 3, 4, 5])
def test_clearing_the_whole_hazard_in_strips_closes_it(
    hz: tuple[shapely.Geometry, float, float, float], n: int, order: list[int],
) -> None:
    """open -> worked_on (while land remains) -> closed once every strip is released."""
    hazard, _, _, _ = hz
    minx, miny, maxx, maxy = hazard.bounds
    edges = np.linspace(minx, maxx, n + 1)
    pad = 0.01 * (maxy - miny) + 1e-6
    strips = [shapely.box(edges[i] - (pad if i == 0 else 0.0), miny - pad,
                          edges[i + 1] + (pad if i == n - 1 else 0.0), maxy + pad)
              for i in range(n)]
    strips = [strips[i] for i in order if i < n]
    # a strip is still uncleared at every step but the last, so land remains until then
    assume(area_m2([shapely.intersection(strips[-1], hazard)])[0] > 10 * CLOSE_TOLERANCE_M2)

    pieces: list[shapely.Geometry] = []
    measure = measure_like(hazard)
    statuses = [hazard_status(False, area_m2([hazard])[0])]
    for strip in strips:
        clipped = clip_release(strip, hazard, union_or_none(pieces), measure)
        assert not clipped.overlaps
        if clipped.wholly_outside:
            continue
        pieces.append(clipped.geometry)
        remaining = remaining_area_m2(hazard, remaining_geometry(hazard, pieces), measure)
        statuses.append(hazard_status(True, remaining))
    left = remaining_geometry(hazard, pieces)
    left_m2 = remaining_area_m2(hazard, left, measure)
    assert left_m2 <= CLOSE_TOLERANCE_M2, (
        f"{left_m2} m2 left: {shapely.to_wkt(left, rounding_precision=12)} of hazard "
        f"{shapely.to_wkt(hazard, rounding_precision=12)}"
    )
    assert statuses[0] is HazardStatus.OPEN
    assert statuses[-1] is HazardStatus.CLOSED
    assert all(s is HazardStatus.WORKED_ON for s in statuses[1:-1])


def test_status_goes_open_worked_on_closed() -> None:
    mid = (MINX + MAXX) / 2
    west = clip_release(shapely.box(MINX - 0.001, MINY - 0.001, mid, MAXY + 0.001), HAZARD,
                        None, area_m2)
    east = clip_release(shapely.box(mid, MINY - 0.001, MAXX + 0.001, MAXY + 0.001), HAZARD,
                        west.geometry, area_m2)
    assert not (west.wholly_outside or west.overlaps or east.wholly_outside or east.overlaps)
    initial = area_m2([HAZARD])[0]
    after_west = area_m2([remaining_geometry(HAZARD, [west.geometry])])[0]
    after_both = area_m2([remaining_geometry(HAZARD, [west.geometry, east.geometry])])[0]
    assert after_west == pytest.approx(initial / 2, rel=1e-3)
    assert after_both == 0.0
    assert [hazard_status(False, initial), hazard_status(True, after_west),
            hazard_status(True, after_both)] == [
        HazardStatus.OPEN, HazardStatus.WORKED_ON, HazardStatus.CLOSED]


def test_remaining_without_releases_is_the_hazard() -> None:
    assert remaining_geometry(HAZARD, []) is HAZARD
    assert hazard_status(False, area_m2([HAZARD])[0]) is HazardStatus.OPEN
    assert hazard_status(True, area_m2([HAZARD])[0]) is HazardStatus.WORKED_ON
