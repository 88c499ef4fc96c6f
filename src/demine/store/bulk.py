"""Bulk writes that bypass per-row SQLAlchemy work: 100,000 rows in one driver executemany.

On the embedded store the R-tree insert trigger is suspended for the batch and the index is filled
from the envelopes computed once with numpy, then the trigger is put back, all inside the same
transaction: the GeoPackage is never seen without its index.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from sqlalchemy import Connection, Table, select

from demine.store import rtree_pack
from demine.store.geopackage import rtree_ddl
from demine.store.schema import geometry_column

_PLACEHOLDER = {"qmark": "?", "format": "%s", "pyformat": "%s"}


def _sqlite_column(values: list[Any]) -> list[Any]:
    """A column's values as sqlite3 takes them (dates as ISO text, booleans as 0/1)."""
    sample = next((v for v in values if v is not None), None)
    if isinstance(sample, bool):
        return [None if v is None else int(v) for v in values]
    if isinstance(sample, date):
        return [None if v is None else v.isoformat() for v in values]
    return values


def rows_to_columns(rows: Sequence[dict[str, Any]]) -> dict[str, list[Any]]:
    """Row dicts (all with the same keys) as columns."""
    return {key: [r[key] for r in rows] for key in rows[0]} if rows else {}


def bulk_insert(
    conn: Connection,
    table: Table,
    columns: dict[str, list[Any]],
    geometries: NDArray[np.object_] | None = None,
) -> None:
    """Insert columns of equal length (geometry values already encoded) in one call.

    `geometries` are the shapely geometries behind the encoded column, used on the embedded store
    to fill the R-tree from envelopes computed in one pass.
    """
    if not columns or not next(iter(columns.values())):
        return
    mark = _PLACEHOLDER[conn.dialect.paramstyle]
    names = ", ".join(f'"{c}"' for c in columns)
    sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join([mark] * len(columns))})'
    sqlite = conn.dialect.name == "sqlite"
    values = list(columns.values())
    if sqlite:
        values = [_sqlite_column(v) for v in values]
    params = list(zip(*values, strict=True))
    geom = geometry_column(table)
    if not sqlite or geom is None or geometries is None:
        conn.exec_driver_sql(sql, params)
        return
    trigger = f"rtree_{table.name}_{geom.name}_insert"
    before = _sequence(conn, table.name)
    conn.exec_driver_sql(f'DROP TRIGGER IF EXISTS "{trigger}"')
    conn.exec_driver_sql(sql, params)
    after = _sequence(conn, table.name)
    if after - before == len(params):
        fids = np.arange(before + 1, after + 1, dtype=np.int64)
    else:  # not one contiguous run: ask for them
        fids = np.asarray(conn.execute(
            select(table.c.fid).where(table.c.fid > before).order_by(table.c.fid)
        ).scalars().all(), dtype=np.int64)
    _fill_rtree(conn, f"rtree_{table.name}_{geom.name}", fids, geometries)
    insert_trigger = next(d for d in rtree_ddl(table.name, geom.name) if f'"{trigger}"' in d)
    conn.exec_driver_sql(insert_trigger)


def _sequence(conn: Connection, table: str) -> int:
    """The last fid handed out in an AUTOINCREMENT table."""
    found = conn.exec_driver_sql(
        "SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)
    ).scalar()
    return int(found or 0)


def _fill_rtree(
    conn: Connection, rtree: str, fids: NDArray[np.int64], geometries: NDArray[np.object_]
) -> None:
    """Index the new rows: packed at once into an empty R-tree, else one insert each."""
    bounds = shapely.bounds(geometries)
    keep = np.isfinite(bounds).all(axis=1)
    fids, bounds = fids[keep], bounds[keep]
    if rtree_pack.is_empty(conn, rtree):
        rtree_pack.pack(conn, rtree, fids, bounds)
        return
    entries = [(int(f), float(b[0]), float(b[2]), float(b[1]), float(b[3]))
               for f, b in zip(fids, bounds, strict=True)]
    conn.exec_driver_sql(f'INSERT INTO "{rtree}" VALUES (?, ?, ?, ?, ?)', entries)
