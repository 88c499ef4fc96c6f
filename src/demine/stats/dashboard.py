"""The dashboard's figures: land released by month, remaining land by admin unit, finds, accidents.

The web dashboard draws these and nothing else, so a chart and any other output that calls these
functions show the same numbers. Months run without gaps from the first dated record to the last
(a month with no release is a bar of zero height, not a missing bar); undated records are counted
apart rather than dropped, so the totals still add up to the registry's.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Connection, select

from demine.model.vocab import Classification, LocationLevel, ReleaseMethod
from demine.store.frames import query_frame
from demine.store.schema import accidents, finds, hazard_areas, locations, releases

NO_UNIT = "(none)"
"""The admin unit of hazard areas recorded without a location."""


def _months(dates: pd.Series) -> tuple[pd.Series, list[str]]:
    """Each date's month as YYYY-MM, and every month from the first to the last."""
    parsed = pd.to_datetime(dates, errors="coerce")
    months = parsed.dt.strftime("%Y-%m")
    if parsed.notna().any():
        span = pd.period_range(parsed.min(), parsed.max(), freq="M")
        return months, [str(p) for p in span]
    return months, []


def released_by_month(conn: Connection) -> dict[str, Any]:
    """Square metres released per month and method (cancelled, reduced, cleared)."""
    frame = query_frame(conn, select(releases.c.release_date, releases.c.method,
                                     releases.c.area_m2))
    methods = [m.value for m in ReleaseMethod]
    months, span = _months(frame["release_date"])
    frame = frame.assign(month=months, area_m2=frame["area_m2"].astype(float))
    dated = frame[frame["month"].notna()]
    table = (dated.pivot_table(index="month", columns="method", values="area_m2",
                               aggfunc="sum", fill_value=0.0)
             .reindex(index=span, columns=methods, fill_value=0.0))
    undated = frame[frame["month"].isna()].groupby("method")["area_m2"].sum()
    return {
        "methods": methods,
        "months": [{"month": month, **{m: float(row[m]) for m in methods}}
                   for month, row in table.iterrows()],
        "undated": {m: float(undated.get(m, 0.0)) for m in methods},
    }


def _admin_units(conn: Connection) -> tuple[dict[str, str], dict[str, str]]:
    """Each location's admin2 unit (itself, or the unit above a settlement), and unit names."""
    rows = conn.execute(select(locations.c.code, locations.c.name, locations.c.level,
                               locations.c.parent)).all()
    parent = {r.code: r.parent for r in rows}
    level = {r.code: r.level for r in rows}
    names = {r.code: r.name for r in rows}
    unit: dict[str, str] = {}
    for code in parent:
        seen, here = set(), code
        while here in parent and level[here] != LocationLevel.ADMIN2.value and here not in seen:
            seen.add(here)
            here = parent[here]
        unit[code] = here if level.get(here) == LocationLevel.ADMIN2.value else code
    return unit, names


def remaining_by_admin_unit(conn: Connection) -> list[dict[str, Any]]:
    """Remaining hazardous land per admin unit, suspected and confirmed apart, largest first."""
    frame = query_frame(conn, select(hazard_areas.c.location, hazard_areas.c.classification,
                                     hazard_areas.c.remaining_area_m2))
    unit, names = _admin_units(conn)
    frame["unit"] = [unit.get(loc, loc) if isinstance(loc, str) and loc else NO_UNIT
                     for loc in frame["location"]]
    frame["remaining_area_m2"] = frame["remaining_area_m2"].astype(float)
    out = []
    for code, group in frame.groupby("unit", sort=False):
        by_class = group.groupby("classification")["remaining_area_m2"].sum()
        entry: dict[str, Any] = {"code": str(code), "name": names.get(str(code), str(code))}
        for cls in Classification:
            entry[cls.value] = float(by_class.get(cls.value, 0.0))
        entry["remaining_m2"] = float(group["remaining_area_m2"].sum())
        entry["hazard_areas"] = len(group)
        out.append(entry)
    return sorted(out, key=lambda e: (-e["remaining_m2"], e["code"]))


def finds_by_category(conn: Connection) -> list[dict[str, Any]]:
    """How many items of each ordnance category were found, most frequent first."""
    frame = query_frame(conn, select(finds.c.category))
    counts = frame["category"].value_counts()
    return sorted(({"category": str(k), "count": int(v)} for k, v in counts.items()),
                  key=lambda e: (-e["count"], e["category"]))


def accidents_by_month(conn: Connection) -> dict[str, Any]:
    """Accidents per month, with how many of them happened during demining."""
    frame = query_frame(conn, select(accidents.c.accident_date, accidents.c.demining))
    months, span = _months(frame["accident_date"])
    frame = frame.assign(month=months, demining=frame["demining"].astype(bool))
    dated = frame[frame["month"].notna()]
    total = dated.groupby("month").size()
    demining = dated[dated["demining"]].groupby("month").size()
    return {
        "months": [{"month": m, "count": int(total.get(m, 0)),
                    "demining": int(demining.get(m, 0))} for m in span],
        "undated": int(frame["month"].isna().sum()),
    }


def dashboard(conn: Connection) -> dict[str, Any]:
    """Every figure of the dashboard as one JSON-ready dict."""
    return {
        "released_by_month": released_by_month(conn),
        "remaining_by_admin_unit": remaining_by_admin_unit(conn),
        "finds_by_category": finds_by_category(conn),
        "accidents_by_month": accidents_by_month(conn),
    }
