"""Generic record writes (codes, stamps, audit) for layers without special accounting.

Domain entities (demine.model.entities) become rows here: `geometry` goes to the `geom` column,
vocabulary members to their values, lists of categories to comma-separated text, and structured
values (finds by category, non-conformities) to JSON text.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from enum import Enum
from typing import Any

import numpy as np
from sqlalchemy import Connection, Table, insert

from demine.model import entities as e
from demine.model.entities import new_id
from demine.store import audit
from demine.store.base import Store
from demine.store.codes import next_codes
from demine.store.hazards import mark_worked_on
from demine.store.schema import (
    accidents,
    activities,
    education_sessions,
    evidence,
    finds,
    geometry_column,
    inspections,
    locations,
    organisations,
    progress_reports,
    tasks,
    teams,
    victims,
)

TABLES: dict[type, Table] = {
    e.Organisation: organisations, e.Location: locations, e.Activity: activities,
    e.Find: finds, e.Evidence: evidence, e.Accident: accidents, e.Victim: victims,
    e.Team: teams, e.Task: tasks, e.ProgressReport: progress_reports,
    e.Inspection: inspections, e.EducationSession: education_sessions,
}
"""Where each kind of entity is stored (hazard areas and releases go through the imports)."""


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
        multi = getattr(geom.type, "geometry_type", "") == "MULTIPOLYGON"
        for r, blob in zip(rows, store.encode(geoms, multi=multi), strict=True):
            r[geom.name] = blob
    for r in rows:
        r["id"] = r.get("id") or new_id()
        r.update(created_at=now, updated_at=now, created_by=actor)
    conn.execute(insert(table), rows)
    if table is activities:
        mark_worked_on(conn, {r["hazard"] for r in rows}, actor, now)
    audit.append(conn, (
        audit.AuditEntry(actor, "create", table.name, str(r.get("code") or r["id"]), None,
                         {k: v for k, v in r.items() if geom is None or k != geom.name})
        for r in rows
    ), now)
    return rows


def _column_value(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple):
        return ",".join(str(_column_value(v)) for v in value) or None
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return value


def entity_row(entity: Any) -> dict[str, Any]:
    """The row of a domain entity, in its table's column names."""
    row = {}
    for f in dataclasses.fields(entity):
        name = "geom" if f.name == "geometry" else f.name
        row[name] = _column_value(getattr(entity, f.name))
    return row


def insert_entities(
    store: Store, conn: Connection, items: Sequence[Any], actor: str, now: str,
    code_prefix: str | None = None,
) -> list[dict[str, Any]]:
    """Insert entities of one kind, with codes made where they have none, and audit them."""
    if not items:
        return []
    kinds = {type(item) for item in items}
    if len(kinds) != 1 or next(iter(kinds)) not in TABLES:
        raise TypeError(f"cannot store {', '.join(k.__name__ for k in kinds)} together")
    table = TABLES[next(iter(kinds))]
    return insert_records(store, conn, table, [entity_row(i) for i in items], actor, now,
                          code_prefix)
