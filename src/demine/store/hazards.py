"""Reading and correcting hazard areas, each change written with its audit entry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, select, update

from demine.model.problems import InputError, Problem
from demine.model.vocab import Classification, LandUse, OrdnanceCategory
from demine.store import audit
from demine.store.base import Store, now_iso
from demine.store.schema import hazard_areas

EDITABLE: dict[str, Callable[[Any], Any]] = {
    "name": str,
    "classification": lambda v: Classification.parse(v).value,
    "contamination": lambda v: ",".join(OrdnanceCategory.parse(t).value
                                        for t in str(v).split(",") if t.strip()) or None,
    "blocked_land_use": lambda v: ",".join(LandUse.parse(t).value
                                           for t in str(v).split(",") if t.strip()) or None,
    "beneficiaries": int,
    "priority": int,
    "location": str,
    "organisation": str,
}
"""Attributes that may be corrected in place, with their parsers (geometry changes are releases)."""


class UnknownRecord(LookupError):
    """A code that names no record."""


def get_hazard(conn: Connection, code: str) -> dict[str, Any]:
    """A hazard area's current row, or UnknownRecord."""
    row = conn.execute(select(hazard_areas).where(hazard_areas.c.code == code)).mappings().first()
    if row is None:
        raise UnknownRecord(f"unknown hazard area {code!r}")
    return dict(row)


def update_hazard(store: Store, code: str, changes: dict[str, Any], actor: str) -> dict[str, Any]:
    """Correct attributes of a hazard area; returns the new row."""
    problems = [Problem(None, code, f"{key} cannot be edited (editable: {', '.join(EDITABLE)})")
                for key in changes if key not in EDITABLE]
    parsed: dict[str, Any] = {}
    for key, value in changes.items():
        if key in EDITABLE:
            try:
                parsed[key] = None if value is None else EDITABLE[key](value)
            except (TypeError, ValueError) as exc:
                problems.append(Problem(None, code, f"{key}: {exc}"))
    if problems:
        raise InputError(problems)
    with store.write() as conn:
        row = get_hazard(conn, code)
        before = {k: row[k] for k in parsed}
        if before == parsed:
            return row
        now = now_iso()
        after = dict(parsed, version=row["version"] + 1)
        conn.execute(update(hazard_areas).where(hazard_areas.c.code == code)
                     .values(updated_at=now, **after))
        before["version"] = row["version"]
        audit.append(conn, [audit.AuditEntry(actor, "update", "hazard_areas", code,
                                             before, after)], now)
        row.update(after)
        return row


def mark_worked_on(conn: Connection, codes: set[str], actor: str, now: str) -> list[str]:
    """Open hazard areas that an activity now touches become worked_on (DESIGN.md §3)."""
    touched = [c for c in codes if c]
    if not touched:
        return []
    rows = conn.execute(
        select(hazard_areas.c.code, hazard_areas.c.version)
        .where(hazard_areas.c.code.in_(touched), hazard_areas.c.status == "open")
    ).all()
    for code, version in rows:
        conn.execute(update(hazard_areas).where(hazard_areas.c.code == code).values(
            status="worked_on", version=version + 1, updated_at=now))
    audit.append(conn, [
        audit.AuditEntry(actor, "update", "hazard_areas", code,
                         {"status": "open", "version": version},
                         {"status": "worked_on", "version": version + 1})
        for code, version in rows
    ], now)
    return [code for code, _ in rows]
