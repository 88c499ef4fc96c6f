"""Reading and correcting hazard areas, each change written with its audit entry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, delete, select, update

from demine.model.problems import InputError, Problem
from demine.model.vocab import Classification, LandUse, OrdnanceCategory
from demine.store import audit
from demine.store.base import Store, now_iso
from demine.store.schema import activities, hazard_areas, releases, tasks

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


class StaleRecord(Exception):
    """An edit made from an older version of a record than the stored one."""


def writable_row(conn: Connection, code: str, expected_version: int | None,
                 allowed: Callable[[dict[str, Any]], None] | None) -> dict[str, Any]:
    """The stored row of a hazard area about to be changed, once the change may go ahead."""
    row = get_hazard(conn, code)
    if allowed is not None:
        allowed(row)
    if expected_version is not None and expected_version != row["version"]:
        raise StaleRecord(f"hazard area {code} is at version {row['version']}, "
                          f"not {expected_version}")
    return row


def parse_changes(changes: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Attribute corrections parsed to their stored form, and the reason for each refused one."""
    refused: dict[str, str] = {}
    parsed: dict[str, Any] = {}
    for key, value in changes.items():
        if key not in EDITABLE:
            refused[key] = f"{key} cannot be edited (editable: {', '.join(EDITABLE)})"
            continue
        try:
            parsed[key] = None if value is None else EDITABLE[key](value)
        except (TypeError, ValueError) as exc:
            refused[key] = f"{key}: {exc}"
    return parsed, refused


def update_hazard(
    store: Store, code: str, changes: dict[str, Any], actor: str,
    expected_version: int | None = None,
    allowed: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Correct attributes of a hazard area; returns the new row.

    `expected_version` refuses an edit made from an older version (StaleRecord); `allowed` may
    refuse the edit after seeing the stored row (who may write which records).
    """
    parsed, refused = parse_changes(changes)
    if refused:
        raise InputError([Problem(None, code, reason) for reason in refused.values()])
    with store.write() as conn:
        row = writable_row(conn, code, expected_version, allowed)
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


def delete_hazard(store: Store, code: str, actor: str, expected_version: int | None = None,
                  allowed: Callable[[dict[str, Any]], None] | None = None) -> None:
    """Remove a hazard area recorded in error: only while no work or release refers to it."""
    with store.write() as conn:
        row = writable_row(conn, code, expected_version, allowed)
        for table in (releases, activities, tasks):
            if conn.execute(select(table.c.fid).where(table.c.hazard == code).limit(1)).first():
                raise RecordInUse(f"hazard area {code} has {table.name} recorded on it; "
                                  "it can be closed by releases, not deleted")
        conn.execute(delete(hazard_areas).where(hazard_areas.c.code == code))
        before = {k: v for k, v in row.items() if k != "geom"}
        audit.append(conn, [audit.AuditEntry(actor, "delete", "hazard_areas", code, before,
                                             None)], now_iso())


class RecordInUse(Exception):
    """A record others refer to, which therefore cannot be deleted."""


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
