"""Features of each grid cell from what the registry knew on a date: events around the cell
(accidents, finds by category, suspicion and community reports, other signs of armed groups) and
context (former front lines and positions, roads, rivers, settlements and their people, land
cover)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from sqlalchemy import Connection

from demine.risk.grid import Grid, around_m, nearest_m
from demine.sim.frame import Frame
from demine.stats.quality import Records, read_layer
from demine.store import schema

RADII_M = (1000.0, 3000.0, 10000.0)
PEOPLE_RADIUS_M = 5000.0
MINE_CATEGORIES = {"AP_MINE", "AT_MINE", "IED"}
SUSPICION_KINDS = {"suspicion_report", "community_report"}


def to_metres(frame: Frame, geoms: NDArray[np.object_]) -> NDArray[np.object_]:
    t = frame._from_wgs84()
    return np.asarray(shapely.transform(
        geoms, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1]))))


@dataclass
class Known:
    """A layer's records known on the date: dated on or before it (undated ones count)."""

    records: Records
    geoms: NDArray[np.object_]
    """In the frame's metres."""

    @property
    def frame(self) -> pd.DataFrame:
        return self.records.frame


def known(conn: Connection, frame: Frame, name: str, as_of: date | None,
          fields: tuple[str, ...] = (), day: str | None = None) -> Known:
    records = read_layer(conn, schema.LAYERS[name], fields, (day,) if day else (), True)
    keep = np.ones(len(records.frame), dtype=bool)
    if day is not None and as_of is not None:
        when = records.frame[day]
        keep = (when.isna() | (when <= pd.Timestamp(as_of))).to_numpy(dtype=bool, copy=True)
    keep &= np.array([g is not None and not g.is_empty for g in records.geoms], dtype=bool)
    records = Records(records.layer, records.frame[keep].reset_index(drop=True),
                      records.geoms[keep])
    return Known(records, to_metres(frame, records.geoms))


def _points(geoms: NDArray[np.object_]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    centres = shapely.point_on_surface(geoms) if len(geoms) else geoms
    return np.asarray(shapely.get_x(centres), dtype=float), \
        np.asarray(shapely.get_y(centres), dtype=float)


def _around(grid: Grid, name: str, geoms: NDArray[np.object_], out: dict[str, NDArray]) -> None:
    x, y = _points(geoms)
    measures = around_m(grid, x, y, RADII_M)
    out[f"{name}_dist_m"] = measures[:, 0]
    for r, radius in enumerate(RADII_M):
        out[f"{name}_n_{radius / 1000:g}km"] = measures[:, 1 + r]


def event_features(conn: Connection, grid: Grid, as_of: date | None) -> dict[str, NDArray]:
    out: dict[str, NDArray] = {}
    accidents = known(conn, grid.frame, "accidents", as_of, day="accident_date")
    _around(grid, "accident", accidents.geoms, out)
    finds = known(conn, grid.frame, "finds", as_of, ("category",), "find_date")
    mine = finds.frame["category"].isin(MINE_CATEGORIES).to_numpy(dtype=bool)
    _around(grid, "find_mine", finds.geoms[mine], out)
    _around(grid, "find_erw", finds.geoms[~mine], out)
    evidence = known(conn, grid.frame, "evidence", as_of, ("kind",), "evidence_date")
    suspicion = evidence.frame["kind"].isin(SUSPICION_KINDS).to_numpy(dtype=bool)
    _around(grid, "suspicion", evidence.geoms[suspicion], out)
    _around(grid, "presence", evidence.geoms[~suspicion], out)
    return out


def context_features(conn: Connection, grid: Grid) -> dict[str, NDArray]:
    out: dict[str, NDArray] = {}
    for layer in ("front_lines", "positions"):
        items = known(conn, grid.frame, layer, None, ("kind",))
        for kind in sorted(set(items.frame["kind"].dropna())):
            chosen = (items.frame["kind"] == kind).to_numpy(dtype=bool)
            out[f"{kind}_dist_m"] = nearest_m(grid, items.geoms[chosen])
        out[f"{layer}_dist_m"] = nearest_m(grid, items.geoms)
    roads = known(conn, grid.frame, "roads", None, ("kind",))
    out["road_dist_m"] = nearest_m(grid, roads.geoms)
    out["main_road_dist_m"] = nearest_m(
        grid, roads.geoms[(roads.frame["kind"] == "main").to_numpy(dtype=bool)])
    out["river_dist_m"] = nearest_m(grid, known(conn, grid.frame, "rivers", None).geoms)
    places = known(conn, grid.frame, "locations", None, ("level", "population"))
    settled = (places.frame["level"] == "settlement").to_numpy(dtype=bool)
    out["settlement_dist_m"] = nearest_m(grid, places.geoms[settled])
    people = pd.to_numeric(places.frame["population"], errors="coerce").fillna(0).to_numpy()
    x, y = _points(places.geoms[settled])
    out["people_within_5km"] = _people(grid, x, y, people[settled])
    cover = known(conn, grid.frame, "land_cover", None, ("kind",))
    if len(cover.geoms):
        tree = shapely.STRtree(cover.geoms)
        cell, polygon = tree.query(grid.centres(), predicate="intersects")
        kinds = cover.frame["kind"].to_numpy(dtype=object)
        for kind in sorted(set(kinds.tolist())):
            flag = np.zeros(len(grid))
            flag[cell[kinds[polygon] == kind]] = 1.0
            out[f"cover_{kind}"] = flag
    return out


def _people(grid: Grid, x: NDArray[np.float64], y: NDArray[np.float64],
            population: NDArray[np.float64]) -> NDArray[np.float64]:
    if not len(x):
        return np.zeros(len(grid))
    from scipy.spatial import cKDTree

    hits = cKDTree(np.column_stack([x, y])).query_ball_point(
        np.column_stack([grid.x, grid.y]), r=PEOPLE_RADIUS_M)
    return np.array([population[h].sum() for h in hits], dtype=float)


def cell_features(conn: Connection, grid: Grid, as_of: date | None) -> pd.DataFrame:
    """Every feature of every cell, as known on `as_of` (context layers are timeless)."""
    return pd.DataFrame({**event_features(conn, grid, as_of), **context_features(conn, grid)})
