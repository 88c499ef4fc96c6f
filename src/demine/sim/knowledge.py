"""What the authority knows at the start: suspected and confirmed hazardous areas.

Reports of contamination (non-technical-survey-like) over-draw the places that are truly
contaminated, and many suspected areas hold nothing at all: the generator adds such areas, where
people fear mines (near the front line, positions and roads), until the truly contaminated share
of suspected land falls to the scenario's `contaminated_share` (research: under 5 %). A place with
direct evidence (an accident, visible mines) is confirmed (CHA); the rest is suspected (SHA).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray

from demine.sim.frame import blob
from demine.sim.region import Region
from demine.sim.scenario import Scenario
from demine.sim.truth import Truth

GAP_M = 15.0
"""Distance kept between separate suspected areas."""


@dataclass
class SuspectedAreas:
    """Hazard areas in metres with their classification and the truth behind them."""

    shapes: list[shapely.Geometry]
    confirmed: list[bool]
    clusters: list[list[int]]
    target_share: float
    contaminated_share: float


def suspected_areas(scenario: Scenario, region: Region, truth: Truth,
                    accident_clusters: set[int], rng: np.random.Generator) -> SuspectedAreas:
    """Recorded hazard areas: over-drawn known places, then areas that hold nothing."""
    k = scenario["knowledge"]
    n = len(truth.cluster_kind)
    known = (rng.random(n) < k["known_share"]) | np.isin(np.arange(n), list(accident_clusters))
    confirmed = (rng.random(n) < k["confirmed_share"]) | np.isin(np.arange(n),
                                                                  list(accident_clusters))
    drawn = []
    for c in np.flatnonzero(known):
        margin = rng.uniform(*k["margin_m"])
        shape = shapely.buffer(truth.footprint[c], margin, quad_segs=3)
        centre = shape.centroid
        sketch = blob(rng, centre.x, centre.y, np.sqrt(shape.area / np.pi) * 1.05, 16,
                      stretch=rng.uniform(0.7, 1.4))
        drawn.append(shapely.union(shapely.simplify(shape, 10.0), sketch))
    merged = shapely.get_parts(shapely.intersection(
        shapely.union_all(drawn), region.strip.buffer(-5)))
    merged = [g for g in merged if g.area > 500]
    truly = shapely.union_all(truth.footprint)
    shapes, flags, members = [], [], []
    tree = shapely.STRtree(truth.footprint)
    for shape in merged:
        inside = [int(c) for c in tree.query(shape, predicate="intersects")]
        shapes.append(shape)
        flags.append(bool(any(confirmed[c] for c in inside if known[c])))
        members.append(sorted(inside))
    target = float(rng.uniform(*k["contaminated_share"]))
    contaminated = float(shapely.area(shapely.intersection(truly, shapely.union_all(shapes))))
    total = float(sum(s.area for s in shapes))
    needed = contaminated / target
    anchors = _anchors(region, rng)
    false_low, false_high = k["false_area_m2"]
    for _ in range(200):
        short = k["min_hazard_areas"] - len(shapes)
        if total >= needed and short <= 0:
            break
        if total >= needed:  # enough land: the count is made up by small areas
            low, high = false_low, min(false_high, 2 * false_low)
        else:
            low, high = false_low, false_high
        batch = _candidates(rng, anchors, 400, low, high)
        batch = batch[shapely.contains(region.strip, batch)]
        batch = batch[~np.isin(np.arange(len(batch)),
                               tree.query(batch, predicate="intersects")[0])]
        existing = shapely.STRtree(shapes)
        clash = np.unique(existing.query(batch, predicate="dwithin", distance=GAP_M)[0])
        batch = np.delete(batch, clash)
        local = shapely.STRtree(batch)
        chosen: list[int] = []
        for i in range(len(batch)):
            near = local.query(batch[i], predicate="dwithin", distance=GAP_M)
            if any(j in chosen for j in near if j != i):
                continue
            if total >= needed and short <= 0:
                break
            chosen.append(i)
            total += float(batch[i].area)
            short -= 1
        for i in chosen:
            shapes.append(batch[i])
            flags.append(False)
            members.append([])
    return SuspectedAreas(shapes, flags, members, target, contaminated / max(total, 1.0))


def _candidates(rng: np.random.Generator, anchors: NDArray[np.float64], count: int,
                low: float, high: float) -> NDArray[np.object_]:
    """Suspected areas that hold nothing, sketched around places people fear."""
    out = np.empty(count, dtype=object)
    for i in range(count):
        area = float(np.exp(rng.uniform(np.log(low), np.log(high))))
        ax, ay = anchors[int(rng.integers(0, len(anchors)))]
        radius = np.sqrt(area / np.pi)
        spread = 600 + 3 * radius
        out[i] = blob(rng, ax + rng.normal(0, spread), ay + rng.normal(0, spread), radius, 14,
                      stretch=rng.uniform(0.6, 1.6))
    return out


def _anchors(region: Region, rng: np.random.Generator) -> NDArray[np.float64]:
    """Where people suspect contamination: along the front lines, near positions and roads."""
    pts = []
    for line in region.front_lines:
        d = rng.uniform(0, line.length, 400)
        p = shapely.line_interpolate_point(line, d)
        pts.append(np.column_stack([shapely.get_x(p), shapely.get_y(p)]))
    pts.append(region.position_xy)
    for line, _ in region.roads[::2]:
        p = line.interpolate(rng.uniform(0, line.length))
        pts.append(np.array([[p.x, p.y]]))
    return np.vstack(pts)
