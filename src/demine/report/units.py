"""Admin units of the registry (locations of level admin1 and admin2) and what lies in each.

A hazard area, accident or risk-education session names a location: an admin2 unit, usually,
or a settlement inside one. A unit covers itself, the units below it and their settlements.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from demine.model.vocab import LocationLevel
from demine.store.schema import locations

ADMIN_LEVELS = (LocationLevel.ADMIN1.value, LocationLevel.ADMIN2.value)
NO_UNIT = "(none)"
"""The admin unit of records without a location (the dashboard's name for it)."""


@dataclass(frozen=True)
class AdminUnit:
    """An admin unit chosen for a report, with every location code that lies inside it."""

    code: str
    name: str
    level: str
    members: frozenset[str]

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code})"


@dataclass(frozen=True)
class Gazetteer:
    """The locations of the registry: names, parents and levels by code."""

    names: dict[str, str]
    parents: dict[str, str | None]
    levels: dict[str, str]

    def ancestors(self, code: str) -> list[str]:
        """The location itself and every location above it, nearest first."""
        chain, here = [], code
        while here and here not in chain:
            chain.append(here)
            here = self.parents.get(here) or ""
        return chain

    def admin2(self, code: str | None) -> str:
        """The admin2 unit a location lies in (itself if it is one); NO_UNIT without one."""
        if not code:
            return NO_UNIT
        for here in self.ancestors(code):
            if self.levels.get(here) == LocationLevel.ADMIN2.value:
                return here
        return code

    def name(self, code: str) -> str:
        return self.names.get(code, code)


def gazetteer(conn: Connection) -> Gazetteer:
    rows = conn.execute(select(locations.c.code, locations.c.name, locations.c.level,
                               locations.c.parent)).all()
    return Gazetteer({r.code: r.name for r in rows}, {r.code: r.parent for r in rows},
                     {r.code: r.level for r in rows})


def resolve_admin(conn: Connection, wanted: str) -> AdminUnit:
    """The admin unit named by its code or its name (case ignored), or a ValueError that lists
    the known ones."""
    places = gazetteer(conn)
    units = sorted(code for code, level in places.levels.items() if level in ADMIN_LEVELS)
    text = wanted.strip().casefold()
    found = [c for c in units if c.casefold() == text] or \
        [c for c in units if places.names[c].casefold() == text]
    if not found:
        known = ", ".join(f"{c} ({places.names[c]})" for c in units) or "none are recorded"
        raise ValueError(f"unknown admin unit {wanted!r} (known admin units: {known})")
    code = found[0]
    members = frozenset(c for c in places.levels if code in places.ancestors(c))
    return AdminUnit(code, places.names[code], places.levels[code], members)
