"""Data quality checks over the registry (`demine check`): what looks wrong, where, how badly.

The registry is read once into arrays and each check is a small function over them; geometry
work is vectorised (shapely arrays, one STRtree per layer). An *error* is a record that cannot be
right as it stands; a *warning* is one that may be right but needs a person to look.

- `invalid_geometry` (error): hazard and release polygons failing `demine.geo.validity`; find
  and accident points that are empty, not points, or outside the lon/lat range.
- `duplicate`: two hazard areas of one shape: outlines within 5 m of each other (Hausdorff
  distance) or a symmetric difference of at most 1 % of the smaller area. An error when the
  outlines are within 1 cm (a copy), else a warning. Reported once a pair, on the later code.
- `overlap` (warning): hazard areas of two different organisations sharing more than 1 m2
  (duplicates, and areas without an organisation, left out). Once a pair, on the later code.
- `area_mismatch` (warning): reported and computed areas more than 10 % apart.
- `unit_confusion` (error, instead of `area_mismatch`): reported / computed within 10 % of
  1/10,000 or 1/1,000,000 (hectares or km2 typed as m2) or of 10,000 or 1,000,000 (m2 converted
  as if they were hectares or km2).
- `outside_hazard` (warning): finds and accidents in no hazard area (an area's edge counts as
  in it); finds of EOD spot tasks, single items outside hazards by nature, are left out.
- `inside_released` (error): finds and accidents strictly inside released land (not on its
  edge, which it shares with land still suspected) dated after the release; one on or before
  the release date is the work that led to it.
- `date_order`: an activity ending before it starts, a find before its activity started (error);
  TS, clearance or BAC starting before the hazard's first NTS ended, a release dated before its
  hazard's date of information (warning: there can be reasons).
- `orphan` (error): a reference (hazard, activity, accident, team, task, organisation) that names
  no record.

Polygons with invalid geometry are reported once and left out of the overlays; undated records
are left out of the date comparisons they cannot take part in.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from sqlalchemy import Connection, Table, Text, cast, func, select, type_coerce

from demine.geo.area import area_like, area_m2
from demine.geo.local import bounds_apart_m, hausdorff_m, intersections
from demine.geo.validity import coordinate_problem, polygon_problems
from demine.model.accounting import OVERLAP_TOLERANCE_M2
from demine.model.vocab import ActivityType
from demine.store import schema
from demine.store.frames import query_frame
from demine.store.imports import REPORTED_AREA_TOLERANCE
from demine.store.types import RawGeometry, decode_geometries

CHECKS: tuple[str, ...] = (
    "invalid_geometry", "duplicate", "overlap", "area_mismatch", "unit_confusion",
    "outside_hazard", "inside_released", "date_order", "orphan",
)
"""Every check's name, in the order findings are listed."""

ERROR = "error"
WARNING = "warning"

DUPLICATE_DISTANCE_M = 5.0
"""Two hazard areas whose outlines are nowhere further apart than this (m) are one shape..."""
DUPLICATE_SHARE = 0.01
"""... as are two whose symmetric difference is at most this share of the smaller area."""
COPY_DISTANCE_M = 0.01
"""Duplicates whose outlines lie within this (m) of each other are copies."""
UNITS = ((1e4, "hectares"), (1e6, "square kilometres"))
"""Factors between reported and computed areas that betray a unit mistaken for m2."""
UNIT_SHARE = 0.10
"""A ratio within this share of a unit's factor (or its inverse) is a unit confusion."""
FOLLOW_SURVEY = (ActivityType.TS.value, ActivityType.CLEARANCE.value, ActivityType.BAC.value)
"""Activities that follow non-technical survey on a hazard area (IMAS 07.11)."""

REFERENCES: tuple[tuple[str, str, str], ...] = (
    ("releases", "hazard", "hazard_areas"),
    ("releases", "activity", "activities"),
    ("activities", "hazard", "hazard_areas"),
    ("activities", "team", "teams"),
    ("tasks", "hazard", "hazard_areas"),
    ("tasks", "team", "teams"),
    ("finds", "hazard", "hazard_areas"),
    ("finds", "activity", "activities"),
    ("victims", "accident", "accidents"),
    ("progress_reports", "team", "teams"),
    ("progress_reports", "task", "tasks"),
    ("inspections", "activity", "activities"),
    ("teams", "organisation", "organisations"),
)
"""(layer, column, layer it names by code). Foreign keys guard a few of these, but only on
connections that turn them on, which GIS tools editing the GeoPackage do not."""

READS: dict[str, tuple[tuple[str, ...], tuple[str, ...], bool]] = {
    "hazard_areas": (("organisation", "reported_area_m2"), ("info_date",), True),
    "releases": (("hazard", "activity", "method"), ("release_date",), True),
    "activities": (("type", "hazard", "team"), ("start_date", "end_date"), False),
    "finds": (("activity", "hazard"), ("find_date",), True),
    "accidents": ((), ("accident_date",), True),
    "victims": (("accident",), (), False),
    "teams": (("organisation",), (), False),
    "tasks": (("hazard", "team"), (), False),
    "progress_reports": (("team", "task"), (), False),
    "inspections": (("activity",), (), False),
    "organisations": ((), (), False),
}
"""What the checks read of each layer: fields, dates, and whether its geometry."""

EVENTS = {"finds": "find_date", "accidents": "accident_date"}
"""Layers of things found or that happened at a point, with their date column."""


@dataclass(frozen=True)
class Finding:
    """One thing a check found: which check, how bad, the record (code or id) and why."""

    check: str
    severity: str
    layer: str
    record: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Records:
    """One layer as the checks read it: a `record` column (code, else id), fields and dates in
    a frame for vectorised tests, geometries apart, and columns as arrays for messages."""

    layer: str
    frame: pd.DataFrame
    geoms: NDArray[np.object_]
    _arrays: dict[str, NDArray[Any]] = field(default_factory=dict, repr=False)

    def __getitem__(self, column: str) -> NDArray[Any]:
        if column not in self._arrays:
            self._arrays[column] = self.frame[column].to_numpy()
        return self._arrays[column]

    def finding(self, check: str, severity: str, row: int, message: str) -> Finding:
        return Finding(check, severity, self.layer, str(self["record"][row]), message)


def read_layer(
    conn: Connection, table: Table, fields: Sequence[str] = (), dates: Sequence[str] = (),
    geometry: bool = False,
) -> Records:
    """A layer's fields, its dates as timestamps (unreadable ones missing) and geometries."""
    key = func.coalesce(table.c.code, table.c.id) if "code" in table.c else table.c.id
    columns = [key.label("record"), *(table.c[f] for f in fields),
               *(cast(table.c[d], Text).label(d) for d in dates)]
    if geometry:
        columns.append(type_coerce(table.c.geom, RawGeometry()).label("geom"))
    frame = query_frame(conn, select(*columns).order_by(table.c.fid))
    geoms = np.empty(0, dtype=object)
    if geometry:
        geoms = decode_geometries(conn.dialect.name, _objects(frame.pop("geom")).tolist())
    for name in fields:
        frame[name] = _objects(frame[name])
    for name in dates:
        frame[name] = pd.to_datetime(frame[name], errors="coerce", format="ISO8601")
    return Records(table.name, frame, geoms)


def _objects(column: pd.Series) -> pd.Series:
    """Plain objects with None for missing values, whatever dtype pandas inferred."""
    values = column.astype(object)
    return values.where(values.notna(), None)


class Registry:
    """The registry read once for all checks, with what several checks share worked out once."""

    def __init__(self, conn: Connection):
        self.layers = {name: read_layer(conn, schema.LAYERS[name], *how)
                       for name, how in READS.items()}

    def __getitem__(self, layer: str) -> Records:
        return self.layers[layer]

    @cached_property
    def polygon_problems(self) -> dict[str, list[str | None]]:
        """Why each hazard area and release polygon is invalid (None when it is valid)."""
        return {name: polygon_problems(self[name].geoms) for name in ("hazard_areas", "releases")}

    @cached_property
    def valid_hazards(self) -> NDArray[np.bool_]:
        return np.array([p is None for p in self.polygon_problems["hazard_areas"]], dtype=bool)

    @cached_property
    def hazard_m2(self) -> NDArray[np.float64]:
        """Computed area of each valid hazard area (NaN for invalid ones)."""
        out = np.full(len(self.valid_hazards), np.nan)
        out[self.valid_hazards] = area_m2(self["hazard_areas"].geoms[self.valid_hazards])
        return out

    @cached_property
    def hazard_pairs(self) -> HazardPairs:
        hazards = self["hazard_areas"]
        return hazard_pairs(hazards.geoms, hazards["record"], hazards["organisation"],
                            self.valid_hazards, self.hazard_m2)


def run_checks(conn: Connection) -> list[Finding]:
    """Every check over the registry, findings sorted by check, layer and record."""
    registry = Registry(conn)
    found = [f for check in ALL_CHECKS for f in check(registry)]
    order = {name: i for i, name in enumerate(CHECKS)}
    return sorted(found, key=lambda f: (order[f.check], f.layer, f.record, f.message))


def rows_where(mask: object) -> list[int]:
    """The rows where a boolean mask (array or Series) holds."""
    return np.flatnonzero(np.asarray(mask, dtype=bool)).tolist()


def lookup(keys: pd.Series, table: pd.Series) -> pd.Series:
    """`table[key]` for each key, missing where the key is missing or names nothing."""
    return pd.Series(table.reindex(keys.to_numpy()).to_numpy(), index=keys.index)


def _day(value: object) -> str:
    return pd.Timestamp(value).date().isoformat()  # type: ignore[arg-type]


def _m2(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 10 else f"{value:.3g}"


# invalid_geometry ------------------------------------------------------------------------------

def invalid_geometries(registry: Registry) -> Iterable[Finding]:
    """Polygons that are not valid lon/lat (multi)polygons; points that cannot be placed."""
    for layer in ("hazard_areas", "releases"):
        for row, problem in enumerate(registry.polygon_problems[layer]):
            if problem:
                yield registry[layer].finding("invalid_geometry", ERROR, row, problem)
    for layer in EVENTS:
        records = registry[layer]
        for row, problem in point_problems(records.geoms).items():
            yield records.finding("invalid_geometry", ERROR, row, problem)


def point_problems(geoms: NDArray[np.object_]) -> dict[int, str]:
    """Why a recorded point cannot be placed, by row (a missing point is not recorded, not bad)."""
    suspect = ~shapely.is_missing(geoms) & ~placeable(geoms, (0,))
    out: dict[int, str] = {}
    for row in rows_where(suspect):
        geom = geoms[row]
        if geom.geom_type != "Point":
            out[row] = f"geometry is a {geom.geom_type}, expected a Point"
        elif geom.is_empty:
            out[row] = "geometry is empty"
        else:
            out[row] = coordinate_problem(geom) or "coordinates cannot be placed"
    return out


def placeable(geoms: NDArray[np.object_], type_ids: Sequence[int]) -> NDArray[np.bool_]:
    """Non-empty geometries of these types with finite coordinates in lon/lat range."""
    bounds = shapely.bounds(geoms)
    with np.errstate(invalid="ignore"):
        in_range = (np.isfinite(bounds).all(axis=1)
                    & (np.abs(bounds[:, [0, 2]]) <= 180).all(axis=1)
                    & (np.abs(bounds[:, [1, 3]]) <= 90).all(axis=1))
    return np.asarray(np.isin(shapely.get_type_id(geoms), type_ids)
                      & ~shapely.is_empty(geoms) & in_range)


# duplicate and overlap -------------------------------------------------------------------------

@dataclass(frozen=True)
class HazardPairs:
    """Pairs of valid hazard areas that intersect, as rows (later code, earlier code), with the
    measures `duplicate` and `overlap` judge them by."""

    later: NDArray[np.int64]
    earlier: NDArray[np.int64]
    shared_m2: NDArray[np.float64]
    """Area shared (m2); NaN where it could not matter (same organisation, unlike sizes)."""
    symdiff_m2: NDArray[np.float64]
    hausdorff_m: NDArray[np.float64]
    """Outline distance (m); infinite where the bounds alone put it beyond the tolerance."""
    duplicate: NDArray[np.bool_]


def hazard_pairs(
    geoms: NDArray[np.object_], codes: NDArray[np.object_], orgs: NDArray[np.object_],
    valid: NDArray[np.bool_], areas: NDArray[np.float64],
) -> HazardPairs:
    """Every pair of valid polygons that intersect, found with one STRtree query.

    Their shared area is cut out only where it can matter: for areas of two organisations, or
    for areas that may be duplicates (|A xor B| >= ||A| - |B||, so areas more than 1 % apart in
    size can only be duplicates by the outline distance, which their bounds may rule out first).
    The symmetric difference needs no second overlay: |A xor B| = |A| + |B| - 2 |A and B|.
    """
    index = np.flatnonzero(valid)
    left, right = shapely.STRtree(geoms[index]).query(geoms[index], predicate="intersects")
    keep = left < right
    first, second = index[left[keep]], index[right[keep]]
    swap = codes[second].astype(str) < codes[first].astype(str)
    later, earlier = np.where(swap, first, second), np.where(swap, second, first)
    hausdorff = np.full(len(later), np.inf)
    near = bounds_apart_m(geoms[later], geoms[earlier]) <= DUPLICATE_DISTANCE_M
    hausdorff[near] = hausdorff_m(geoms[later[near]], geoms[earlier[near]])
    smaller = np.minimum(areas[later], areas[earlier])
    larger = np.maximum(areas[later], areas[earlier])
    mine, theirs = orgs[later], orgs[earlier]
    needed = ((pd.notna(mine) & pd.notna(theirs) & (mine != theirs))
              | (larger - smaller <= DUPLICATE_SHARE * smaller))
    shared = np.full(len(later), np.nan)
    shared[needed] = area_like(intersections(geoms[later[needed]], geoms[earlier[needed]]),
                               geoms[later[needed]])
    symdiff = np.maximum(areas[later] + areas[earlier] - 2 * shared, 0.0)
    with np.errstate(invalid="ignore"):
        duplicate = (hausdorff <= DUPLICATE_DISTANCE_M) | (symdiff <= DUPLICATE_SHARE * smaller)
    return HazardPairs(later, earlier, shared, symdiff, hausdorff, duplicate)


def duplicates(registry: Registry) -> Iterable[Finding]:
    """Hazard areas drawn twice: the same land counted twice in the books."""
    hazards, pairs = registry["hazard_areas"], registry.hazard_pairs
    chosen = np.flatnonzero(pairs.duplicate)
    for row, other, apart, symdiff in zip(
        pairs.later[chosen].tolist(), pairs.earlier[chosen].tolist(),
        pairs.hausdorff_m[chosen].tolist(), pairs.symdiff_m2[chosen].tolist(), strict=True,
    ):
        copy = apart <= COPY_DISTANCE_M
        outlines = f"within {apart:.2f} m" if np.isfinite(apart) else "over 5 m apart"
        unshared = f", {_m2(symdiff)} m2 not shared" if np.isfinite(symdiff) else ""
        yield hazards.finding(
            "duplicate", ERROR if copy else WARNING, row,
            f"{'the same' if copy else 'nearly the same'} shape as {hazards['record'][other]} "
            f"(outlines {outlines}{unshared})")


def overlaps(registry: Registry) -> Iterable[Finding]:
    """Land claimed by two organisations' hazard areas: counted twice, tasked twice."""
    hazards, pairs = registry["hazard_areas"], registry.hazard_pairs
    orgs = hazards["organisation"]
    mine, theirs = orgs[pairs.later], orgs[pairs.earlier]
    chosen = np.flatnonzero(pd.notna(mine) & pd.notna(theirs) & (mine != theirs)
                            & (pairs.shared_m2 > OVERLAP_TOLERANCE_M2) & ~pairs.duplicate)
    for row, other, shared in zip(pairs.later[chosen].tolist(), pairs.earlier[chosen].tolist(),
                                  pairs.shared_m2[chosen].tolist(), strict=True):
        yield hazards.finding(
            "overlap", WARNING, row,
            f"{orgs[row]}'s area overlaps {hazards['record'][other]} of {orgs[other]} "
            f"by {_m2(shared)} m2")


# area_mismatch and unit_confusion --------------------------------------------------------------

def area_ratios(registry: Registry) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Reported over computed area for each hazard area (NaN where either is unknown)."""
    reported = pd.to_numeric(registry["hazard_areas"].frame["reported_area_m2"],
                             errors="coerce").to_numpy(dtype=float)
    computed = registry.hazard_m2
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(computed > 0, reported / computed, np.nan)
    return ratio, reported


def unit_confusion(ratio: NDArray[np.float64]) -> list[tuple[str, str] | None]:
    """For each ratio near a unit's factor, how it stands to the computed area and what was
    likely confused; None for the others."""
    out: list[tuple[str, str] | None] = [None] * len(ratio)
    with np.errstate(invalid="ignore", divide="ignore"):
        for factor, unit in UNITS:
            for row in rows_where(np.abs(ratio * factor - 1) <= UNIT_SHARE):
                out[row] = (f"1/{factor:,.0f} of", f"{unit} typed as square metres?")
            for row in rows_where(np.abs(ratio / factor - 1) <= UNIT_SHARE):
                out[row] = (f"{factor:,.0f} times", f"square metres converted as {unit}?")
    return out


def unit_confusions(registry: Registry) -> Iterable[Finding]:
    """Reported areas off by a unit's factor: a figure in the wrong unit, not an estimate."""
    ratio, reported = area_ratios(registry)
    hazards = registry["hazard_areas"]
    for row, confusion in enumerate(unit_confusion(ratio)):
        if confusion:
            relation, guess = confusion
            yield hazards.finding(
                "unit_confusion", ERROR, row,
                f"reported area {_m2(reported[row])} m2 is {relation} the computed "
                f"{_m2(registry.hazard_m2[row])} m2: {guess}")


def area_mismatches(registry: Registry) -> Iterable[Finding]:
    """Reported and computed areas more than 10 % apart, and not by a unit's factor."""
    ratio, reported = area_ratios(registry)
    confused = np.array([c is not None for c in unit_confusion(ratio)], dtype=bool)
    with np.errstate(invalid="ignore"):
        off = (np.abs(ratio - 1) > REPORTED_AREA_TOLERANCE) & ~confused
    hazards = registry["hazard_areas"]
    for row in rows_where(off):
        r = ratio[row]
        relation = (f"{abs(r - 1):.1%} {'more' if r > 1 else 'less'} than" if 0.5 <= r <= 2
                    else f"{r:.3g} times")
        yield hazards.finding(
            "area_mismatch", WARNING, row,
            f"reported area {_m2(reported[row])} m2 is {relation} the computed "
            f"{_m2(registry.hazard_m2[row])} m2")


# outside_hazard and inside_released ------------------------------------------------------------

def polygon_tree(geoms: NDArray[np.object_]) -> tuple[shapely.STRtree, NDArray[np.int64]]:
    """An STRtree of the polygons a point can be placed in, and their rows."""
    rows = np.flatnonzero(placeable(geoms, (3, 6)))
    return shapely.STRtree(geoms[rows]), rows


def outside_hazards(registry: Registry) -> Iterable[Finding]:
    """Finds and accidents where no hazard area is recorded: contamination the registry
    misses, or a point placed wrongly."""
    tree, _ = polygon_tree(registry["hazard_areas"].geoms)
    activities = registry["activities"]
    spot_tasks = set(activities["record"][activities["type"] == ActivityType.EOD_SPOT.value])
    for layer in EVENTS:
        records = registry[layer]
        rows = np.flatnonzero(placeable(records.geoms, (0,)))
        inside = np.zeros(len(rows), dtype=bool)
        inside[tree.query(records.geoms[rows], predicate="intersects")[0]] = True
        outside = rows[~inside]
        if layer == "finds":
            outside = outside[~pd.Series(records["activity"][outside]).isin(spot_tasks)]
        where = shapely.get_coordinates(records.geoms[outside])
        for row, (lon, lat) in zip(outside.tolist(), where.tolist(), strict=True):
            yield records.finding("outside_hazard", WARNING, row,
                                  f"at lon {lon:.6f}, lat {lat:.6f}, in no hazard area")


def inside_released(registry: Registry) -> Iterable[Finding]:
    """Finds and accidents in released land after its release: land declared safe was not."""
    released = registry["releases"]
    tree, release_rows = polygon_tree(released.geoms)
    released_on = released["release_date"]
    for layer, date_column in EVENTS.items():
        records = registry[layer]
        rows = np.flatnonzero(placeable(records.geoms, (0,)))
        point, polygon = tree.query(records.geoms[rows], predicate="within")
        event, release = rows[point], release_rows[polygon]
        when = records[date_column][event]
        after = pd.notna(when) & pd.notna(released_on[release]) & (when > released_on[release])
        first: dict[int, int] = {}
        for row, rel in sorted(zip(event[after].tolist(), release[after].tolist(),
                                   strict=True)):
            first.setdefault(row, rel)
        for row, rel in first.items():
            yield records.finding(
                "inside_released", ERROR, row,
                f"dated {_day(records[date_column][row])}, inside land of "
                f"{released['hazard'][rel]} {released['method'][rel]} on "
                f"{_day(released_on[rel])} ({released['record'][rel]})")


# date_order ------------------------------------------------------------------------------------

def dates_out_of_order(registry: Registry) -> Iterable[Finding]:
    """Dates that contradict the order work is done in."""
    yield from activities_ending_first(registry)
    yield from work_before_survey(registry)
    yield from finds_before_activity(registry)
    yield from releases_before_information(registry)


def activities_ending_first(registry: Registry) -> Iterable[Finding]:
    records = registry["activities"]
    for row in rows_where(records.frame["end_date"] < records.frame["start_date"]):
        yield records.finding("date_order", ERROR, row,
                              f"ends {_day(records['end_date'][row])}, before it starts "
                              f"({_day(records['start_date'][row])})")


def work_before_survey(registry: Registry) -> Iterable[Finding]:
    """TS, clearance or BAC started before the hazard's first non-technical survey ended."""
    records = registry["activities"]
    frame = records.frame
    surveys = frame[(frame["type"] == ActivityType.NTS.value) & frame["end_date"].notna()]
    first = surveys.sort_values(["end_date", "record"]).groupby("hazard").first()
    survey_end = lookup(frame["hazard"], first["end_date"])
    survey = lookup(frame["hazard"], first["record"]).to_numpy()
    early = frame["type"].isin(FOLLOW_SURVEY) & (frame["start_date"] < survey_end)
    for row in rows_where(early):
        yield records.finding(
            "date_order", WARNING, row,
            f"{records['type'][row]} started {_day(records['start_date'][row])}, before "
            f"non-technical survey {survey[row]} of {records['hazard'][row]} ended "
            f"({_day(survey_end.iat[row])})")


def _before_parent(registry: Registry, layer: str, dated: str, reference: str, parent: str,
                   parent_date: str, severity: str,
                   words: Callable[[Any, int, Any], str]) -> Iterable[Finding]:
    """Records of `layer` dated before the date of the record they name."""
    records = registry[layer]
    limits = registry[parent].frame.set_index("record")[parent_date]
    limit = lookup(records.frame[reference], limits)
    for row in rows_where(records.frame[dated] < limit):
        yield records.finding("date_order", severity, row, words(records, row, limit.iat[row]))


def finds_before_activity(registry: Registry) -> Iterable[Finding]:
    return _before_parent(
        registry, "finds", "find_date", "activity", "activities", "start_date", ERROR,
        lambda r, row, day: f"found {_day(r['find_date'][row])}, before its activity "
                            f"{r['activity'][row]} started ({_day(day)})")


def releases_before_information(registry: Registry) -> Iterable[Finding]:
    return _before_parent(
        registry, "releases", "release_date", "hazard", "hazard_areas", "info_date", WARNING,
        lambda r, row, day: f"released {_day(r['release_date'][row])}, before the date of "
                            f"information of {r['hazard'][row]} ({_day(day)})")


# orphan ----------------------------------------------------------------------------------------

def orphans(registry: Registry) -> Iterable[Finding]:
    """References naming no record: whatever they tie together is lost from the books."""
    for layer, column, target in REFERENCES:
        records = registry[layer]
        names = records.frame[column]
        known = set(registry[target]["record"])
        for row in rows_where(names.notna() & ~names.isin(known)):
            yield records.finding("orphan", ERROR, row,
                                  f"{column} {records[column][row]!r} names no record in "
                                  f"{target}")


ALL_CHECKS: tuple[Callable[[Registry], Iterable[Finding]], ...] = (
    invalid_geometries, duplicates, overlaps, area_mismatches, unit_confusions,
    outside_hazards, inside_released, dates_out_of_order, orphans,
)


def readable_report(findings: Sequence[Finding]) -> str:
    """Findings grouped by check, one line each, then the count of errors and warnings."""
    if not findings:
        return f"No findings: all {len(CHECKS)} checks passed."
    width = max(len(f.record) for f in findings)
    lines: list[str] = []
    for check in CHECKS:
        group = [f for f in findings if f.check == check]
        if group:
            lines.append(f"{check} ({len(group)})")
            lines.extend(f"  {f.severity:<7}  {f.layer:<16}  {f.record:<{width}}  {f.message}"
                         for f in group)
    errors = sum(f.severity == ERROR for f in findings)
    lines.append(f"{len(findings)} finding(s): {errors} error(s), "
                 f"{len(findings) - errors} warning(s)")
    return "\n".join(lines)
