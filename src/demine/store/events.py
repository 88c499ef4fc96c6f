"""Import of mapped events into accidents, finds and evidence: one transaction, all or nothing.

An event's code comes from its source through the mapping (ACC-CO-1990-00001: the layer's
prefix, the file and the row), so re-importing the same files finds every code already in and
writes nothing. Files that mix new and already-imported events are refused, and so is an event
whose stored record differs from it now (a changed file, or a mapping that places its type in
another layer): a retried import never makes a duplicate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from sqlalchemy import Connection, Table, select

from demine.io.mapping import PREFIXES, source_key
from demine.model.entities import new_ids
from demine.model.problems import InputError, Problem
from demine.store import audit
from demine.store.base import Store, now_iso
from demine.store.bulk import bulk_insert
from demine.store.imports import import_entry
from demine.store.schema import accidents, evidence, finds

if TYPE_CHECKING:
    from demine.io.events import EventBatch

TABLES: dict[str, Table] = {"accidents": accidents, "finds": finds, "evidence": evidence}
ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "accidents": ("accident_date", "category", "demining", "activity_at_time", "description"),
    "finds": ("find_date", "category", "condition", "disposal"),
    "evidence": ("evidence_date", "kind", "source", "description"),
}
"""The columns an event fills in each layer (victims are never known from an event)."""
SAME_POSITION_DEG = 1e-9
CHUNK = 5000


def import_events(
    store: Store, batch: EventBatch, actor: str, source: str = "import",
    conn: Connection | None = None,
) -> dict[str, int]:
    """Write every event of a batch in one transaction; counts created per layer.

    The result has a count for each of accidents, finds and evidence, and `already`: the number
    of events found already in the store (then nothing is written). With `conn`, the import
    joins that write transaction instead of opening its own.
    """
    if batch.problems:
        raise InputError(batch.problems)
    if len(batch) == 0:
        raise InputError([Problem(None, None, "the files hold no events")])
    if conn is None:
        with store.write() as own:
            return import_events(store, batch, actor, source, own)
    result = {layer: 0 for layer in TABLES} | {"already": 0}
    if _already_in(conn, batch):
        _check_unchanged(conn, batch)
        result["already"] = len(batch)
        return result
    now = now_iso()
    entries = []
    for layer, table in TABLES.items():
        chosen = [i for i, placed in enumerate(batch.layers) if placed == layer]
        if not chosen:
            continue
        codes = [batch.codes[i] for i in chosen]
        geoms = batch.points(chosen)
        n = len(chosen)
        columns: dict[str, list[Any]] = {
            "id": new_ids(n), "code": codes, **event_columns(batch, layer, chosen),
            "created_at": [now] * n, "updated_at": [now] * n, "created_by": [actor] * n,
            "geom": store.encode(geoms),
        }
        bulk_insert(conn, table, columns, geoms)
        entries.append(import_entry(actor, layer, source, codes))
        result[layer] = n
    audit.append(conn, entries, now)
    return result


def event_columns(batch: EventBatch, layer: str, chosen: list[int]) -> dict[str, list[Any]]:
    """The layer's attribute columns for the chosen events (0-based)."""
    types = batch.mapping.types
    columns: dict[str, list[Any]] = {}
    for name in ATTRIBUTES[layer]:
        if name.endswith("_date"):
            columns[name] = [batch.dates[i] for i in chosen]
        elif name == "description":
            columns[name] = [batch.descriptions[i] for i in chosen]
        elif name == "source":
            columns[name] = [batch.mapping.label] * len(chosen)
        else:
            columns[name] = [types[batch.types[i]].values.get(name) for i in chosen]
    return columns


def _already_in(conn: Connection, batch: EventBatch) -> bool:
    """True when every event is in the store already, False when none is; refused otherwise."""
    wanted = {source_key(c) for c in batch.codes}
    stored: dict[str, str] = {}
    for layer, table in TABLES.items():
        prefix = f"{PREFIXES[layer]}-"
        query = select(table.c.code).where(table.c.code.like(f"{prefix}%"))
        for code in conn.execute(query).scalars():
            if source_key(code) in wanted:
                stored[source_key(code)] = code
    if not stored:
        return False
    problems: list[Problem] = []
    known = 0
    for i, code in enumerate(batch.codes):
        found = stored.get(source_key(code))
        if found is None:
            continue
        known += 1
        if found != code:
            problems.append(Problem(batch.rows[i], batch.files[i], (
                f"already in the store as {found}, but the mapping now places type "
                f"{batch.types[i]} in {batch.layers[i]}; nothing was imported")))
    if not problems and known < len(batch):
        problems = [
            Problem(batch.rows[i], batch.files[i], (
                f"already in the store as {batch.codes[i]}; these files mix {len(batch) - known} "
                f"new and {known} already-imported events, so nothing was imported"))
            for i, code in enumerate(batch.codes) if source_key(code) in stored
        ]
    if problems:
        raise InputError(problems)
    return True


def _check_unchanged(conn: Connection, batch: EventBatch) -> None:
    """Refuse a re-import whose events differ from their stored records."""
    problems: list[Problem] = []
    for layer, table in TABLES.items():
        chosen = [i for i, placed in enumerate(batch.layers) if placed == layer]
        if not chosen:
            continue
        names = ATTRIBUTES[layer]
        expected = event_columns(batch, layer, chosen)
        stored: dict[str, dict[str, Any]] = {}
        for start in range(0, len(chosen), CHUNK):
            codes = [batch.codes[i] for i in chosen[start:start + CHUNK]]
            query = select(table.c.code, table.c.geom, *(table.c[n] for n in names))\
                .where(table.c.code.in_(codes))
            stored.update((r["code"], dict(r)) for r in conn.execute(query).mappings())
        lon, lat = np.asarray(batch.lon)[chosen], np.asarray(batch.lat)[chosen]
        for k, i in enumerate(chosen):
            row = stored[batch.codes[i]]
            differs = [n for n in names if row[n] != expected[n][k]]
            geom = row["geom"]
            if geom is None or abs(shapely.get_x(geom) - lon[k]) > SAME_POSITION_DEG or \
                    abs(shapely.get_y(geom) - lat[k]) > SAME_POSITION_DEG:
                differs.append("position")
            if differs:
                problems.append(Problem(batch.rows[i], batch.files[i], (
                    f"{batch.codes[i]} is already in the store with a different "
                    f"{', '.join(differs)}; nothing was imported")))
    if problems:
        raise InputError(problems)
