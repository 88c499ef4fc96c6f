"""The generated region: districts, settlements, roads, rivers, land cover, front line, positions.

Everything is built in the local metric frame (x east, y north; the border is the strip's northern
edge). These become the registry's context layers and the places contamination is laid around.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from numpy.typing import NDArray

from demine.sim.frame import blob, eval_wave, noise_2d, wave_1d
from demine.sim.scenario import Scenario

SYLLABLES = ("Kam", "Lyp", "Stav", "Bor", "Hor", "Dub", "Vil", "Ol", "Pis", "Rud", "Sos",
             "Ter", "Yar", "Zel", "Mal", "Nov", "Chor", "Byst", "Kry", "Lis")
ENDINGS = ("ivka", "ove", "anka", "ky", "ne", "uvate", "ivske", "yshche", "ets", "yne")
DISTRICT_NAMES = ("Northern", "Riverside", "Steppe", "Forest", "Eastern", "Western", "Central",
                  "Upland", "Lowland", "Lakeside")


@dataclass
class Region:
    """A generated region in metres; arrays are indexed alike within each group."""

    length: float
    width: float
    strip: shapely.Polygon
    border: shapely.LineString
    front_lines: list[shapely.LineString]
    district_shapes: list[shapely.Geometry]
    district_names: list[str]
    settlement_xy: NDArray[np.float64]
    settlement_pop: NDArray[np.int64]
    settlement_names: list[str]
    settlement_district: NDArray[np.int64]
    roads: list[tuple[shapely.LineString, str]]
    rivers: list[tuple[shapely.LineString, str]]
    land_cover: list[tuple[shapely.Geometry, str]]
    position_xy: NDArray[np.float64]
    position_kind: list[str]
    position_side: NDArray[np.int64]
    forest: shapely.Geometry = field(default=None)
    built_up: shapely.Geometry = field(default=None)

    def cover_at(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.str_]:
        """Land cover class at points: built_up, forest or farmland."""
        out = np.full(len(x), "farmland", dtype=object)
        out[shapely.contains_xy(self.forest, x, y)] = "forest"
        out[shapely.contains_xy(self.built_up, x, y)] = "built_up"
        return out.astype(str)

    def border_y(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        """The border's northing at eastings x."""
        line = np.asarray(self.border.coords)
        return np.interp(x, line[:, 0], line[:, 1])

    def front_y(self, x: NDArray[np.float64], which: int = 0) -> NDArray[np.float64]:
        line = np.asarray(self.front_lines[which].coords)
        return np.interp(x, line[:, 0], line[:, 1])

    def district_of(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.int64]:
        """Index of the district holding each point (the nearest one for points outside all)."""
        out = np.full(len(x), -1, dtype=np.int64)
        for i, shape in enumerate(self.district_shapes):
            out[(out < 0) & shapely.contains_xy(shape, x, y)] = i
        if (out < 0).any():
            pts = shapely.points(x[out < 0], y[out < 0])
            dist = np.stack([shapely.distance(s, pts) for s in self.district_shapes])
            out[out < 0] = np.argmin(dist, axis=0)
        return out


def place_name(rng: np.random.Generator, taken: set[str]) -> str:
    while True:
        name = str(rng.choice(SYLLABLES)) + str(rng.choice(ENDINGS))
        if rng.random() < 0.25:
            name = str(rng.choice(("Nova ", "Stara ", "Velyka ", "Mala "))) + name
        if name not in taken:
            taken.add(name)
            return name


def build_region(scenario: Scenario, rng: np.random.Generator) -> Region:
    """Generate the region of a scenario."""
    s, r = scenario["scenario"], scenario["region"]
    length, width = s["length_km"] * 1000.0, s["width_km"] * 1000.0
    xs = np.linspace(0, length, 401)
    border_y = width + eval_wave(wave_1d(rng, length, width * 0.06), xs)
    border_y -= border_y.max() - width
    border = shapely.LineString(np.column_stack([xs, border_y]))
    strip = shapely.Polygon([(0, 0), *zip(xs, border_y, strict=True), (length, 0)])
    low, high = (v * 1000.0 for v in r["front_line_from_border_km"])
    offset = (low + high) / 2 + eval_wave(wave_1d(rng, length, (high - low)), xs)
    offset = np.clip(offset, low, high)
    front = shapely.LineString(np.column_stack([xs, border_y - offset]))
    second = shapely.LineString(np.column_stack(
        [xs, border_y - offset + np.clip(eval_wave(wave_1d(rng, length, 3000), xs) + 2500,
                                         600, 0.8 * low)]))
    region = Region(
        length, width, strip, border, [front, second], [], [],
        np.zeros((0, 2)), np.zeros(0, dtype=np.int64), [], np.zeros(0, dtype=np.int64),
        [], [], [], np.zeros((0, 2)), [], np.zeros(0, dtype=np.int64),
    )
    _districts(region, r["districts"], rng)
    _settlements(region, r["settlements"], r["population"], rng)
    _roads(region, rng)
    _rivers(region, r["rivers"], rng)
    _land_cover(region, r["forest_share"], rng)
    _positions(region, r["positions_per_km"], r["artillery_positions"], rng)
    return region


def _districts(region: Region, count: int, rng: np.random.Generator) -> None:
    xs = (np.arange(count) + 0.5) * region.length / count
    xs += rng.uniform(-0.2, 0.2, count) * region.length / count
    ys = region.width * rng.uniform(0.3, 0.7, count)
    seeds = shapely.multipoints(np.column_stack([xs, ys]))
    cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=region.strip.buffer(1e4)))
    order = []
    for x, y in zip(xs, ys, strict=True):
        order.append(next(c for c in cells if shapely.contains_xy(c, x, y)))
    region.district_shapes = [shapely.intersection(c, region.strip) for c in order]
    region.district_names = [f"{DISTRICT_NAMES[i % len(DISTRICT_NAMES)]} district"
                             + (f" {i // len(DISTRICT_NAMES) + 1}" if i >= len(DISTRICT_NAMES)
                                else "") for i in range(count)]


def _settlements(region: Region, count: int, population: tuple[float, float],
                 rng: np.random.Generator) -> None:
    spacing = np.sqrt(region.length * region.width / count) * 0.55
    points: list[tuple[float, float]] = []
    tries = 0
    while len(points) < count and tries < count * 200:
        tries += 1
        x, y = rng.uniform(0, region.length), rng.uniform(0, region.width)
        if y > region.border_y(np.array([x]))[0] - 300:
            continue
        if points and np.min(np.hypot(*(np.asarray(points) - (x, y)).T)) < spacing:
            continue
        points.append((x, y))
    xy = np.asarray(points)
    low, high = population
    # many villages, few towns: log-population skewed towards the low end
    pop = np.exp(np.log(low) + (np.log(high) - np.log(low)) * rng.uniform(0, 1, len(xy)) ** 2.5)
    pop[int(np.argmax(pop))] = high
    taken: set[str] = set()
    region.settlement_xy = xy
    region.settlement_pop = np.round(pop).astype(np.int64)
    region.settlement_names = [place_name(rng, taken) for _ in range(len(xy))]
    region.settlement_district = region.district_of(xy[:, 0], xy[:, 1])


def _wiggle(rng: np.random.Generator, a: NDArray[np.float64], b: NDArray[np.float64],
            amount: float) -> shapely.LineString:
    """A road or track between two points that bends a little, as country roads do."""
    n = max(3, int(np.hypot(*(b - a)) // 700) + 2)
    t = np.linspace(0, 1, n)
    pts = a[None, :] + t[:, None] * (b - a)[None, :]
    normal = np.array([-(b - a)[1], (b - a)[0]]) / max(np.hypot(*(b - a)), 1e-9)
    bend = np.sin(np.pi * t) * rng.normal(0, amount) + rng.normal(0, amount * 0.15, n)
    bend[[0, -1]] = 0
    return shapely.LineString(pts + bend[:, None] * normal[None, :])


def _roads(region: Region, rng: np.random.Generator) -> None:
    """A minimum spanning tree of the settlements plus each one's second-nearest link."""
    xy = region.settlement_xy
    n = len(xy)
    dist = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    in_tree = np.zeros(n, dtype=bool)
    in_tree[0] = True
    best = dist[0].copy()
    parent = np.zeros(n, dtype=np.int64)
    edges: set[tuple[int, int]] = set()
    for _ in range(n - 1):
        cand = np.where(in_tree, np.inf, best)
        j = int(np.argmin(cand))
        edges.add((min(j, int(parent[j])), max(j, int(parent[j]))))
        in_tree[j] = True
        closer = dist[j] < best
        best = np.where(closer, dist[j], best)
        parent = np.where(closer, j, parent)
    for i in range(n):
        nearest = np.argsort(dist[i])[1:3]
        j = int(nearest[-1])
        if dist[i, j] < 12_000:
            edges.add((min(i, j), max(i, j)))
    pop = region.settlement_pop
    for i, j in sorted(edges):
        kind = "main" if min(pop[i], pop[j]) > 2000 else (
            "secondary" if max(pop[i], pop[j]) > 1500 else "track")
        line = _wiggle(rng, xy[i], xy[j], 250.0)
        region.roads.append((shapely.intersection(line, region.strip), kind))
    region.roads = [(g, k) for g, k in region.roads if not g.is_empty]


def _rivers(region: Region, count: int, rng: np.random.Generator) -> None:
    ys = np.linspace(-500, region.width + 3000, 160)
    for k in range(count):
        x0 = (k + 0.5) * region.length / max(count, 1) + rng.uniform(-0.15, 0.15) * region.length
        drift = rng.uniform(-1, 1) * ys * 0.1
        xs = x0 + eval_wave(wave_1d(rng, region.width * 3, 1500, 5), ys) + drift
        line = shapely.intersection(shapely.LineString(np.column_stack([xs, ys])), region.strip)
        if not line.is_empty:
            region.rivers.append((line, f"{place_name(rng, set())} river"))


def _land_cover(region: Region, forest_share: float, rng: np.random.Generator) -> None:
    """Forest where a smooth field is high, built-up land around settlements, farmland between."""
    count = max(50, int(region.length * region.width / 1.5e6))
    seeds = np.column_stack([rng.uniform(0, region.length, count),
                             rng.uniform(0, region.width * 1.1, count)])
    cells = shapely.get_parts(shapely.voronoi_polygons(
        shapely.multipoints(seeds), extend_to=region.strip.buffer(2e4)))
    cells = shapely.intersection(cells, region.strip)
    cells = cells[~shapely.is_empty(cells)]
    centre = shapely.centroid(cells)
    field = noise_2d(rng, 12_000)(shapely.get_x(centre), shapely.get_y(centre))
    areas = shapely.area(cells)
    order = np.argsort(-field)
    covered = np.cumsum(areas[order]) / areas.sum()
    forest_cells = order[covered <= forest_share]
    is_forest = np.zeros(len(cells), dtype=bool)
    is_forest[forest_cells] = True
    radius = 11.0 * np.sqrt(region.settlement_pop.astype(float)) + 120
    towns = [blob(rng, x, y, r, 16) for (x, y), r in zip(region.settlement_xy, radius, strict=True)]
    built = shapely.intersection(shapely.union_all(towns), region.strip)
    forest = shapely.difference(shapely.union_all(cells[is_forest]), built)
    region.forest, region.built_up = forest, built
    shapely.prepare(forest)
    shapely.prepare(built)
    pieces = shapely.difference(cells, built)
    for cell, wooded in zip(pieces, is_forest, strict=True):
        if not cell.is_empty and cell.area > 1:
            region.land_cover.append((cell, "forest" if wooded else "farmland"))
    for part in shapely.get_parts(built):
        region.land_cover.append((part, "built_up"))


def _positions(region: Region, per_km: float, artillery: int, rng: np.random.Generator) -> None:
    """Fortified positions on both sides of the front line; artillery further back."""
    xy: list[tuple[float, float]] = []
    kinds: list[str] = []
    sides: list[int] = []
    count = int(per_km * region.length / 1000)
    for side in (-1, 1):  # -1: south (the side that held), 1: north (the side that withdrew)
        xs = np.sort(rng.uniform(0, region.length, count))
        ys = region.front_y(xs) + side * rng.uniform(250, 1200, count)
        for x, y in zip(xs, ys, strict=True):
            xy.append((x, y))
            kinds.append("strongpoint")
            sides.append(side)
    for k in range(artillery):
        side = -1 if k % 2 == 0 else 1
        x = rng.uniform(0, region.length)
        front = region.front_y(np.array([x]))[0]
        if side < 0:
            y = front - rng.uniform(3000, 8000)
        else:
            y = min(front + rng.uniform(1500, 6000), region.border_y(np.array([x]))[0] - 300)
        xy.append((x, max(y, 200.0)))
        kinds.append("artillery")
        sides.append(side)
    for line, _ in region.roads:
        crossing = shapely.intersection(line, region.front_lines[0])
        for p in shapely.get_parts(crossing):
            if isinstance(p, shapely.Point):
                xy.append((p.x, p.y - 400))
                kinds.append("checkpoint")
                sides.append(-1)
    region.position_xy = np.asarray(xy)
    region.position_kind = kinds
    region.position_side = np.asarray(sides, dtype=np.int64)
