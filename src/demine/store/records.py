"""Generic record writes (codes, stamps, audit) for layers without special accounting."""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import Connection, Table, insert

from demine.model.entities import new_id
from demine.store import audit
from demine.store.base import Store
from demine.store.codes import next_codes
from demine.store.schema import geometry_column


def insert_records(
    store: Store, conn: Connection, table: Table, rows: list[dict[str, Any]], actor: str,
    now: str, code_prefix: str | None = None,
) -> list[dict[str, Any]]:
    """Insert rows (shapely geometries in the geometry column) with their audit entries."""
    if not rows:
        return []
    blank = {c.name: None for c in table.columns if c.name != "fid"}
    rows = [{**blank, **r} for r in rows]
    if code_prefix and "code" in table.c:
        missing = sum(1 for r in rows if not r.get("code"))
        fresh = iter(next_codes(conn, table, code_prefix, missing))
        for r in rows:
            r["code"] = r.get("code") or next(fresh)
    geom = geometry_column(table)
    if geom is not None:
        geoms = np.empty(len(rows), dtype=object)
        geoms[:] = [r.get(geom.name) for r in rows]
        for r, blob in zip(rows, store.encode(geoms), strict=True):
            r[geom.name] = blob
    for r in rows:
        r["id"] = r.get("id") or new_id()
        r.update(created_at=now, updated_at=now, created_by=actor)
    conn.execute(insert(table), rows)
    audit.append(conn, (
        audit.AuditEntry(actor, "create", table.name, str(r.get("code") or r["id"]), None,
                         {k: v for k, v in r.items() if geom is None or k != geom.name})
        for r in rows
    ), now)
    return rows
