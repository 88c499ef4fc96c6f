"""Priority scores for hazard areas: criteria measured from the registry and its context layers,
normalised across the areas scored and weighted by a preset, with a breakdown that shows why an
area ranks where it does.

Criteria (raw value and unit; distances in metres on the plane tangent at each hazard area's
centre, `demine.geo.local`, to about 1e-4; areas on the ellipsoid, `demine.geo.area`):

- `accidents`: accidents within `accident_radius_m` of the area, each weighing its victims (at
  least one) × 0.5^(age / `accident_half_life_days`) × (1 − distance / radius). Ages count back
  from the registry's latest date (of accidents, finds, evidence and hazards' dates of
  information), not from today, so a score does not drift with the clock; undated accidents are
  taken as one half-life old.
- `population`: people in settlements (locations of level settlement) within
  `population_radius_m`; `settlement_distance`: metres to the nearest settlement (less is more).
- `roads_near`: metres of road within `road_radius_m` (movement past the area); `roads_inside`:
  metres of road inside the area or within `touch_m` of its edge; `rivers_near` as `roads_near`.
- `confirmed`: 1 for a CHA, 0 for an SHA. `ordnance`: the highest [ordnance] weight of the
  area's contamination categories (none recorded counts as OTHER). `finds`: finds inside the area
  or recorded against it. `evidence`: evidence records within `evidence_radius_m`.
  `contamination_risk`: the mean risk of its cells in the latest `demine risk map` (0 without one).
- `blocked_land_use`: the sum of the [land_use] weights of the land uses the area blocks.
- `farmland_share`, `built_up_share`, `forest_share`: share of the area's surface under that land
  cover; `manual_share`: share machines cannot work (forest and built-up land).
- `beneficiaries` (people); `beneficiaries_per_ha`: per hectare of remaining area;
  `remaining_area` (m2).

Normalisation, over the areas scored: n = (f(x) − min f) / (max f − min f), with f = log1p for
counts, lengths and areas (heavy-tailed: a few large values would squash the rest near 0) and the
identity for shares and grades; 1 − n for `settlement_distance`; n = 0 for every area when all
are equal to 1e-9 (a criterion that does not tell the areas apart adds nothing), and n = 0 where
the raw value is missing (no settlement at all). In the cost group `effort`, n is ease, 1 − n.

Formulas (group weights W and criterion shares s are relative: each table is divided by its sum,
so a score lies in [0, 1]):

- `weighted_sum` (preset humanitarian): score = Σ_g W_g Σ_i s_gi n_i.
- `potential_times_security` (preset economic, as national authorities use: economic, social and
  ecological potential times a security coefficient): score = (w_e·E + w_s·S + w_g·G) × security,
  each potential E, S, G = Σ_i s_i n_i over its criteria, and security = floor + (1 − floor) ×
  Σ_j s_j n_j over the [security] criteria (evidence of danger), floor = `security_floor`.

The breakdown gives, for each "group.criterion", its raw value, n, its weight in the score
(W_g·s_gi, or s_j within the security coefficient) and its contribution: weight × n, except that
a security criterion's contribution is the discount −P·(1 − floor)·s_j·(1 − n_j) (P the
potential: the share of it lost for evidence of danger missing); contributions add up to the
score, since Σ_j of the discounts is −P·(1 − security).

The planner's harm weight is `weight_for_planning` = (score + 0.01) / mean(score + 0.01) over the
areas scored: positive (an area scoring 0 still counts), 1.0 on average.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from sqlalchemy import Connection

from demine.geo.area import area_like
from demine.geo.local import intersections, local_metres, radii
from demine.model.config import read_toml, shipped
from demine.model.problems import ConfigError
from demine.model.vocab import LocationLevel
from demine.stats.quality import Records, read_layer
from demine.store import schema

PRESETS = "presets"
"""The shipped presets' folder, beside this module."""
TIE = 1e-9
"""Values of a criterion this close (relative, after log1p where used) count as equal: two areas
of one shape measure a few 1e-12 apart, which min-max would stretch to 0 and 1."""
PLANNING_OFFSET = 0.01
"""Added to every score before scaling to `weight_for_planning`, so that no area's harm weight is
zero (the planner would not care when it is cleared): one hundredth of the score's range."""


@dataclass(frozen=True)
class Criterion:
    """What a criterion measures: its unit, whether it is normalised on a log scale, and whether
    less of it means more (a distance)."""

    unit: str
    log: bool = False
    less_is_more: bool = False


CRITERIA: dict[str, Criterion] = {
    "accidents": Criterion("weighted accidents", log=True),
    "population": Criterion("people", log=True),
    "settlement_distance": Criterion("m", less_is_more=True),
    "roads_near": Criterion("m", log=True),
    "roads_inside": Criterion("m", log=True),
    "rivers_near": Criterion("m", log=True),
    "confirmed": Criterion("0/1"),
    "ordnance": Criterion("grade"),
    "finds": Criterion("finds", log=True),
    "evidence": Criterion("records", log=True),
    "contamination_risk": Criterion("probability"),
    "blocked_land_use": Criterion("grade"),
    "farmland_share": Criterion("share"),
    "built_up_share": Criterion("share"),
    "forest_share": Criterion("share"),
    "manual_share": Criterion("share"),
    "beneficiaries": Criterion("people", log=True),
    "beneficiaries_per_ha": Criterion("people/ha", log=True),
    "remaining_area": Criterion("m2", log=True),
}
"""Every criterion a preset may weigh (see the module docstring for how each is measured)."""

FORMULAS: dict[str, tuple[str, ...]] = {
    "weighted_sum": ("casualty_risk", "blocked_resources", "reconstruction", "effort"),
    "potential_times_security": ("economic", "social", "ecological"),
}
"""Each formula's groups, weighted in [weights]; potential_times_security also has [security]."""
COST_GROUPS = frozenset({"effort"})
"""Groups where more of a criterion lowers the score."""

PARAMETERS: dict[str, tuple[float, float, float]] = {
    "accident_radius_m": (2000.0, 1.0, 50_000.0),
    "accident_half_life_days": (365.0, 1.0, 36_500.0),
    "population_radius_m": (3000.0, 1.0, 50_000.0),
    "road_radius_m": (500.0, 1.0, 50_000.0),
    "evidence_radius_m": (1000.0, 1.0, 50_000.0),
    "touch_m": (25.0, 0.0, 5_000.0),
    "security_floor": (0.5, 0.0, 1.0),
}
"""[parameters]: (value when a preset leaves it out, lowest, highest)."""
ORDNANCE = {"AP_MINE": 1.0, "SUBMUNITION": 0.9, "IED": 0.9, "AT_MINE": 0.6, "GRENADE": 0.6,
            "UXO": 0.5, "AXO": 0.5, "PROJECTILE": 0.5, "ROCKET": 0.5, "AIRCRAFT_BOMB": 0.4,
            "OTHER": 0.4}
"""[ordnance] weights when a preset leaves them out: AP mines (victim-operated) weigh most."""
LAND_USE = {"housing": 1.0, "agriculture": 0.9, "water": 0.9, "roads": 0.7, "infrastructure": 0.7,
            "other": 0.3}
"""[land_use] weights when a preset leaves them out."""
FIXED_SECTIONS = ("preset", "weights", "parameters", "ordnance", "land_use")


class PresetError(ConfigError):
    """A preset that cannot be used, with every reason found (file, key and why)."""


@dataclass(frozen=True)
class Preset:
    """A checked preset: the formula, group weights, criterion shares per group (and the
    security coefficient's under "security"), parameters and category weights."""

    name: str
    source: str
    description: str
    formula: str
    weights: dict[str, float]
    groups: dict[str, dict[str, float]]
    parameters: dict[str, float]
    ordnance: dict[str, float]
    land_use: dict[str, float]

    def criteria(self) -> set[str]:
        return {c for shares in self.groups.values() for c in shares}


@dataclass(frozen=True)
class HazardScore:
    """One area's score, its harm weight for the planner and why: criterion -> {raw,
    normalised, weight, contribution}, contributions adding up to the score.

    `weight_for_planning` = (score + 0.01) / mean(score + 0.01) over the areas scored: positive,
    proportional to the score but for the small offset, and 1.0 on average, so that the
    planner's weighted harm keeps the scale of an unweighted one.
    """

    code: str
    score: float
    weight_for_planning: float
    breakdown: dict[str, dict[str, float]]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (a missing raw value, such as no settlement at all, as null)."""
        return {"code": self.code, "score": self.score,
                "weight_for_planning": self.weight_for_planning,
                "breakdown": {k: {f: v if math.isfinite(v) else None for f, v in d.items()}
                              for k, d in self.breakdown.items()}}


# presets ----------------------------------------------------------------------------------------

def _shipped() -> Any:
    return resources.files("demine.plan").joinpath(PRESETS)


def shipped_presets() -> list[str]:
    return shipped(_shipped())


def load_preset(name_or_path: str) -> Preset:
    """A shipped preset by name (humanitarian, economic) or a user's TOML file, checked whole;
    a file may start from another with `extends = "humanitarian"` and change a few keys."""
    raw, source, name = _read(name_or_path)
    return check_preset(raw, source, name)


def _read(name_or_path: str) -> tuple[dict[str, Any], str, str]:
    return read_toml(name_or_path, _shipped(), "preset", PresetError)


def check_preset(raw: dict[str, Any], source: str, name: str = "preset") -> Preset:
    """Check a preset's raw tables: every problem at once (file, [section] key, why)."""
    problems: list[str] = []
    head = _table(raw, "preset", problems)
    formula = head.get("formula")
    if formula not in FORMULAS:
        problems.append(f"[preset] formula: {formula!r} is not one of {', '.join(FORMULAS)}")
        raise PresetError(source, problems)
    for key in head:
        if key not in ("formula", "name", "description"):
            problems.append(f"[preset] {key}: unknown key")
    groups = FORMULAS[formula] + (("security",) if formula == "potential_times_security" else ())
    for section in raw:
        if section not in (*FIXED_SECTIONS, *groups):
            expected = ", ".join((*FIXED_SECTIONS, *groups))
            problems.append(f"[{section}]: unknown section (expected {expected})")
    weights = _numbers(raw, "weights", FORMULAS[formula], problems, required=True)
    if weights and not sum(weights.values()) > 0:
        problems.append("[weights]: every weight is 0")
    shares: dict[str, dict[str, float]] = {}
    for group in groups:
        needed = group == "security" or weights.get(group, 0.0) > 0
        if group not in raw:
            if needed:
                problems.append(f"[{group}]: missing (expected a share for each criterion)")
            continue
        before = len(problems)
        shares[group] = _numbers(raw, group, tuple(CRITERIA), problems, what="criterion")
        if needed and len(problems) == before and not sum(shares[group].values()) > 0:
            problems.append(f"[{group}]: no criterion has a share above 0")
    parameters = {k: d for k, (d, _, _) in PARAMETERS.items()}
    parameters.update(_numbers(raw, "parameters", tuple(PARAMETERS), problems, ranges=PARAMETERS))
    ordnance = {**ORDNANCE, **_numbers(raw, "ordnance", tuple(ORDNANCE), problems)}
    land_use = {**LAND_USE, **_numbers(raw, "land_use", tuple(LAND_USE), problems)}
    if problems:
        raise PresetError(source, problems)
    return Preset(str(head.get("name", name)), source, str(head.get("description", "")),
                  formula, weights, shares, parameters, ordnance, land_use)


def _table(raw: dict[str, Any], section: str, problems: list[str]) -> dict[str, Any]:
    table = raw.get(section, {})
    if not isinstance(table, dict):
        problems.append(f"{section}: must be a table [{section}]")
        return {}
    return table


def _numbers(raw: dict[str, Any], section: str, known: tuple[str, ...], problems: list[str],
             required: bool = False, what: str = "key",
             ranges: dict[str, tuple[float, float, float]] | None = None) -> dict[str, float]:
    """A table of non-negative finite numbers with known keys (in [low, high] with `ranges`)."""
    table = _table(raw, section, problems)
    out: dict[str, float] = {}
    for key, value in table.items():
        where = f"[{section}] {key}"
        if key not in known:
            problems.append(f"{where}: unknown {what} (expected one of {', '.join(known)})")
        elif isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(value):
            problems.append(f"{where}: {value!r} is not a number")
        elif value < 0:
            problems.append(f"{where}: {value!r} is negative")
        elif ranges and not ranges[key][1] <= value <= ranges[key][2]:
            problems.append(f"{where}: {value:g} is outside [{ranges[key][1]:g}, "
                            f"{ranges[key][2]:g}]")
        else:
            out[key] = float(value)
    if required:
        problems.extend(f"[{section}] {key}: missing required value"
                        for key in known if key not in table)
    return out


# measuring --------------------------------------------------------------------------------------

EMPTY_PAIRS = (np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp), np.zeros(0))


class Measures:
    """The raw value of each criterion over the areas scored, measured once when first asked.

    Neighbours are found with an STRtree in a plane where a degree of longitude is shrunk to the
    metres of a degree of latitude at the areas' mean latitude, searching a little further than
    asked for the plane's distortion; each pair is then measured on the plane tangent at the
    area's centre and kept if within the radius.
    """

    def __init__(self, conn: Connection, hazards: Records, rows: NDArray[np.intp],
                 preset: Preset):
        self.conn, self.hazards, self.rows = conn, hazards, rows
        self.parameters, self.preset = preset.parameters, preset
        self.geoms = hazards.geoms[rows]
        bounds = shapely.bounds(self.geoms)
        self.lon0 = (bounds[:, 0] + bounds[:, 2]) / 2
        self.lat0 = (bounds[:, 1] + bounds[:, 3]) / 2
        self.local = local_metres(self.geoms, self.lon0, self.lat0)
        per_lon, per_lat = radii(float(np.mean(self.lat0)))
        self.shrink = float(per_lon / per_lat)
        edge_lon, edge_lat = radii(np.array([bounds[:, 1].min() - 0.5, bounds[:, 3].max() + 0.5]))
        self.stretch = 1.01 * max(1.0, *(per_lon / edge_lon), *(per_lat / edge_lat))
        self.degrees_per_m = self.stretch * 180 / math.pi / float(per_lat)
        self.searched = self._searchable(self.geoms)

    def raw(self, criterion: str) -> NDArray[np.float64]:
        return np.asarray(getattr(self, criterion), dtype=np.float64)

    def _searchable(self, geoms: NDArray[np.object_]) -> NDArray[np.object_]:
        scale = np.array([self.shrink, 1.0])
        return np.asarray(shapely.transform(geoms, lambda xy: xy * scale))

    def _layer(self, name: str, fields: tuple[str, ...] = (),
               dates: tuple[str, ...] = ()) -> Records:
        table = schema.LAYERS[name]
        return read_layer(self.conn, table, fields, dates, "geom" in table.c)

    def _column(self, name: str) -> NDArray[np.float64]:
        values = pd.to_numeric(self.hazards.frame[name], errors="coerce").to_numpy(float)
        return np.asarray(values[self.rows], dtype=np.float64)

    def _near(self, others: NDArray[np.object_], radius_m: float
              ) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64]]:
        """(area, other, metres apart) of every pair within `radius_m`."""
        if not len(others) or not len(self.geoms):
            return EMPTY_PAIRS
        tree = shapely.STRtree(self._searchable(others))
        i, j = tree.query(self.searched, predicate="dwithin",
                          distance=radius_m * self.degrees_per_m)
        apart = self._apart(i, others[j])
        keep = apart <= radius_m
        return i[keep], j[keep], apart[keep]

    def _apart(self, i: NDArray[np.intp], others: NDArray[np.object_]) -> NDArray[np.float64]:
        return np.asarray(shapely.distance(
            self.local[i], local_metres(others, self.lon0[i], self.lat0[i])), dtype=np.float64)

    def _count(self, i: NDArray[np.intp], weights: NDArray[np.float64] | None = None
               ) -> NDArray[np.float64]:
        return np.bincount(i, weights=weights, minlength=len(self.geoms)).astype(np.float64)

    def _lengths(self, name: str, radii_m: tuple[float, ...]) -> list[NDArray[np.float64]]:
        """Metres of the layer's lines within each radius of each area (0: inside it)."""
        lines = self._layer(name).geoms
        reach = max(radii_m)
        if not len(lines):
            return [np.zeros(len(self.geoms)) for _ in radii_m]
        tree = shapely.STRtree(self._searchable(lines))
        i, j = tree.query(self.searched, predicate="dwithin", distance=reach * self.degrees_per_m)
        # only the stretch of line near the area is drawn in metres: a box grown by the reach
        bounds = shapely.bounds(self.geoms[i])
        per_lon, per_lat = radii(self.lat0[i])
        grow_lon = np.degrees(self.stretch * reach / per_lon)
        grow_lat = np.degrees(self.stretch * reach / per_lat)
        boxes = shapely.box(bounds[:, 0] - grow_lon, bounds[:, 1] - grow_lat,
                            bounds[:, 2] + grow_lon, bounds[:, 3] + grow_lat)
        pieces = local_metres(intersections(lines[j], boxes), self.lon0[i], self.lat0[i])
        near, pair = np.unique(i, return_inverse=True)  # buffer only areas with lines near
        out = []
        for radius in radii_m:
            zones = shapely.buffer(self.local[near], radius) if radius > 0 else self.local[near]
            out.append(self._count(i, shapely.length(intersections(pieces, zones[pair]))))
        return out

    # casualty risk

    @cached_property
    def accidents(self) -> NDArray[np.float64]:
        layer = self._layer("accidents", dates=("accident_date",))
        radius = self.parameters["accident_radius_m"]
        i, j, apart = self._near(layer.geoms, radius)
        victims = self._layer("victims", fields=("accident",))["accident"]
        per_accident = pd.Series(victims).value_counts()
        count = per_accident.reindex(layer["record"]).fillna(0).to_numpy(float)
        age = (self.as_of - layer.frame["accident_date"]).dt.days.to_numpy(float)
        age = np.where(np.isnan(age), self.parameters["accident_half_life_days"], age)
        recency = 0.5 ** (np.maximum(age, 0) / self.parameters["accident_half_life_days"])
        weight = np.maximum(count, 1) * recency
        return self._count(i, weight[j] * (1 - apart / radius))

    @cached_property
    def as_of(self) -> pd.Timestamp:
        """The registry's latest date, that ages count back from."""
        latest = [self.hazards.frame["info_date"].max()]
        for layer, column in (("accidents", "accident_date"), ("finds", "find_date"),
                              ("evidence", "evidence_date")):
            latest.append(self._layer(layer, dates=(column,)).frame[column].max())
        known = [d for d in latest if not pd.isna(d)]
        # with no date at all no accident is dated either, and the reference goes unused
        return max(known) if known else pd.Timestamp(date.today())

    @cached_property
    def _settlements(self) -> tuple[NDArray[np.object_], NDArray[np.float64]]:
        layer = self._layer("locations", fields=("level", "population"))
        chosen = (layer["level"] == LocationLevel.SETTLEMENT.value) & ~shapely.is_missing(
            layer.geoms) & ~shapely.is_empty(layer.geoms)
        people = pd.to_numeric(layer.frame["population"], errors="coerce").fillna(0)
        return layer.geoms[chosen], people.to_numpy(float)[chosen]

    @cached_property
    def population(self) -> NDArray[np.float64]:
        places, people = self._settlements
        i, j, _ = self._near(places, self.parameters["population_radius_m"])
        return self._count(i, people[j])

    @cached_property
    def settlement_distance(self) -> NDArray[np.float64]:
        places, _ = self._settlements
        out = np.full(len(self.geoms), np.nan)
        if len(places):
            i, j = shapely.STRtree(self._searchable(places)).query_nearest(self.searched)
            np.fmin.at(out, i, self._apart(i, places[j]))
        return out

    @cached_property
    def _roads(self) -> list[NDArray[np.float64]]:
        return self._lengths("roads", (self.parameters["road_radius_m"],
                                       self.parameters["touch_m"]))

    @cached_property
    def roads_near(self) -> NDArray[np.float64]:
        return self._roads[0]

    @cached_property
    def roads_inside(self) -> NDArray[np.float64]:
        return self._roads[1]

    @cached_property
    def rivers_near(self) -> NDArray[np.float64]:
        return self._lengths("rivers", (self.parameters["road_radius_m"],))[0]

    @cached_property
    def confirmed(self) -> NDArray[np.float64]:
        return np.asarray(self.hazards["classification"][self.rows] == "CHA", dtype=np.float64)

    @cached_property
    def ordnance(self) -> NDArray[np.float64]:
        weights, other = self.preset.ordnance, self.preset.ordnance["OTHER"]
        return np.array([max((weights.get(c.strip().upper(), other) for c in (text or "").split(",")
                              if c.strip()), default=other)
                         for text in self.hazards["contamination"][self.rows]])

    @cached_property
    def finds(self) -> NDArray[np.float64]:
        layer = self._layer("finds", fields=("hazard",))
        i, j = shapely.STRtree(layer.geoms).query(self.geoms, predicate="intersects")
        position = {code: k for k, code in enumerate(self.hazards["record"][self.rows])}
        by_code = [(position[h], k) for k, h in enumerate(layer["hazard"]) if h in position]
        if by_code:
            i = np.concatenate([i, [p for p, _ in by_code]])
            j = np.concatenate([j, [k for _, k in by_code]])
        pairs = np.unique(np.column_stack([i, j]).astype(np.intp), axis=0)
        return self._count(pairs[:, 0])

    @cached_property
    def contamination_risk(self) -> NDArray[np.float64]:
        """The mean risk of the area's cells in the latest risk map (0 where there is none)."""
        from demine.store.risk import hazard_risk

        mapped = hazard_risk(self.conn)
        return np.array([mapped[c][0] if c in mapped else 0.0
                         for c in self.hazards["record"][self.rows]], dtype=np.float64)

    @cached_property
    def evidence(self) -> NDArray[np.float64]:
        i, _, _ = self._near(self._layer("evidence").geoms, self.parameters["evidence_radius_m"])
        return self._count(i)

    # blocked resources and reconstruction

    @cached_property
    def blocked_land_use(self) -> NDArray[np.float64]:
        weights = self.preset.land_use
        return np.array([sum(weights.get(u.strip().lower(), 0.0) for u in (text or "").split(","))
                         for text in self.hazards["blocked_land_use"][self.rows]])

    @cached_property
    def _cover(self) -> dict[str, NDArray[np.float64]]:
        """Share of each area's surface under each kind of land cover."""
        layer = self._layer("land_cover", fields=("kind",))
        i, j = shapely.STRtree(layer.geoms).query(self.geoms, predicate="intersects")
        pieces = intersections(self.geoms[i], layer.geoms[j])
        m2 = area_like(pieces, self.geoms[i])
        whole = area_like(self.geoms, self.geoms)
        kinds = layer["kind"][j]
        return {kind: np.clip(np.divide(self._count(i[kinds == kind], m2[kinds == kind]), whole,
                                        out=np.zeros(len(whole)), where=whole > 0), 0, 1)
                for kind in ("farmland", "forest", "built_up")}

    @cached_property
    def farmland_share(self) -> NDArray[np.float64]:
        return self._cover["farmland"]

    @cached_property
    def built_up_share(self) -> NDArray[np.float64]:
        return self._cover["built_up"]

    @cached_property
    def forest_share(self) -> NDArray[np.float64]:
        return self._cover["forest"]

    @cached_property
    def manual_share(self) -> NDArray[np.float64]:
        return np.minimum(self._cover["forest"] + self._cover["built_up"], 1.0)

    @cached_property
    def beneficiaries(self) -> NDArray[np.float64]:
        return np.nan_to_num(self._column("beneficiaries"))

    @cached_property
    def beneficiaries_per_ha(self) -> NDArray[np.float64]:
        hectares = self.remaining_area / 1e4
        return np.divide(self.beneficiaries, hectares, out=np.full(len(hectares), np.nan),
                         where=hectares > 0)

    # effort

    @cached_property
    def remaining_area(self) -> NDArray[np.float64]:
        return np.nan_to_num(self._column("remaining_area_m2"))


# scoring ----------------------------------------------------------------------------------------

Part = tuple[NDArray[np.float64], NDArray[np.float64], float, NDArray[np.float64]]
"""One criterion's raw values, normalised values, weight and contributions over the areas."""


def score_hazards(conn: Connection, preset: Preset | str = "humanitarian",
                  codes: list[str] | None = None) -> list[HazardScore]:
    """Every area's score under `preset`, highest first (ties by code), with its breakdown.

    Without `codes`: the hazard areas not closed with remaining area above 0; with `codes`, those
    areas whatever their state (an unknown code is a ValueError). Criteria are normalised over
    the areas scored, so a score compares an area with the others scored with it.
    """
    chosen = load_preset(preset) if isinstance(preset, str) else preset
    hazards = read_layer(conn, schema.hazard_areas, (
        "classification", "status", "contamination", "blocked_land_use", "beneficiaries",
        "remaining_area_m2"), ("info_date",), geometry=True)
    rows = _scored_rows(hazards, codes)
    if not len(rows):
        return []
    scores, parts = combine(chosen, Measures(conn, hazards, rows, chosen).raw)
    planning = (scores + PLANNING_OFFSET) / float(np.mean(scores + PLANNING_OFFSET))
    out = [HazardScore(str(code), float(scores[k]), float(planning[k]), {
        key: {"raw": float(raw[k]), "normalised": float(n[k]), "weight": weight,
              "contribution": float(c[k])} for key, (raw, n, weight, c) in parts.items()})
        for k, code in enumerate(hazards["record"][rows])]
    return sorted(out, key=lambda s: (-s.score, s.code))


def _scored_rows(hazards: Records, codes: list[str] | None) -> NDArray[np.intp]:
    record = hazards["record"]
    if codes is not None:
        unknown = sorted(set(codes) - set(record))
        if unknown:
            raise ValueError(f"unknown hazard area codes: {', '.join(unknown)}")
        return np.flatnonzero(np.isin(record, list(codes)))
    remaining = pd.to_numeric(hazards.frame["remaining_area_m2"], errors="coerce").fillna(0)
    return np.flatnonzero((hazards["status"] != "closed") & (remaining.to_numpy() > 0))


def combine(preset: Preset, raw: Callable[[str], NDArray[np.float64]]
            ) -> tuple[NDArray[np.float64], dict[str, Part]]:
    """Scores and the breakdown by "group.criterion" (formulas in the module docstring)."""
    parts: dict[str, Part] = {}
    total = sum(preset.weights.values())
    potential: NDArray[np.float64] | float = 0.0
    for group in FORMULAS[preset.formula]:
        shares = preset.groups.get(group, {})
        share_total = sum(shares.values()) or 1.0  # all 0 only in a group weighing 0
        for criterion, share in shares.items():
            weight = preset.weights.get(group, 0.0) / total * share / share_total
            n = normalise(raw(criterion), criterion, group in COST_GROUPS)
            parts[f"{group}.{criterion}"] = (raw(criterion), n, weight, weight * n)
            potential = potential + weight * n
    if preset.formula == "weighted_sum":
        return np.asarray(potential, dtype=np.float64), parts
    floor = preset.parameters["security_floor"]
    shares = preset.groups["security"]
    security: NDArray[np.float64] | float = floor
    for criterion, share in shares.items():
        weight = share / sum(shares.values())
        n = normalise(raw(criterion), criterion)
        security = security + (1 - floor) * weight * n
        parts[f"security.{criterion}"] = (raw(criterion), n, weight,
                                          -(1 - floor) * weight * (1 - n) * potential + 0.0)
    return np.asarray(potential * security, dtype=np.float64), parts


def normalise(raw: NDArray[np.float64], criterion: str, cost: bool = False
              ) -> NDArray[np.float64]:
    """Min-max over the areas (log1p first for heavy-tailed criteria), turned round for less-is-
    more criteria and in cost groups; 0 throughout when all are equal, and where raw is missing.
    """
    kind = CRITERIA[criterion]
    x = np.log1p(np.maximum(raw, 0)) if kind.log else np.asarray(raw, dtype=np.float64)
    out = np.zeros(len(x))
    known = np.isfinite(x)
    if not known.any():
        return out
    low, high = float(x[known].min()), float(x[known].max())
    if high - low <= TIE * max(1.0, abs(high)):
        return out
    n = (x[known] - low) / (high - low)
    out[known] = 1 - n if kind.less_is_more != cost else n
    return out
