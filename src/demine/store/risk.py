"""The contamination risk map in the store: its grid of cells and each hazard area's summary.

A map is a computed layer, not a record anyone edits: each new map replaces the previous one
whole, inside the caller's write transaction, with one audit entry saying who made it, for which
date and how many cells it holds. Writing goes through `bulk_insert`, so half a million cells
take seconds; on the embedded store the old cells' R-tree is dropped and made again empty
rather than emptied one entry at a time.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from sqlalchemy import Connection, delete, func, insert, select

from demine.model.entities import new_ids
from demine.store import audit
from demine.store.base import now_iso
from demine.store.bulk import bulk_insert
from demine.store.geopackage import rtree_ddl
from demine.store.schema import hazard_risk as hazard_risk_table
from demine.store.schema import risk_cells
from demine.store.types import encode_geometries

POLYGON = 3
"""shapely's type id of a Polygon."""


def replace_risk_grid(conn: Connection, cells: list[str], geoms: NDArray[np.object_],
                      risk: NDArray[np.float64], hazard: list[str | None],
                      contributions: list[str | None], as_of: date, actor: str) -> int:
    """Delete the previous grid and write this one (bulk insert, fast for 500,000 cells);
    one audit entry; returns the count.

    `geoms` are shapely Polygons in WGS84 longitude/latitude; `risk` probabilities in [0, 1];
    `hazard` the code of the hazard area each cell's centre lies in; `contributions` JSON text
    (feature name -> log-odds contribution).
    """
    _check_grid(cells, geoms, risk, hazard, contributions)
    before = _clear_grid(conn)
    now = now_iso()
    n = len(cells)
    columns: dict[str, list[Any]] = {
        "id": new_ids(n), "cell": list(cells), "risk": np.asarray(risk, dtype=float).tolist(),
        "as_of": [as_of] * n, "hazard": list(hazard), "contributions": list(contributions),
        "created_at": [now] * n, "updated_at": [now] * n, "created_by": [actor] * n,
        "geom": encode_geometries(conn.dialect.name, geoms),
    }
    bulk_insert(conn, risk_cells, columns, geoms)
    audit.append(conn, [audit.AuditEntry(
        actor, "replace", risk_cells.name, as_of.isoformat(),
        {"count": before}, {"as_of": as_of, "count": n})], now)
    return n


def _check_grid(cells: list[str], geoms: NDArray[np.object_], risk: NDArray[np.float64],
                hazard: list[str | None], contributions: list[str | None]) -> None:
    """Refuse a grid whose columns disagree in length, or that is not polygons of risks."""
    lengths = {"cells": len(cells), "geoms": len(geoms), "risk": len(risk),
               "hazard": len(hazard), "contributions": len(contributions)}
    if len(set(lengths.values())) > 1:
        raise ValueError("risk grid columns differ in length: "
                         + ", ".join(f"{k} {v}" for k, v in lengths.items()))
    values = np.asarray(risk, dtype=float)
    if not np.all((values >= 0) & (values <= 1)):  # NaN fails too
        raise ValueError("risk must be a probability between 0 and 1 in every cell")
    if len(geoms) and not np.all(shapely.get_type_id(geoms) == POLYGON):
        raise ValueError("risk cells must be polygons")


def _clear_grid(conn: Connection) -> int:
    """Delete every cell; the number there were."""
    count = int(conn.execute(select(func.count()).select_from(risk_cells)).scalar_one())
    if conn.dialect.name != "sqlite":
        conn.execute(delete(risk_cells))
        return count
    # Deleting through the R-tree's trigger costs a tree update per cell: drop the index and
    # make it again, empty (bulk_insert then packs it in one pass).
    rtree = f"rtree_{risk_cells.name}_geom"
    triggers = conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?",
        (risk_cells.name,)).scalars().all()
    for trigger in triggers:
        conn.exec_driver_sql(f'DROP TRIGGER "{trigger}"')
    conn.exec_driver_sql(f'DROP TABLE IF EXISTS "{rtree}"')
    conn.execute(delete(risk_cells))
    for ddl in rtree_ddl(risk_cells.name, "geom"):
        conn.exec_driver_sql(ddl)
    return count


def replace_hazard_risk(conn: Connection, rows: list[tuple[str, float, float, int]],
                        as_of: date, contributions: dict[str, str] | None = None) -> None:
    """(hazard code, mean, max, cells), replacing all previous rows; `contributions` holds each
    area's largest mean contributions over its cells, as JSON (feature -> log-odds)."""
    conn.execute(delete(hazard_risk_table))
    if not rows:
        return
    now = now_iso()
    explained = contributions or {}
    conn.execute(insert(hazard_risk_table), [
        {"hazard": code, "risk_mean": float(mean), "risk_max": float(largest),
         "cells": int(cells), "as_of": as_of, "contributions": explained.get(code),
         "created_at": now}
        for code, mean, largest, cells in rows])


def hazard_contributions(conn: Connection, code: str) -> str | None:
    """The area's largest mean contributions in the latest map, as JSON; None without."""
    t = hazard_risk_table
    return conn.execute(select(t.c.contributions).where(t.c.hazard == code)).scalar()


def hazard_risk(conn: Connection) -> dict[str, tuple[float, float, int, date]]:
    """hazard code -> (mean, max, cells, as_of); empty when no map was made."""
    t = hazard_risk_table
    rows = conn.execute(select(t.c.hazard, t.c.risk_mean, t.c.risk_max, t.c.cells, t.c.as_of))
    return {code: (float(mean), float(largest), int(cells), as_of)
            for code, mean, largest, cells, as_of in rows}
