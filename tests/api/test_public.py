"""The public safety endpoint, measured against pyproj's geodesic distances."""

from __future__ import annotations

import numpy as np
import pyproj
import shapely
from sqlalchemy import select

from demine.store.schema import hazard_areas
from tests.api.conftest import Service


def geodesic_distance(lon: float, lat: float, geom: shapely.Geometry) -> float:
    """Distance from a point to a polygon in an azimuthal equidistant frame at the point."""
    aeqd = pyproj.Transformer.from_crs(
        "EPSG:4326", f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84", always_xy=True)
    local = shapely.transform(geom, lambda xy: np.column_stack(aeqd.transform(xy[:, 0],
                                                                              xy[:, 1])))
    return float(shapely.distance(local, shapely.Point(0, 0)))


def test_nearby_hazards_nearest_first_with_true_distances(service: Service) -> None:
    with service.store.read() as conn:
        rows = conn.execute(select(hazard_areas.c.code, hazard_areas.c.status,
                                   hazard_areas.c.geom)).all()
    open_rows = [r for r in rows if r.status != "closed"]
    probe = open_rows[len(open_rows) // 2].geom.centroid
    lon, lat = probe.x + 0.01, probe.y + 0.004
    radius = 4000.0
    r = service.client.get(f"/public/nearby?lon={lon}&lat={lat}&radius_m={radius}")
    assert r.status_code == 200
    found = r.json()["hazards"]
    expected = {row.code: geodesic_distance(lon, lat, row.geom) for row in open_rows}
    within = {c for c, d in expected.items() if d <= radius - 1}
    got = {h["code"] for h in found}
    assert within <= got and got <= {c for c, d in expected.items() if d <= radius + 1}
    assert len(got) > 3
    for h in found:
        assert abs(h["distance_m"] - expected[h["code"]]) <= max(1.0, 1e-3 * expected[h["code"]])
        assert set(h) == {"code", "name", "classification", "status", "distance_m"}
    distances = [h["distance_m"] for h in found]
    assert distances == sorted(distances)
    closed = {row.code for row in rows if row.status == "closed"}
    assert not got & closed


def test_inside_a_hazard_is_distance_zero(service: Service) -> None:
    with service.store.read() as conn:
        code, geom = conn.execute(select(hazard_areas.c.code, hazard_areas.c.geom)
                                  .where(hazard_areas.c.status != "closed")).first()
    p = geom.representative_point()
    found = service.client.get(f"/public/nearby?lon={p.x}&lat={p.y}&radius_m=10").json()
    assert found["hazards"][0] == {**found["hazards"][0], "code": code, "distance_m": 0.0}


def test_bad_points_are_refused(service: Service) -> None:
    for query in ("lon=200&lat=0&radius_m=10", "lon=0&lat=0&radius_m=-5", "lat=1&radius_m=5",
                  "lon=x&lat=0", "lon=0&lat=0&radius_m=1000000"):
        assert service.client.get(f"/public/nearby?{query}").status_code == 422, query
