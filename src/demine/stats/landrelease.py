"""The registry's headline figures (`demine stats`), for a period or for all time.

With a period, released areas and counts are those dated inside it (both ends included) and the
remaining area and hazard statuses are as at its end. Because releases are clipped to their hazard
and never overlap, the remaining area at a date is the remaining area now plus the releases dated
after it: initial = cancelled + reduced + cleared + remaining holds at every date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Connection, func, select

from demine.model.accounting import CLOSE_TOLERANCE_M2
from demine.model.vocab import HazardStatus, ReleaseMethod
from demine.store.frames import query_frame
from demine.store.schema import (
    accidents,
    activities,
    evidence,
    finds,
    hazard_areas,
    releases,
    teams,
    victims,
)


@dataclass(frozen=True)
class Period:
    """An inclusive date range; either end may be open."""

    start: date | None = None
    end: date | None = None

    def __post_init__(self) -> None:
        if self.start and self.end and self.start > self.end:
            raise ValueError(f"the period starts ({self.start}) after it ends ({self.end})")

    def within(self, column: Any) -> list[Any]:
        """SQL conditions keeping rows dated inside the period (undated rows only without one)."""
        conditions = []
        if self.start:
            conditions.append(column >= self.start)
        if self.end:
            conditions.append(column <= self.end)
        return conditions

    def as_dict(self) -> dict[str, str | None]:
        return {
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
        }


def rewind(conn: Connection, hazards: pd.DataFrame, rel: pd.DataFrame, end: date
           ) -> pd.DataFrame:
    """Hazards (indexed by code) as they stood at `end`: land released later given back, and
    the status rule applied to what had touched them by then."""
    dated = pd.to_datetime(rel["release_date"], errors="coerce")
    later = rel[dated > pd.Timestamp(end)]
    upto = rel[~(dated > pd.Timestamp(end))]
    back = later.groupby("hazard")["area_m2"].sum()
    hazards["remaining_area_m2"] = hazards["remaining_area_m2"].add(back, fill_value=0.0)
    hazards["remaining_area_m2"] = hazards[["remaining_area_m2", "area_m2"]].min(axis=1)
    worked = conn.execute(select(activities.c.hazard).where(
        activities.c.hazard.is_not(None),
        (activities.c.start_date.is_(None)) | (activities.c.start_date <= end),
    )).scalars().all()
    touched = hazards.index.isin(set(upto["hazard"].unique()) | set(worked))
    closed = touched & (hazards["remaining_area_m2"] <= CLOSE_TOLERANCE_M2)
    hazards["status"] = HazardStatus.OPEN.value
    hazards.loc[touched, "status"] = HazardStatus.WORKED_ON.value
    hazards.loc[closed, "status"] = HazardStatus.CLOSED.value
    return hazards


def hazard_figures(conn: Connection, period: Period) -> tuple[dict[str, int], dict[str, float]]:
    """Counts by status and areas by method as at the period's end."""
    query = select(
        hazard_areas.c.code, hazard_areas.c.status, hazard_areas.c.classification,
        hazard_areas.c.area_m2, hazard_areas.c.remaining_area_m2,
    ).order_by(hazard_areas.c.code)
    if period.end:
        query = query.where(
            (hazard_areas.c.info_date.is_(None)) | (hazard_areas.c.info_date <= period.end)
        )
    hazards = query_frame(conn, query).set_index("code")
    rel = query_frame(conn, select(releases.c.hazard, releases.c.method, releases.c.release_date,
                              releases.c.area_m2).order_by(releases.c.code))
    rel = rel[rel["hazard"].isin(hazards.index)]
    if period.end is not None and len(hazards):
        hazards = rewind(conn, hazards, rel, period.end)
    inside = rel
    if period.start or period.end:
        dated = pd.to_datetime(inside["release_date"])
        keep = dated.notna()
        if period.start:
            keep &= dated >= pd.Timestamp(period.start)
        if period.end:
            keep &= dated <= pd.Timestamp(period.end)
        inside = inside[keep]
    by_method = inside.groupby("method")["area_m2"].sum()
    counts = {"count": len(hazards)}
    for status in HazardStatus:
        counts[status.value] = int((hazards["status"] == status.value).sum()) if len(hazards) else 0
    areas = {"initial": float(hazards["area_m2"].sum()) if len(hazards) else 0.0}
    for method in ReleaseMethod:
        areas[method.value] = float(by_method.get(method.value, 0.0))
    areas["released"] = sum(areas[m.value] for m in ReleaseMethod)
    areas["remaining"] = float(hazards["remaining_area_m2"].sum()) if len(hazards) else 0.0
    for cls in ("SHA", "CHA"):
        chosen = hazards[hazards["classification"] == cls] if len(hazards) else hazards
        areas[f"remaining_{cls}"] = float(chosen["remaining_area_m2"].sum()) if len(chosen) else 0.0
    return counts, areas


def _count_by(conn: Connection, table: Any, key: Any, date_col: Any, period: Period) -> dict:
    query = select(key, func.count()).group_by(key).where(*period.within(date_col))
    by = {str(k): int(n) for k, n in conn.execute(query).all() if k is not None}
    return {"count": sum(by.values()), "by": dict(sorted(by.items()))}


def summary(conn: Connection, period: Period | None = None) -> dict[str, Any]:
    """Every headline figure as one JSON-ready dict (the keys are a public interface)."""
    period = period or Period()
    counts, areas = hazard_figures(conn, period)
    found = _count_by(conn, finds, finds.c.category, finds.c.find_date, period)
    seen = _count_by(conn, evidence, evidence.c.kind, evidence.c.evidence_date, period)
    accident_codes = select(accidents.c.code).where(*period.within(accidents.c.accident_date))
    n_accidents = conn.execute(select(func.count()).select_from(
        accidents).where(*period.within(accidents.c.accident_date))).scalar_one()
    outcomes: dict[str, int] = dict(conn.execute(
        select(victims.c.outcome, func.count()).where(victims.c.accident.in_(accident_codes))
        .group_by(victims.c.outcome)
    ).all())
    n_teams, deminers = conn.execute(
        select(func.count(), func.coalesce(func.sum(teams.c.members), 0))
    ).one()
    return {
        "period": period.as_dict(),
        "hazard_areas": counts,
        "area_m2": areas,
        "finds": {"count": found["count"], "by_category": found["by"]},
        "evidence": {"count": seen["count"], "by_kind": seen["by"]},
        "accidents": {
            "count": int(n_accidents),
            "killed": int(outcomes.get("killed", 0)),
            "injured": int(outcomes.get("injured", 0)),
        },
        "teams": {"count": int(n_teams), "deminers": int(deminers)},
    }
