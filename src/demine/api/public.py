"""The public safety endpoint: hazard areas near a point, for risk-education apps and SMS.

No login and no personal data: codes, names, classification, status and distance only. Distances
are measured in a local tangent plane at the asked point, scaled by the WGS84 ellipsoid's radii of
curvature there, which is within 0.1 % of the geodesic distance over the 50 km the endpoint
allows. Each worker keeps the open hazard areas in memory (an STRtree and each answer's JSON
head) and rebuilds them when the audit log has grown, since every write to the registry appends
to it: an answer never lags behind a committed change.
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from numpy.typing import NDArray
from sqlalchemy import Connection, func, select, type_coerce

from demine.geo.local import radii
from demine.store import Store
from demine.store.schema import audit_log, hazard_areas
from demine.store.types import RawGeometry, decode_geometries

MAX_RADIUS_M = 50_000.0

router = APIRouter()


@dataclass(frozen=True)
class Snapshot:
    """The open hazard areas as of one audit-log sequence number."""

    seq: int
    codes: list[str]
    heads: list[str]
    shapes: NDArray[np.object_]
    tree: shapely.STRtree
    edges: NDArray[np.float64]
    """Every boundary edge (lon0, lat0, lon1, lat1), grouped by area."""
    first_edge: NDArray[np.int64]
    """Where each area's edges start in `edges` (one more entry: the end)."""
    bounds: NDArray[np.float64]

    def distances(self, idx: NDArray[np.int64], lon: float, lat: float, k_lon: float,
                  k_lat: float) -> NDArray[np.float64]:
        """Metres from the point to each area `idx` (0 inside), in the local tangent plane."""
        counts = self.first_edge[idx + 1] - self.first_edge[idx]
        ends = np.cumsum(counts)
        rows = np.repeat(self.first_edge[idx] - (ends - counts), counts) + np.arange(ends[-1])
        e = self.edges[rows]
        ax, ay = (e[:, 0] - lon) * k_lon, (e[:, 1] - lat) * k_lat
        dx, dy = (e[:, 2] - lon) * k_lon - ax, (e[:, 3] - lat) * k_lat - ay
        length2 = dx * dx + dy * dy
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.clip(np.where(length2 > 0, -(ax * dx + ay * dy) / length2, 0.0), 0.0, 1.0)
        d = np.hypot(ax + t * dx, ay + t * dy)
        nearest = np.minimum.reduceat(d, ends - counts)
        b = self.bounds[idx]
        maybe = np.flatnonzero((b[:, 0] <= lon) & (lon <= b[:, 2]) & (b[:, 1] <= lat)
                               & (lat <= b[:, 3]))
        if len(maybe):
            inside = shapely.contains_xy(self.shapes[idx[maybe]], lon, lat)
            nearest[maybe[inside]] = 0.0
        return nearest


def boundary_edges(shapes: NDArray[np.object_]) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """The edges of every ring of every area, grouped by area."""
    rings = shapely.get_rings(shapely.get_parts(shapes))
    coords, ring_of = shapely.get_coordinates(rings, return_index=True)
    part_owner = np.repeat(np.arange(len(shapes)), shapely.get_num_geometries(shapes))
    ring_counts = shapely.get_num_interior_rings(shapely.get_parts(shapes)) + 1
    ring_owner = np.repeat(part_owner, ring_counts)
    same_ring = ring_of[1:] == ring_of[:-1]
    edges = np.column_stack([coords[:-1], coords[1:]])[same_ring]
    owner = ring_owner[ring_of[:-1][same_ring]]
    first = np.searchsorted(owner, np.arange(len(shapes) + 1))
    return edges, first.astype(np.int64)


def snapshot(conn: Connection, seq: int) -> Snapshot:
    rows = conn.execute(select(
        hazard_areas.c.code, hazard_areas.c.name, hazard_areas.c.classification,
        hazard_areas.c.status, type_coerce(hazard_areas.c.geom, RawGeometry()))
        .where(hazard_areas.c.status != "closed").order_by(hazard_areas.c.code)).all()
    shapes = decode_geometries(conn.dialect.name, [r[4] for r in rows]) if rows else \
        np.empty(0, dtype=object)
    heads = [json.dumps({"code": r[0], "name": r[1], "classification": r[2],
                         "status": r[3]}, ensure_ascii=False)[:-1] + ',"distance_m":'
             for r in rows]
    edges, first = boundary_edges(shapes)
    return Snapshot(seq, [r[0] for r in rows], heads, shapes, shapely.STRtree(shapes), edges,
                    first, shapely.bounds(shapes).reshape(-1, 4))


class NearbyIndex:
    """Open hazard areas in memory, rebuilt when the registry has changed."""

    def __init__(self, store: Store):
        self.store = store
        self.current: Snapshot | None = None
        self.lock = threading.Lock()

    def warm(self) -> None:
        """Build the index now rather than in the first visitor's request."""
        with self.store.read() as conn:
            self.get(conn)

    def get(self, conn: Connection) -> Snapshot:
        seq = int(conn.execute(select(func.max(audit_log.c.seq))).scalar() or 0)
        current = self.current
        if current is not None and current.seq == seq:
            return current
        with self.lock:
            if self.current is None or self.current.seq != seq:
                self.current = snapshot(conn, seq)
            return self.current

    def search(self, lon: float, lat: float, radius_m: float
               ) -> tuple[Snapshot, list[tuple[int, float]]]:
        """The snapshot searched, and (index into it, distance) of the areas within the radius,
        nearest first."""
        with self.store.read() as conn:
            snap = self.get(conn)
        east, north = (float(v) for v in radii(lat))
        dlat = math.degrees(radius_m / north)
        dlon = math.degrees(radius_m / max(east, 1e-6))
        idx = snap.tree.query(shapely.box(lon - dlon, lat - dlat, lon + dlon, lat + dlat))
        if len(idx) == 0:
            return snap, []
        k_lon, k_lat = math.radians(1) * east, math.radians(1) * north
        distance = snap.distances(np.sort(idx), lon, lat, k_lon, k_lat)
        idx = np.sort(idx)
        keep = distance <= radius_m
        idx, distance = idx[keep], np.round(distance[keep], 1)
        order = np.lexsort((idx, distance))  # codes are in index order
        return snap, [(int(idx[k]), float(distance[k])) for k in order]

    def answer(self, lon: float, lat: float, radius_m: float) -> str:
        snap, found = self.search(lon, lat, radius_m)
        heads = snap.heads
        return '{"hazards":[' + ",".join(f"{heads[i]}{d}}}" for i, d in found) + "]}"


def nearby(store: Store, lon: float, lat: float, radius_m: float) -> list[dict[str, Any]]:
    """Hazard areas not yet closed within `radius_m` of a point, nearest first."""
    return list(json.loads(NearbyIndex(store).answer(lon, lat, radius_m))["hazards"])


@router.get("/public/nearby", summary="Hazard areas near a point (public, no login)")
async def public_nearby(
    request: Request,
    lon: float = Query(..., ge=-180, le=180, description="Longitude (WGS84)"),
    lat: float = Query(..., ge=-90, le=90, description="Latitude (WGS84)"),
    radius_m: float = Query(1000.0, gt=0, le=MAX_RADIUS_M, description="Search radius, metres"),
) -> Response:
    if not (math.isfinite(lon) and math.isfinite(lat) and math.isfinite(radius_m)):
        raise HTTPException(422, "lon, lat and radius_m must be finite numbers")
    body = request.app.state.nearby.answer(lon, lat, radius_m)
    return Response(body, media_type="application/json")
