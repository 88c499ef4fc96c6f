"""A hazard area's timeline and its state on a past date.

Two clocks meet here: the date of information (when facts were true: a hazard's survey date, a
release's date) and the time a record was written. The timeline shows both. The state "as of" a
date counts the releases dated on or before it, and the attribute corrections written on or before
it, on top of the hazard as first recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from demine.model.accounting import hazard_status
from demine.model.vocab import ReleaseMethod
from demine.store import audit
from demine.store.hazards import UnknownRecord, get_hazard
from demine.store.schema import activities, releases

DERIVED = {"remaining_area_m2", "status", "version"}


@dataclass(frozen=True)
class Event:
    """One line of a timeline."""

    on: date | None
    recorded_at: str
    actor: str
    event: str
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"date": self.on.isoformat() if self.on else None,
                "recorded_at": self.recorded_at, "actor": self.actor,
                "event": self.event, "detail": self.detail}


def _releases(conn: Connection, code: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(releases.c.code, releases.c.method, releases.c.release_date, releases.c.area_m2,
               releases.c.organisation, releases.c.created_at, releases.c.created_by)
        .where(releases.c.hazard == code)
    ).mappings()
    return sorted((dict(r) for r in rows),
                  key=lambda r: (r["release_date"] or date.max, r["created_at"], r["code"]))


def first_state(conn: Connection, hazard: dict[str, Any]) -> dict[str, Any]:
    """The hazard's attributes as first recorded: its row with every correction undone."""
    state = {k: v for k, v in hazard.items() if k != "geom"}
    for entry in reversed(audit.entries_for(conn, "hazard_areas", hazard["code"])):
        if entry["action"] == "update":
            state.update({k: v for k, v in (entry["before"] or {}).items() if k not in DERIVED})
    return state


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _worked_on(conn: Connection, code: str, as_of: date) -> bool:
    """Whether an activity had started on the hazard area by `as_of`."""
    return conn.execute(select(activities.c.code).where(
        activities.c.hazard == code,
        (activities.c.start_date.is_(None)) | (activities.c.start_date <= as_of),
    ).limit(1)).first() is not None


def timeline(conn: Connection, code: str) -> list[Event]:
    """Every recorded change to a hazard area, in date order."""
    hazard = get_hazard(conn, code)
    first = first_state(conn, hazard)
    events = [Event(
        _day(first["info_date"]), hazard["created_at"], hazard["created_by"], "recorded",
        f"{first['classification']} of {float(hazard['area_m2']):,.0f} m2"
        + (f", contamination {first['contamination']}" if first.get("contamination") else ""),
    )]
    for entry in audit.entries_for(conn, "hazard_areas", code):
        if entry["action"] != "update":
            continue
        changed = {k: v for k, v in (entry["after"] or {}).items() if k not in DERIVED}
        if changed:
            before = entry["before"] or {}
            detail = "; ".join(f"{k}: {before.get(k)!r} -> {v!r}" for k, v in changed.items())
            events.append(Event(_day(entry["recorded_at"]), entry["recorded_at"], entry["actor"],
                                "corrected", detail))
    remaining = float(hazard["area_m2"])
    for rel in _releases(conn, code):
        remaining -= float(rel["area_m2"])
        events.append(Event(
            rel["release_date"], rel["created_at"], rel["created_by"], rel["method"],
            f"{rel['code']}: {float(rel['area_m2']):,.0f} m2"
            + (f" by {rel['organisation']}" if rel["organisation"] else "")
            + f", {max(remaining, 0.0):,.0f} m2 remaining",
        ))
    events.sort(key=lambda e: (e.on or date.min, e.recorded_at))
    return events


def state_as_of(conn: Connection, code: str, as_of: date) -> dict[str, Any]:
    """The hazard area as it stood on `as_of`: attributes, released land by method, status."""
    hazard = get_hazard(conn, code)
    if hazard["info_date"] is not None and hazard["info_date"] > as_of:
        raise UnknownRecord(
            f"hazard area {code} was not yet known on {as_of} "
            f"(its date of information is {hazard['info_date']})"
        )
    state = first_state(conn, hazard)
    for entry in audit.entries_for(conn, "hazard_areas", code):
        if entry["action"] == "update" and entry["recorded_at"][:10] <= as_of.isoformat():
            state.update({k: v for k, v in (entry["after"] or {}).items() if k not in DERIVED})
    released = {m.value: 0.0 for m in ReleaseMethod}
    count = 0
    for rel in _releases(conn, code):
        if rel["release_date"] is not None and rel["release_date"] <= as_of:
            released[rel["method"]] += float(rel["area_m2"])
            count += 1
    initial = float(hazard["area_m2"])
    remaining = max(initial - sum(released.values()), 0.0)
    fields = ("name", "classification", "contamination", "organisation", "reported_area_m2",
              "blocked_land_use", "beneficiaries", "priority", "location")
    info = _day(state.get("info_date"))
    return {
        "code": code,
        "as_of": as_of.isoformat(),
        **{k: state.get(k) for k in fields},
        "info_date": info.isoformat() if info else None,
        "status": hazard_status(count > 0 or _worked_on(conn, code, as_of), remaining).value,
        "area_m2": initial,
        "released_m2": released,
        "remaining_area_m2": remaining,
        "releases": count,
    }
