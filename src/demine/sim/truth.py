"""Ground truth: where every item of explosive ordnance really lies, by pattern of use.

Minefields are laid in patterned rows along the defensive lines and in arcs around fortified
positions; shells and rockets scatter around artillery positions, strongpoints and roads; aerial
bombs lie alone and deep; submunitions fill the elliptical footprint of a strike. Each item has a
category, a depth and a position, and belongs to one cluster (a minefield, an impact area, a strike)
whose footprint is the land it truly contaminates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
import shapely.ops
from numpy.typing import NDArray

from demine.sim.frame import ellipse
from demine.sim.region import Region
from demine.sim.scenario import Scenario

FOOTPRINT_M = {"minefield": 10.0, "position_minefield": 10.0, "impact_area": 20.0,
               "bomb": 20.0, "strike": 10.0}
"""How far a cluster's footprint reaches beyond its outermost items."""

SHELLS = (("PROJECTILE", 0.6), ("ROCKET", 0.15), ("UXO", 0.15), ("GRENADE", 0.1))


@dataclass
class Truth:
    """Items (x, y in metres) and their clusters; `cluster` indexes `cluster_kind`."""

    x: NDArray[np.float64]
    y: NDArray[np.float64]
    category: NDArray[np.str_]
    depth_cm: NDArray[np.int64]
    cluster: NDArray[np.int64]
    cluster_kind: list[str]
    footprint: NDArray[np.object_]

    def __len__(self) -> int:
        return len(self.x)


class _Builder:
    def __init__(self) -> None:
        self.parts: list[tuple[Any, Any, Any, Any]] = []
        self.kinds: list[str] = []
        self.extra: list[shapely.Geometry | None] = []

    def add(self, kind: str, x: NDArray[np.float64], y: NDArray[np.float64],
            category: list[str] | NDArray[np.str_], depth: NDArray[np.int64],
            shape: shapely.Geometry | None = None) -> None:
        if len(x) == 0:
            return
        self.parts.append((x, y, category, depth))
        self.kinds.append(kind)
        self.extra.append(shape)


def build_truth(scenario: Scenario, region: Region, rng: np.random.Generator) -> Truth:
    """Lay the contamination of a scenario over its region."""
    c = scenario["contamination"]
    b = _Builder()
    _minefields(b, region, c, rng)
    _position_minefields(b, region, c, rng)
    _impact_areas(b, region, c, rng)
    _bombs(b, region, c, rng)
    _strikes(b, region, c, rng)
    x = np.concatenate([p[0] for p in b.parts])
    y = np.concatenate([p[1] for p in b.parts])
    category = np.concatenate([np.asarray(p[2], dtype=str) for p in b.parts])
    depth = np.concatenate([p[3] for p in b.parts]).astype(np.int64)
    cluster = np.concatenate([np.full(len(p[0]), k) for k, p in enumerate(b.parts)])
    inside = shapely.contains_xy(region.strip, x, y)
    x, y, category, depth, cluster = (a[inside] for a in (x, y, category, depth, cluster))
    kept = np.unique(cluster)
    renumber = np.full(len(b.kinds), -1)
    renumber[kept] = np.arange(len(kept))
    cluster = renumber[cluster]
    kinds = [b.kinds[k] for k in kept]
    pts = shapely.points(x, y)
    footprint = np.empty(len(kept), dtype=object)
    order = np.argsort(cluster, kind="stable")
    bounds = np.searchsorted(cluster[order], np.arange(len(kept) + 1))
    for i, k in enumerate(kept):
        members = pts[order[bounds[i]:bounds[i + 1]]]
        cloud = shapely.multipoints(members)
        if "minefield" in b.kinds[k]:
            hull = shapely.concave_hull(cloud, ratio=0.02)
        elif b.kinds[k] == "impact_area":  # scattered: the land around each item
            hull = cloud
        else:
            hull = shapely.convex_hull(cloud)
        shape = shapely.buffer(hull, FOOTPRINT_M[b.kinds[k]], quad_segs=4)
        if b.extra[k] is not None:
            shape = shapely.union(shape, b.extra[k])
        footprint[i] = shapely.intersection(shape, region.strip)
    return Truth(x, y, category, depth, cluster, kinds, footprint)


def _rows(region: Region, line: shapely.LineString, start: float, length: float,
          offsets: list[float], spacing: float, rng: np.random.Generator
          ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Mines along rows parallel to a stretch of a line, staggered row to row."""
    xs, ys = [], []
    segment = shapely.ops.substring(line, start, start + length)
    for k, off in enumerate(offsets):
        row = segment.offset_curve(off)
        if row.is_empty or row.length < spacing:
            continue
        d = np.arange((k % 2) * spacing / 2, row.length, spacing)
        pts = shapely.line_interpolate_point(row, d)
        xs.append(shapely.get_x(pts) + rng.normal(0, 0.4, len(d)))
        ys.append(shapely.get_y(pts) + rng.normal(0, 0.4, len(d)))
    if not xs:
        return np.zeros(0), np.zeros(0)
    return np.concatenate(xs), np.concatenate(ys)


def _thin(x: NDArray[np.float64], y: NDArray[np.float64], share: float,
          rng: np.random.Generator) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    keep = rng.random(len(x)) >= share
    return x[keep], y[keep]


def _minefields(b: _Builder, region: Region, c: dict[str, Any], rng: np.random.Generator) -> None:
    for _ in range(c["minefields"]):
        line = region.front_lines[0 if rng.random() < 0.7 else 1]
        length = rng.uniform(*c["minefield_length_m"])
        start = rng.uniform(0, max(line.length - length, 1.0))
        side = 1 if rng.random() < 0.5 else -1
        first = side * rng.uniform(60, 400)
        rows = int(rng.integers(int(c["rows"][0]), int(c["rows"][1]) + 1))
        gap = rng.uniform(*c["row_spacing_m"])
        offsets = [first + side * k * gap for k in range(rows)]
        spacing = rng.uniform(*c["mine_spacing_m"])
        anti_tank = rng.random() < c["at_minefield_share"]
        if anti_tank:
            spacing *= 1.5
        x, y = _rows(region, line, start, length, offsets, spacing, rng)
        x, y = _thin(x, y, rng.uniform(*c["missing_mine_share"]), rng)
        if anti_tank:
            cat = np.where(rng.random(len(x)) < 0.1, "AP_MINE", "AT_MINE")
        else:
            cat = np.full(len(x), "AP_MINE")
        depth = np.where(cat == "AT_MINE", rng.integers(5, 21, len(x)), rng.integers(0, 9, len(x)))
        b.add("minefield", x, y, cat, depth)


def _position_minefields(b: _Builder, region: Region, c: dict[str, Any],
                         rng: np.random.Generator) -> None:
    strong = np.flatnonzero(np.asarray(region.position_kind) == "strongpoint")
    if len(strong) == 0:
        return
    for _ in range(c["position_minefields"]):
        k = int(rng.choice(strong))
        cx, cy = region.position_xy[k]
        radius = rng.uniform(60, 150)
        facing = np.pi / 2 if region.position_side[k] < 0 else -np.pi / 2
        span = np.radians(rng.uniform(120, 300))
        spacing = rng.uniform(*c["mine_spacing_m"])
        xs, ys = [], []
        for ring in range(int(rng.integers(1, 3))):
            r = radius + ring * rng.uniform(*c["row_spacing_m"])
            t = np.arange(facing - span / 2, facing + span / 2, spacing / r)
            xs.append(cx + r * np.cos(t) + rng.normal(0, 0.4, len(t)))
            ys.append(cy + r * np.sin(t) + rng.normal(0, 0.4, len(t)))
        x, y = _thin(np.concatenate(xs), np.concatenate(ys),
                     rng.uniform(*c["missing_mine_share"]), rng)
        b.add("position_minefield", x, y, np.full(len(x), "AP_MINE"),
              rng.integers(0, 9, len(x)))


def _shells(n: int, rng: np.random.Generator) -> NDArray[np.str_]:
    names = [s for s, _ in SHELLS]
    weights = np.array([w for _, w in SHELLS])
    return rng.choice(names, size=n, p=weights / weights.sum())


def _impact_areas(b: _Builder, region: Region, c: dict[str, Any], rng: np.random.Generator) -> None:
    targets = list(region.position_xy)
    for line, _ in region.roads:
        if line.length > 0:
            p = line.interpolate(rng.uniform(0, line.length))
            targets.append(np.array([p.x, p.y]))
    for _ in range(c["uxo_clusters"]):
        cx, cy = targets[int(rng.integers(0, len(targets)))]
        cx, cy = cx + rng.normal(0, 200), cy + rng.normal(0, 200)
        n = int(rng.integers(int(c["uxo_per_cluster"][0]), int(c["uxo_per_cluster"][1]) + 1))
        spread = rng.uniform(*c["uxo_spread_m"])
        x, y = cx + rng.normal(0, spread, n), cy + rng.normal(0, spread, n)
        depth = np.minimum(rng.exponential(15, n), 120).astype(np.int64)
        b.add("impact_area", x, y, _shells(n, rng), depth)


def _bombs(b: _Builder, region: Region, c: dict[str, Any], rng: np.random.Generator) -> None:
    anchors = np.vstack([region.position_xy, region.settlement_xy])
    for _ in range(c["aircraft_bombs"]):
        cx, cy = anchors[int(rng.integers(0, len(anchors)))]
        x = np.array([cx + rng.normal(0, 600)])
        y = np.array([cy + rng.normal(0, 600)])
        b.add("bomb", x, y, ["AIRCRAFT_BOMB"], rng.integers(100, 601, 1))


def _strikes(b: _Builder, region: Region, c: dict[str, Any], rng: np.random.Generator) -> None:
    anchors = np.vstack([region.position_xy, region.settlement_xy])
    for _ in range(c["submunition_strikes"]):
        cx, cy = anchors[int(rng.integers(0, len(anchors)))]
        cx, cy = cx + rng.normal(0, 400), cy + rng.normal(0, 400)
        a = rng.uniform(*c["strike_semi_major_m"])
        bb = a * rng.uniform(*c["strike_shape"])
        angle = rng.uniform(0, np.pi)
        low, high = c["submunitions_per_strike"]
        n = int(rng.integers(int(low), int(high) + 1))
        r = np.sqrt(rng.random(n))
        t = rng.uniform(0, 2 * np.pi, n)
        ex, ey = a * r * np.cos(t), bb * r * np.sin(t)
        x = cx + np.cos(angle) * ex - np.sin(angle) * ey
        y = cy + np.sin(angle) * ex + np.cos(angle) * ey
        b.add("strike", x, y, np.full(n, "SUBMUNITION"), rng.integers(0, 6, n),
              ellipse(cx, cy, a, bb, angle))
