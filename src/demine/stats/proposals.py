"""Sampling designs for one hazard area of the registry: the quality-control inspection of its
cleared land, and the lane spacing of a technical survey of its remaining land."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely
from sqlalchemy import Connection, func, select

from demine.geo.local import local_metres
from demine.stats.bounds import positive
from demine.stats.residual import uxo_upper_bound
from demine.stats.sampling import acceptance_probability, iso2859_plan
from demine.stats.transects import transect_spacing
from demine.store.hazards import get_hazard
from demine.store.schema import releases

RESIDUAL_CONFIDENCE = 0.95
"""Confidence of the bound on items left when the survey lanes find nothing."""


def qc_proposal(conn: Connection, code: str, unit_m2: float, aql: float,
                level: str = "II") -> dict[str, Any]:
    """The ISO 2859-1 inspection plan for a hazard area's cleared land, divided into
    inspection units of `unit_m2` (the lot), with the chance that the lot passes at the AQL and
    at five times it."""
    unit = positive("unit_m2", unit_m2)
    hazard = get_hazard(conn, code)
    cleared = float(conn.execute(
        select(func.coalesce(func.sum(releases.c.area_m2), 0.0))
        .where(releases.c.hazard == code, releases.c.method == "cleared")).scalar_one())
    if cleared <= 0:
        raise ValueError(f"hazard area {code} has no cleared land to inspect")
    lot = math.ceil(cleared / unit - 1e-9)
    if lot < 2:
        raise ValueError(f"hazard area {code} has {cleared:.0f} m2 cleared: fewer than 2 "
                         f"inspection units of {unit:g} m2 (choose a smaller unit_m2)")
    plan = iso2859_plan(lot, aql, level)
    n = min(plan.n, lot)
    return {
        "hazard": code, "status": hazard["status"], "cleared_m2": round(cleared, 1),
        "lot_size": lot, "unit_m2": unit,
        "plan": {"code_letter": plan.code_letter, "n": plan.n, "ac": plan.ac, "re": plan.re},
        "inspected_units": n, "inspected_m2": round(n * unit, 1),
        "whole_lot": plan.n >= lot,
        "acceptance_at_aql": round(acceptance_probability(n, plan.ac, aql / 100, lot), 4)
        if aql <= 10 else None,
        "acceptance_at_5x_aql": round(acceptance_probability(n, plan.ac, min(1.0, 5 * aql / 100),
                                                             lot), 4) if aql <= 10 else None,
    }


def ts_proposal(conn: Connection, code: str, target_radius_m: float, swath_m: float,
                probability: float) -> dict[str, Any]:
    """Lane spacing for a technical survey of a hazard area's remaining land: lanes of
    `swath_m` cross a circular contaminated patch of `target_radius_m` with `probability`;
    lanes run along the longer side of the area's minimum rotated rectangle."""
    radius = positive("target_radius_m", target_radius_m)
    swath = positive("swath_m", swath_m)
    spacing = transect_spacing(radius, radius, swath, probability)
    hazard = get_hazard(conn, code)
    if hazard["status"] == "closed" or not hazard["remaining_area_m2"]:
        raise ValueError(f"hazard area {code} is closed: no land remains to survey")
    shape = hazard["geom"]
    centre = shapely.centroid(shape)
    metric = local_metres(np.array([shape], dtype=object), np.array([centre.x]),
                          np.array([centre.y]))[0]
    box = shapely.minimum_rotated_rectangle(metric)
    corners = np.asarray(box.exterior.coords)[:3]
    sides = sorted(float(np.hypot(*(corners[i + 1] - corners[i]))) for i in range(2))
    area = float(hazard["remaining_area_m2"])
    fraction = min(1.0, swath / spacing)
    return {
        "hazard": code, "remaining_m2": round(area, 1), "spacing_m": round(spacing, 3),
        "lanes": max(1, math.ceil(sides[0] / spacing)),
        "lane_length_m": round(area / spacing, 1),
        "searched_m2": round(area * fraction, 1), "searched_fraction": round(fraction, 5),
        "if_nothing_found": {"confidence": RESIDUAL_CONFIDENCE,
                             "max_items_left": uxo_upper_bound(fraction, RESIDUAL_CONFIDENCE)},
    }
