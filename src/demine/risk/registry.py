"""Registry mode: a risk grid from what the registry knew on a date.

Labels come from the registry itself. A cell is contaminated (1) where a find or an accident was
recorded in it, or its centre lies in a confirmed hazard area (CHA) not yet released; it is free
(0) where its centre lies in released land with no find in the cell. Early in a programme little
land has been released, so cells outside every hazard area are sampled as free too (land that
survey of the whole region left unsuspected is presumed clean: the usual presence/background
design). Suspected land (SHA) stays unlabelled: that is where the map is wanted.

Validation leaves whole admin units out, as in tabular mode; the model is then trained on every
labelled cell and scores every cell, with LightGBM's per-feature contributions.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from sqlalchemy import Connection

from demine.risk.features import cell_features, known, to_metres
from demine.risk.grid import Grid, build_grid
from demine.risk.model import Scorer, Settings, _calibrated_lightgbm, validate
from demine.risk.table import RiskError, TrainingTable
from demine.sim.frame import Frame
from demine.stats.quality import read_layer
from demine.store import schema

BACKGROUND_PER_POSITIVE = 5
MIN_BACKGROUND = 2000
TOP_CONTRIBUTIONS = 5
EXPLAINED_SHARE = 0.1
"""Besides every cell in a hazard area, the riskiest share of cells whose contributions are kept
(TreeSHAP costs far more than scoring, and the rest of the grid is rarely looked into)."""
REGISTRY_SETTINGS = Settings(trees=200, learning_rate=0.05)
"""A slower rate with more trees: on `border` survey by risk then finds 90 % of the contaminated
cells in 118 km2 of suspected land, against 133 km2 with the tabular mode's 100 trees at 0.15."""
OUTSIDE = "(outside every admin unit)"
BLOCK_M = 10_000.0
"""Side of the square blocks left out whole in validation where fewer than two admin units hold
labelled cells."""


@dataclass
class RiskMap:
    """The scored grid and what it was made from."""

    grid: Grid
    as_of: date
    risk: NDArray[np.float64]
    labels: NDArray[np.float64]
    units: NDArray[np.str_]
    contributions: list[str | None]
    hazard: list[str | None]
    hazard_stats: list[tuple[str, float, float, int]]
    hazard_contributions: dict[str, str]
    report: dict[str, Any] = field(default_factory=dict)


Units = tuple[list[str], NDArray[np.object_]]
"""Admin units for validation: their names and their shapes in metres."""


def region_frame(conn: Connection) -> tuple[Frame, NDArray[np.object_], Units]:
    """The local frame of the region, the land to lay the grid over, and the admin units used for
    validation (the deepest level with at least two units), both in metres."""
    places = read_layer(conn, schema.locations, ("level", "name"), (), True)
    polygonal = np.array([g is not None and g.geom_type.endswith("Polygon")
                          for g in places.geoms], dtype=bool)
    land = places.geoms[polygonal]
    levels = places.frame["level"].to_numpy(dtype=object)[polygonal]
    names = places.frame["name"].to_numpy(dtype=object)[polygonal]
    if not len(land):
        cover = read_layer(conn, schema.land_cover, (), (), True).geoms
        hazards = read_layer(conn, schema.hazard_areas, (), (), True).geoms
        land = cover if len(cover) else np.asarray(shapely.buffer(hazards, 0.01))
        levels = np.array([None] * len(land), dtype=object)
    if not len(land):
        raise RiskError(["the registry holds no admin units, land cover or hazard areas to lay a "
                         "risk grid over"])
    west, south, east, north = shapely.total_bounds(land)
    frame = Frame(float((west + east) / 2), float((south + north) / 2))
    metres = to_metres(frame, land)
    for level in sorted({lv for lv in levels.tolist() if lv}, reverse=True):
        chosen = levels == level
        if chosen.sum() >= 2:
            return frame, metres, ([str(n) for n in names[chosen]], metres[chosen])
    return frame, metres, ([], np.empty(0, dtype=object))


def _units(grid: Grid, units: Units) -> NDArray[np.str_]:
    names, shapes = units
    out = np.full(len(grid), OUTSIDE, dtype=object)
    if len(shapes):
        cell, unit = shapely.STRtree(shapes).query(grid.centres(), predicate="intersects")
        out[cell] = [names[k] for k in unit]
    return np.asarray(out.astype(str))


def _blocks(grid: Grid) -> NDArray[np.str_]:
    bx = np.floor((grid.x - grid.x0) / BLOCK_M).astype(int)
    by = np.floor((grid.y - grid.y0) / BLOCK_M).astype(int)
    return np.array([f"block E{a}N{b}" for a, b in zip(bx, by, strict=True)])


def _cells_in(grid: Grid, geoms: NDArray[np.object_]) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """(cell, geometry) pairs where the cell centre lies in the geometry."""
    if not len(geoms):
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
    tree = shapely.STRtree(geoms)
    cell, geom = tree.query(grid.centres(), predicate="intersects")
    return cell, geom


def _cells_holding(grid: Grid, geoms: NDArray[np.object_]) -> NDArray[np.int64]:
    if not len(geoms):
        return np.empty(0, dtype=np.int64)
    points = shapely.point_on_surface(geoms)
    cells = grid.locate(shapely.get_x(points), shapely.get_y(points))
    return cells[cells >= 0]


def registry_labels(conn: Connection, grid: Grid, as_of: date, seed: int
                    ) -> tuple[NDArray[np.float64], dict[str, int]]:
    """1, 0 or NaN (unlabelled) for every cell, and how many cells each source gave."""
    frame = grid.frame
    finds = known(conn, frame, "finds", as_of, day="find_date").geoms
    accidents = known(conn, frame, "accidents", as_of, day="accident_date").geoms
    hazards = known(conn, frame, "hazard_areas", as_of, ("classification", "status"),
                    "info_date")
    released = known(conn, frame, "releases", as_of, day="release_date").geoms
    y = np.full(len(grid), np.nan)
    counts: dict[str, int] = {}
    free = np.unique(_cells_in(grid, released)[0])
    y[free] = 0.0
    counts["released cells (free)"] = len(free)
    open_cha = (hazards.frame["classification"] == "CHA").to_numpy(dtype=bool) & \
        (hazards.frame["status"] != "closed").to_numpy(dtype=bool)
    cha = np.unique(_cells_in(grid, hazards.geoms[open_cha])[0])
    cha = cha[np.isnan(y[cha])]
    y[cha] = 1.0
    counts["confirmed hazard area cells"] = len(cha)
    for name, geoms in (("cells with finds", finds), ("cells with accidents", accidents)):
        cells = np.unique(_cells_holding(grid, geoms))
        y[cells] = 1.0
        counts[name] = len(cells)
    positives = int((y == 1).sum())
    suspected = np.zeros(len(grid), dtype=bool)
    suspected[_cells_in(grid, hazards.geoms)[0]] = True
    background = np.flatnonzero(np.isnan(y) & ~suspected)
    wanted = min(len(background), max(MIN_BACKGROUND, BACKGROUND_PER_POSITIVE * positives))
    chosen = np.random.default_rng(seed).choice(background, size=wanted, replace=False)
    y[chosen] = 0.0
    counts["background cells outside hazard areas (free)"] = len(chosen)
    return y, counts


def hazard_cells(conn: Connection, grid: Grid) -> tuple[list[str | None], dict[str, NDArray]]:
    """The hazard area each cell centre lies in, and each open area's cells (an area too small to
    hold a centre gets the cell that holds its inner point)."""
    hazards = read_layer(conn, schema.hazard_areas, ("status",), (), True)
    metres = to_metres(grid.frame, hazards.geoms)
    codes = hazards.frame["record"].astype(str).to_numpy()
    cell, area = _cells_in(grid, metres)
    owner: list[str | None] = [None] * len(grid)
    members: dict[str, list[int]] = {}
    for c, a in zip(cell.tolist(), area.tolist(), strict=True):
        owner[c] = codes[a]
        members.setdefault(codes[a], []).append(c)
    points = shapely.point_on_surface(metres)
    inner = grid.locate(shapely.get_x(points), shapely.get_y(points))
    for a, code in enumerate(codes):
        if code not in members and inner[a] >= 0:
            members[code] = [int(inner[a])]
    return owner, {code: np.array(c) for code, c in members.items()}


def _top(contrib: NDArray[np.float64], names: list[str]) -> str:
    top = np.argsort(-np.abs(contrib))[:TOP_CONTRIBUTIONS]
    return json.dumps({names[f]: round(float(contrib[f]), 4) for f in top})


def explain(booster: Any, x: NDArray[np.float64], names: list[str], wanted: NDArray[np.bool_],
            members: dict[str, NDArray]) -> tuple[list[str | None], dict[str, str]]:
    """The largest contributions (log-odds) of the wanted cells, as JSON (None for the others),
    and each hazard area's largest mean contributions over its cells."""
    cells: list[str | None] = [None] * len(x)
    rows = np.flatnonzero(wanted)
    if not len(rows):
        return cells, {}
    contrib = np.asarray(booster.predict(x[rows], pred_contrib=True, num_threads=1),
                         dtype=float)[:, :len(names)]
    for k, r in enumerate(rows.tolist()):
        cells[r] = _top(contrib[k], names)
    where = np.full(len(x), -1)
    where[rows] = np.arange(len(rows))
    areas = {code: _top(contrib[where[c]].mean(axis=0), names)
             for code, c in members.items() if len(c) and (where[c] >= 0).all()}
    return cells, areas


def build_risk_map(conn: Connection, as_of: date, cell_m: float = 250.0,
                   settings: Settings | None = None, scheduler: str | None = None) -> RiskMap:
    """Features, labels, left-out-unit validation, the final model and its scores."""
    settings = settings or REGISTRY_SETTINGS
    began = time.perf_counter()
    frame, land, units = region_frame(conn)
    try:
        grid = build_grid(frame, land, cell_m)
    except ValueError as exc:
        raise RiskError([str(exc)]) from None
    features = cell_features(conn, grid, as_of)
    y, sources = registry_labels(conn, grid, as_of, settings.seed)
    cell_units = _units(grid, units)
    lab = ~np.isnan(y)
    unit_kind = "admin units"
    if len(set(cell_units[lab].tolist())) < 2:
        cell_units = _blocks(grid)
        unit_kind = f"blocks of {BLOCK_M / 1000:g} km (fewer than two admin units hold labels)"
    if not (y == 1).any():
        raise RiskError([f"the registry knew of no contaminated land on {as_of} (no finds, "
                         "accidents or confirmed hazard areas): a risk map needs some to learn "
                         "from"])
    if not (y == 0).any():
        raise RiskError([f"the registry knew of no land free of contamination on {as_of} (no "
                         "released land and no land outside hazard areas)"])
    names = list(features.columns)
    x = features.to_numpy(dtype=float, copy=True)
    x[~np.isfinite(x)] = np.nan
    labelled_units = sorted(set(cell_units[lab].tolist()))
    table = TrainingTable(names, ["float64"] * len(names), x, y, cell_units, labelled_units)
    validation: dict[str, Any] | None = None
    if len(labelled_units) >= 2:
        keep = np.isin(cell_units, labelled_units)
        sub = TrainingTable(names, table.dtypes, x[keep], y[keep], cell_units[keep],
                            labelled_units)
        try:
            validation = validate_cells(sub, settings)
        except RiskError:
            validation = None
    booster, platt = _calibrated_lightgbm(x[lab], y[lab], cell_units[lab], settings)
    risk = Scorer(booster, platt).score(x, scheduler)
    owner, members = hazard_cells(conn, grid)
    stats = [(code, float(risk[c].mean()), float(risk[c].max()), len(c))
             for code, c in sorted(members.items())]
    report = {"as_of": as_of.isoformat(), "cell_m": cell_m, "cells": len(grid),
              "labels": sources, "labelled": int(lab.sum()), "positives": int((y == 1).sum()),
              "features": names, "units": labelled_units, "unit_kind": unit_kind,
              "validation": validation,
              "seconds": round(time.perf_counter() - began, 2)}
    explained = np.array([h is not None for h in owner], dtype=bool)
    explained |= risk >= np.quantile(risk, 1 - EXPLAINED_SHARE)
    for c in members.values():
        explained[c] = True
    cells, areas = explain(booster, x, names, explained, members)
    return RiskMap(grid, as_of, risk, y, cell_units, cells, owner, stats, areas, report)


def validate_cells(table: TrainingTable, settings: Settings) -> dict[str, Any]:
    from pathlib import Path

    return validate(Path("registry"), table, "label", "admin unit", settings)


def summary_frame(risk_map: RiskMap) -> pd.DataFrame:
    lon, lat = risk_map.grid.lonlat()
    return pd.DataFrame({"cell": risk_map.grid.ids(), "lon": lon, "lat": lat,
                         "risk": risk_map.risk, "label": risk_map.labels,
                         "unit": risk_map.units, "hazard": risk_map.hazard})
