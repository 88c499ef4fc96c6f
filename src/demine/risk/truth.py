"""Scoring a risk map against the simulator's ground truth: how well it ranks the cells that truly
hold ordnance, and how much suspected land survey must search to find 90 % of the contaminated
cells when it visits hazard areas by risk, by their recorded priority, or at random."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from sklearn.metrics import roc_auc_score
from sqlalchemy import Connection, select

from demine.risk.features import to_metres
from demine.risk.model import top_shares
from demine.risk.registry import RiskMap
from demine.sim.truthstore import TruthStore, items
from demine.store import Store
from demine.store.schema import hazard_areas

FOUND_SHARE = 0.9
RANDOM_ORDERS = 20


def contaminated_cells(store: Store, risk_map: RiskMap) -> NDArray[np.bool_] | None:
    """Cells holding an item still in the ground on the map's date; None without a truth."""
    truth = TruthStore(store)
    try:
        if not truth.exists():
            return None
        with truth.read() as conn:
            rows = conn.execute(select(items.c.geom, items.c.fate, items.c.fate_date)).all()
    finally:
        truth.dispose()
    day = risk_map.as_of.isoformat()
    still = [g for g, fate, when in rows if fate == "in_ground" or (when or "") >= day]
    points = to_metres(risk_map.grid.frame, np.asarray(still, dtype=object))
    cells = risk_map.grid.locate(shapely.get_x(points), shapely.get_y(points))
    out = np.zeros(len(risk_map.grid), dtype=bool)
    out[cells[cells >= 0]] = True
    return out


def land_to_find(order: list[str], area: dict[str, float], found: dict[str, int],
                 total: int) -> float:
    """Square metres searched, visiting areas in order, until FOUND_SHARE of `total` is found."""
    searched, got = 0.0, 0
    for code in order:
        if got >= FOUND_SHARE * total:
            break
        searched += area[code]
        got += found[code]
    return searched


def survey_orders(conn: Connection, risk_map: RiskMap, truly: NDArray[np.bool_], seed: int = 0
                  ) -> dict[str, Any]:
    """Land searched until 90 % of the contaminated cells of suspected land are found."""
    rows = conn.execute(select(hazard_areas.c.code, hazard_areas.c.priority,
                               hazard_areas.c.remaining_area_m2, hazard_areas.c.status)).all()
    frame = pd.DataFrame(rows, columns=["code", "priority", "area", "status"])
    frame = frame[frame["status"] != "closed"]
    mean = {code: m for code, m, _, _ in risk_map.hazard_stats}
    found: dict[str, int] = {code: 0 for code in frame["code"]}
    counted = np.zeros(len(truly), dtype=bool)
    for cell, code in enumerate(risk_map.hazard):
        if code in found and truly[cell] and not counted[cell]:
            found[code] += 1
            counted[cell] = True
    total = sum(found.values())
    area = dict(zip(frame["code"], frame["area"].astype(float), strict=True))
    codes = frame["code"].tolist()
    by_risk = sorted(codes, key=lambda c: (-mean.get(c, 0.0), c))
    recorded = {code: float(p) if pd.notna(p) else np.inf
                for code, p in zip(frame["code"], frame["priority"], strict=True)}
    by_priority = sorted(codes, key=lambda c: (recorded[c], c))  # unprioritised areas last
    rng = np.random.default_rng(seed)
    randomly = float(np.median([land_to_find(list(rng.permutation(codes)), area, found, total)
                                for _ in range(RANDOM_ORDERS)]))
    ideal = sorted(codes, key=lambda c: (-found[c] / max(area[c], 1.0), c))
    return {
        "contaminated_cells_in_suspected_land": total,
        "suspected_land_km2": round(sum(area.values()) / 1e6, 3),
        "km2_searched_for_90pct": {
            "by_risk": round(land_to_find(by_risk, area, found, total) / 1e6, 3),
            "by_priority": round(land_to_find(by_priority, area, found, total) / 1e6, 3),
            "random_median": round(randomly / 1e6, 3),
            "ideal": round(land_to_find(ideal, area, found, total) / 1e6, 3)},
    }


def score_against_truth(store: Store, risk_map: RiskMap) -> dict[str, Any] | None:
    """ROC AUC and top-k shares of the map over all cells and over suspected land, and the
    survey comparison; None when the registry has no simulator truth beside it."""
    truly = contaminated_cells(store, risk_map)
    if truly is None:
        return None
    y = truly.astype(float)
    suspected = np.array([h is not None for h in risk_map.hazard], dtype=bool)
    out: dict[str, Any] = {"as_of": risk_map.as_of.isoformat(),
                           "contaminated_cells": int(truly.sum()), "cells": len(truly)}
    for name, rows in (("all_cells", np.ones(len(y), dtype=bool)), ("suspected_land", suspected)):
        both = len(set(y[rows].tolist())) == 2
        out[name] = {"roc_auc": float(roc_auc_score(y[rows], risk_map.risk[rows])) if both
                     else None, "top_share": top_shares(y[rows], risk_map.risk[rows])}
    with store.read() as conn:
        out["survey"] = survey_orders(conn, risk_map, truly)
    return out
