"""Property tests of geodesic areas (demine.geo.area) and GeoPackage blobs (demine.geo.gpkg).

The reference for areas is computed here, independently of demine: pyproj.Geod integrates along
geodesic edges (`geometry_area_perimeter` on the polygon with counter-clockwise shells and
clockwise holes), which is the geodesic truth. `area_m2` promises agreement within 0.1 % anywhere
on Earth.

Random polygons are star-shaped about their centre (vertices at increasing azimuths, each at a
geodesic distance between half and all of the radius), so they are valid by construction; holes
sit well inside the inscribed disc, multipolygon parts far enough apart never to meet.
"""

from __future__ import annotations

import math
import random
import struct

import numpy as np
import pytest
import shapely
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pyproj import Geod

from demine.geo import gpkg
from demine.geo.area import area_m2, area_one_m2, geodesic_area_one
from demine.geo.validity import polygon_problem, polygon_problems
from tests.strategies import anywhere, ring_shapes, star_ring

GEOD = Geod(ellps="WGS84")
REL_TOL = 1e-3
"""The documented contract: within 0.1 % of the geodesic area anywhere on Earth."""
M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON_EQ = 111_320.0

PROPERTY = settings(max_examples=150, deadline=None, database=None)
FEW = settings(max_examples=100, deadline=None, database=None)


def geodesic_truth(geom: shapely.Geometry) -> float:
    """Geodesic area (m2) with pyproj.Geod, shells counter-clockwise and holes clockwise."""
    area, _ = GEOD.geometry_area_perimeter(shapely.orient_polygons(geom))
    return abs(float(area))


# --- random polygons -------------------------------------------------------------------------

radii = st.floats(1.0, math.log10(50_000.0)).map(lambda e: 10.0**e)

"""Polygon radii from 10 m to 50 km, log-uniform."""


@st.composite
def star_polygon(draw: st.DrawFn, lon: float, lat: float, radius: float,
                 hole: bool | None = None) -> shapely.Polygon:
    """A star polygon about (lon, lat), with a star hole about the same centre or not."""
    shell = star_ring(lon, lat, radius, draw(ring_shapes()))
    holes = []
    if hole is None:
        hole = draw(st.booleans())
    if hole:
        hole_radius = radius * draw(st.floats(0.05, 0.3))
        holes.append(star_ring(lon, lat, hole_radius, draw(ring_shapes())))
    return shapely.Polygon(shell, holes)


def acceptable(geom: shapely.Geometry) -> bool:
    """Valid, and not wrapped across the antimeridian."""
    bounds = shapely.bounds(geom)
    return bool(shapely.is_valid(geom)) and bounds[0] >= -180.0 and bounds[2] <= 180.0


@st.composite
def polygons(draw: st.DrawFn) -> shapely.Polygon:
    lon, lat = draw(anywhere)
    geom = draw(star_polygon(lon, lat, draw(radii)))
    assume(acceptable(geom))
    return geom


@st.composite
def multipolygons(draw: st.DrawFn) -> shapely.MultiPolygon:
    """2 to 4 star parts (some with holes) around a centre, 2.5 radii from it."""
    lon, lat = draw(anywhere)
    radius = draw(radii)
    k = draw(st.integers(2, 4))
    rotation = draw(st.floats(0.0, 360.0))
    parts = []
    for i in range(k):
        plon, plat, _ = GEOD.fwd(lon, lat, rotation + i * 360.0 / k, 2.5 * radius)
        plon = lon + (plon - lon + 180.0) % 360.0 - 180.0
        parts.append(draw(star_polygon(plon, plat, radius * draw(st.floats(0.3, 1.0)))))
    geom = shapely.MultiPolygon(parts)
    assume(acceptable(geom))
    return geom


def _offset_deg(offset_m: float, lat: float) -> float:
    return offset_m / (M_PER_DEG_LON_EQ * math.cos(math.radians(lat)))


@st.composite
def straddling(draw: st.DrawFn, utm: bool, equator: bool) -> tuple[shapely.Polygon, float]:
    """A polygon across a UTM zone border (a multiple of 6 degrees), the equator, or both.

    The centre is within 0.2 radius of the line, inside the inscribed disc, so the polygon
    always reaches across. Returns the polygon and the longitude of the border it crosses.
    """
    radius = draw(radii)
    border_lon = 6.0 * draw(st.integers(-29, 29)) if utm else draw(st.floats(-170.0, 170.0))
    lat = draw(st.floats(-0.2, 0.2)) * radius / M_PER_DEG_LAT if equator else draw(
        st.floats(-84.0, 84.0))
    lon = border_lon + (_offset_deg(draw(st.floats(-0.2, 0.2)) * radius, lat) if utm else 0.0)
    geom = draw(star_polygon(lon, lat, radius))
    assume(acceptable(geom))
    return geom, border_lon


def assert_close_to_truth(geom: shapely.Geometry) -> None:
    truth = geodesic_truth(geom)
    got = area_m2([geom])[0]
    assert truth > 0
    assert got == pytest.approx(truth, rel=REL_TOL), (
        f"area_m2 {got!r} vs geodesic {truth!r} (rel {abs(got - truth) / truth:.2e}) "
        f"for {shapely.to_wkt(geom, rounding_precision=9)}"
    )


# --- area against the geodesic truth ---------------------------------------------------------

@PROPERTY
@given(polygons())
def test_polygon_area_matches_geodesic_anywhere(geom: shapely.Polygon) -> None:
    assert_close_to_truth(geom)


@PROPERTY
@given(st.tuples(anywhere, radii).flatmap(
    lambda c: star_polygon(c[0][0], c[0][1], c[1], hole=True)))
def test_polygon_with_hole_matches_geodesic(geom: shapely.Polygon) -> None:
    assume(acceptable(geom))
    assert len(geom.interiors) == 1
    assert_close_to_truth(geom)
    # the hole really is taken away
    shell_only = shapely.Polygon(geom.exterior)
    assert area_m2([geom])[0] < area_m2([shell_only])[0]


@PROPERTY
@given(multipolygons())
def test_multipolygon_area_matches_geodesic(geom: shapely.MultiPolygon) -> None:
    assert_close_to_truth(geom)
    parts = area_m2(list(geom.geoms))
    assert area_m2([geom])[0] == pytest.approx(parts.sum(), rel=REL_TOL)


@PROPERTY
@given(straddling(utm=True, equator=False))
def test_polygon_across_utm_zone_border(case: tuple[shapely.Polygon, float]) -> None:
    geom, border_lon = case
    minx, _, maxx, _ = geom.bounds
    assume(minx < border_lon < maxx)
    assert_close_to_truth(geom)


@PROPERTY
@given(straddling(utm=False, equator=True))
def test_polygon_across_equator(case: tuple[shapely.Polygon, float]) -> None:
    geom, _ = case
    _, miny, _, maxy = geom.bounds
    assume(miny < 0.0 < maxy)
    assert_close_to_truth(geom)


@PROPERTY
@given(straddling(utm=True, equator=True))
def test_polygon_across_utm_border_and_equator(case: tuple[shapely.Polygon, float]) -> None:
    geom, border_lon = case
    minx, miny, maxx, maxy = geom.bounds
    assume(minx < border_lon < maxx and miny < 0.0 < maxy)
    assert_close_to_truth(geom)


@FEW
@given(polygons())
def test_area_ignores_ring_orientation(geom: shapely.Polygon) -> None:
    ccw = shapely.orient_polygons(geom)
    cw = shapely.orient_polygons(geom, exterior_cw=True)
    a_ccw, a_cw = area_m2([ccw, cw])
    assert a_ccw > 0
    assert a_cw == pytest.approx(a_ccw, rel=1e-12)


def test_one_degree_cell_at_equator() -> None:
    cell = shapely.box(0.0, 0.0, 1.0, 1.0)
    truth = geodesic_truth(cell)
    # Geod itself: the 1x1 degree cell with geodesic edges is 12 308 778 361 m2
    assert truth == pytest.approx(12_308_778_361.47, abs=1.0)
    assert area_m2([cell])[0] == pytest.approx(truth, rel=REL_TOL)


def test_one_degree_cell_against_closed_form() -> None:
    """Between two parallels the ellipsoidal area is closed-form (authalic latitude)."""
    a = 6_378_137.0
    f = 1 / 298.257223563
    e2 = f * (2 - f)
    e = math.sqrt(e2)

    def q(lat_deg: float) -> float:
        s = math.sin(math.radians(lat_deg))
        return (1 - e2) * (s / (1 - e2 * s * s) - math.log((1 - e * s) / (1 + e * s)) / (2 * e))

    for lat in (0.0, 30.0, 59.0):
        exact = a * a * math.radians(1.0) * (q(lat + 1.0) - q(lat)) / 2
        cell = shapely.box(10.0, lat, 11.0, lat + 1.0)
        # the cell's top and bottom edges are parallels here, geodesics for area_m2: the
        # difference is ~3e-5 of a 1-degree cell, well within the contract
        assert area_m2([cell])[0] == pytest.approx(exact, rel=REL_TOL)


@pytest.mark.parametrize(
    "box",
    [
        (0.0, 0.0, 1.0, 1.0),
        (10.0, 45.0, 11.0, 46.0),
        (-75.0, -60.0, -74.0, -59.0),
        (100.0, 80.5, 101.0, 81.5),  # near the pole
        (-20.0, -84.9, -10.0, -84.0),  # near the south pole, wide
        (20.0, -5.0, 30.0, 5.0),  # large
        (-60.0, -40.0, 60.0, 40.0),  # very large
        (5.999, 0.0, 6.001, 0.001),  # small, across a UTM border
    ],
)
def test_known_boxes_match_geodesic(box: tuple[float, float, float, float]) -> None:
    assert_close_to_truth(shapely.box(*box))


def test_geodesic_area_one_is_the_geodesic_truth() -> None:
    cell = shapely.box(0.0, 0.0, 1.0, 1.0)
    assert geodesic_area_one(cell) == pytest.approx(geodesic_truth(cell), rel=1e-12)
    assert geodesic_area_one(cell.reverse()) == pytest.approx(geodesic_truth(cell), rel=1e-12)
    assert geodesic_area_one(None) == 0.0
    assert geodesic_area_one(shapely.Polygon()) == 0.0


# --- vectorisation ---------------------------------------------------------------------------

EMPTIES = [
    None,
    shapely.Polygon(),
    shapely.MultiPolygon(),
    shapely.GeometryCollection(),
    shapely.Point(),
]


@FEW
@given(st.lists(st.one_of(polygons(), multipolygons(), st.sampled_from(EMPTIES)),
                min_size=1, max_size=12))
def test_area_of_array_equals_elementwise(geoms: list[shapely.Geometry | None]) -> None:
    arr = np.array(geoms, dtype=object)
    got = area_m2(arr)
    assert isinstance(got, np.ndarray)
    assert got.dtype == np.float64
    assert got.shape == (len(geoms),)
    one_by_one = np.array([area_m2([g])[0] for g in geoms])
    np.testing.assert_allclose(got, one_by_one, rtol=1e-12, atol=0)
    np.testing.assert_allclose(area_m2(geoms), got, rtol=1e-12, atol=0)  # a list works alike
    np.testing.assert_allclose(
        got, [area_one_m2(g) for g in geoms], rtol=1e-12, atol=0
    )
    for g, a in zip(geoms, got, strict=True):
        if g is None or g.is_empty:
            assert a == 0.0
        else:
            assert a > 0.0


def test_missing_and_empty_measure_zero() -> None:
    assert area_m2(EMPTIES).tolist() == [0.0] * len(EMPTIES)
    assert area_m2([None, None]).tolist() == [0.0, 0.0]
    assert area_m2([]).shape == (0,)
    assert area_m2(np.array([], dtype=object)).shape == (0,)
    assert area_one_m2(None) == 0.0
    assert area_one_m2(shapely.Polygon()) == 0.0


def test_points_and_lines_have_no_area() -> None:
    geoms = [
        shapely.Point(10.0, 50.0),
        shapely.LineString([(10.0, 50.0), (10.01, 50.0)]),
        shapely.LineString([(10.0, 50.0), (10.01, 50.0), (10.01, 50.01), (10.0, 50.0)]),
        shapely.MultiPoint([(10.0, 50.0), (10.01, 50.01)]),
    ]
    assert area_m2(geoms).tolist() == [0.0] * len(geoms)


# --- validity of the generated polygons, and the vectorised validity check -------------------

INVALID = [
    shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)]),  # bow tie
    shapely.box(179.5, 0.0, 180.5, 1.0),  # longitude out of range
    shapely.box(0.0, 89.5, 1.0, 90.5),  # latitude out of range
    shapely.Point(1.0, 1.0),
    shapely.Polygon(),
    None,
]


@FEW
@given(st.lists(st.one_of(polygons(), multipolygons()), min_size=1, max_size=6),
       st.lists(st.sampled_from(INVALID), max_size=3), st.randoms(use_true_random=False))
def test_polygon_problems_vectorised_matches_one_by_one(
    good: list[shapely.Geometry], bad: list[shapely.Geometry | None], rnd: random.Random
) -> None:
    assert all(polygon_problem(g) is None for g in good)
    mixed = good + bad
    rnd.shuffle(mixed)
    expected = [polygon_problem(g) for g in mixed]
    assert polygon_problems(np.array(mixed, dtype=object)) == expected
    assert sum(p is not None for p in expected) == len(bad)


# --- GeoPackage blobs ------------------------------------------------------------------------

HEADER = struct.Struct("<2sBBi")
ENVELOPE_XY = struct.Struct("<4d")

points = st.builds(shapely.Point, st.floats(-180.0, 180.0), st.floats(-90.0, 90.0))
gpkg_geoms = st.one_of(points, polygons(), multipolygons())
srs_ids = st.sampled_from([4326, 0, -1, 3857, 32636])


def parse_header(blob: bytes) -> tuple[bytes, int, int, int]:
    return HEADER.unpack_from(blob, 0)


@PROPERTY
@given(gpkg_geoms, srs_ids)
def test_gpkg_round_trip_and_envelope(geom: shapely.Geometry, srs_id: int) -> None:
    blob = gpkg.encode(geom, srs_id)
    assert isinstance(blob, bytes)
    magic, version, flags, srs = parse_header(blob)
    assert magic == b"GP"
    assert version == 0
    assert srs == srs_id
    assert flags & 0b1 == 1  # little-endian header
    assert flags & 0b0001_0000 == 0  # not empty
    assert (flags >> 1) & 0b111 == 1  # envelope [minx, maxx, miny, maxy]
    assert flags & 0b0010_0000 == 0  # standard GeoPackage binary
    minx, miny, maxx, maxy = shapely.bounds(geom)
    assert ENVELOPE_XY.unpack_from(blob, 8) == (minx, maxx, miny, maxy)
    assert gpkg.envelope(blob) == (minx, maxx, miny, maxy)
    assert gpkg.wkb_offset(blob) == 40
    assert gpkg.is_empty_blob(blob) == 0
    back = gpkg.decode(blob)
    assert back.geom_type == geom.geom_type
    assert shapely.equals_exact(back, geom, tolerance=0.0)
    # the payload is ISO WKB of the geometry
    assert blob[40:] == shapely.to_wkb(geom, byte_order=1, flavor="iso")
    # a blob read back from a database may be a memoryview or bytearray
    assert shapely.equals_exact(gpkg.decode(bytearray(blob)), geom, tolerance=0.0)


@FEW
@given(st.lists(st.one_of(gpkg_geoms, st.none(), st.sampled_from(EMPTIES[1:])), max_size=8))
def test_gpkg_encode_many_equals_encode(geoms: list[shapely.Geometry | None]) -> None:
    blobs = gpkg.encode_many(np.array(geoms, dtype=object))
    assert blobs == [gpkg.encode(g) for g in geoms]
    for g, blob in zip(geoms, blobs, strict=True):
        if g is None:
            assert blob is None
        else:
            back = gpkg.decode(blob)
            assert back.is_empty == g.is_empty
            if not g.is_empty:
                assert shapely.equals_exact(back, g, tolerance=0.0)


@pytest.mark.parametrize(
    "empty",
    [
        shapely.Point(),
        shapely.LineString(),
        shapely.Polygon(),
        shapely.MultiPoint(),
        shapely.MultiLineString(),
        shapely.MultiPolygon(),
        shapely.GeometryCollection(),
    ],
    ids=lambda g: g.geom_type,
)
def test_gpkg_empty_geometries(empty: shapely.Geometry) -> None:
    blob = gpkg.encode(empty)
    magic, version, flags, srs = parse_header(blob)
    assert (magic, version, srs) == (b"GP", 0, 4326)
    assert flags & 0b0001_0000  # empty flag
    assert (flags >> 1) & 0b111 == 0  # no envelope
    assert gpkg.wkb_offset(blob) == 8
    assert gpkg.is_empty_blob(blob) == 1
    assert gpkg.envelope(blob) is None
    back = gpkg.decode(blob)
    assert back.is_empty
    assert back.geom_type == empty.geom_type


def test_gpkg_none_passes_through() -> None:
    assert gpkg.encode(None) is None
    assert gpkg.decode(None) is None
    assert gpkg.is_empty_blob(None) is None
    assert gpkg.envelope(None) is None


def test_gpkg_rejects_what_is_not_a_blob() -> None:
    wkb = shapely.to_wkb(shapely.Point(1.0, 2.0))
    with pytest.raises(ValueError, match="not a GeoPackage geometry blob"):
        gpkg.wkb_offset(wkb)
    with pytest.raises(ValueError, match="not a GeoPackage geometry blob"):
        gpkg.decode(wkb)


def test_gpkg_envelope_from_geometry_when_header_has_none() -> None:
    geom = shapely.box(30.0, 50.0, 30.5, 50.25)
    blob = struct.pack("<2sBBi", b"GP", 0, 0b0000_0001, 4326) + shapely.to_wkb(geom, flavor="iso")
    assert gpkg.wkb_offset(blob) == 8
    assert gpkg.envelope(blob) == (30.0, 30.5, 50.0, 50.25)
    assert shapely.equals_exact(gpkg.decode(blob), geom, tolerance=0.0)


def test_gpkg_big_endian_header_written_by_another_tool() -> None:
    geom = shapely.box(-3.5, 40.0, -3.0, 40.5)
    blob = (struct.pack(">2sBBi4d", b"GP", 0, 0b0000_0010, 4326, -3.5, -3.0, 40.0, 40.5)
            + shapely.to_wkb(geom, byte_order=0, flavor="iso"))
    assert gpkg.wkb_offset(blob) == 40
    assert gpkg.envelope(blob) == (-3.5, -3.0, 40.0, 40.5)
    assert shapely.equals_exact(gpkg.decode(blob), geom, tolerance=0.0)


@pytest.mark.parametrize(("indicator", "size"), [(2, 48), (3, 48), (4, 64)])
def test_gpkg_wkb_offset_for_larger_envelopes(indicator: int, size: int) -> None:
    geom = shapely.Point(1.5, 2.5)
    envelope = struct.pack(f"<{size // 8}d", *range(size // 8))
    blob = (struct.pack("<2sBBi", b"GP", 0, (indicator << 1) | 1, 4326) + envelope
            + shapely.to_wkb(geom, flavor="iso"))
    assert gpkg.wkb_offset(blob) == 8 + size
    assert shapely.equals_exact(gpkg.decode(blob), geom, tolerance=0.0)


@FEW
@given(st.lists(st.one_of(polygons(), multipolygons(), st.sampled_from(EMPTIES[1:3])),
                min_size=1, max_size=6))
def test_gpkg_multi_writes_polygons_as_one_part_multipolygons(
    geoms: list[shapely.Geometry],
) -> None:
    blobs = gpkg.encode_many(np.array(geoms, dtype=object), multi=True)
    for g, blob in zip(geoms, blobs, strict=True):
        back = gpkg.decode(blob)
        if g.is_empty:
            assert back.is_empty
            continue
        assert back.geom_type == "MultiPolygon"
        assert shapely.equals_exact(back, shapely.multipolygons(shapely.get_parts(g)),
                                    tolerance=0.0)
        assert gpkg.envelope(blob) == gpkg.envelope(gpkg.encode(g))


def test_gpkg_writes_xy_only() -> None:
    geom = shapely.Point(10.0, 20.0, 30.0)
    blob = gpkg.encode(geom)
    assert (blob[3] >> 1) & 0b111 == 1  # an XY envelope
    back = gpkg.decode(blob)
    assert not back.has_z
    assert (back.x, back.y) == (10.0, 20.0)


def test_collection_measures_its_polygons() -> None:
    """An overlay can return polygons with lines and points: only the polygons have area."""
    square = shapely.box(30.0, 50.0, 30.01, 50.01)
    mixed = shapely.GeometryCollection([square, shapely.LineString([(31, 50), (31.1, 50)]),
                                        shapely.Point(32, 50)])
    assert area_m2([mixed])[0] == pytest.approx(area_m2([square])[0], rel=1e-12)
