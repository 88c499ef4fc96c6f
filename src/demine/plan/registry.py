"""Planning from the registry: the open hazard areas and the teams as an instance, survey before
clearance, and the plan written back as tasks.

Survey comes first because it releases most suspected land: a suspected area (SHA) that has had
no non-technical survey is first given to survey teams (NTS_DAYS of work each); once surveyed,
only the share of its land that survey usually leaves (measured on the areas the registry shows
surveyed, cancelled land taken off) goes to clearance, which may not start before the survey
ends. Areas are weighted by the priority preset's planning weight. Manual and dog teams clear;
machines work farmland only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import shapely
from sqlalchemy import Connection, and_, func, select, update

from demine.plan.instance import Hazard, Instance, Team
from demine.plan.schedule import Row
from demine.plan.solve import Result, plan
from demine.store import Store, audit
from demine.store.base import now_iso
from demine.store.records import insert_records
from demine.store.schema import activities, hazard_areas, releases, tasks, teams

TRAVEL_KM_PER_DAY = 80.0
"""Road travel of a team between areas (the simulator's default)."""
DEFAULT_LEFT_AFTER_SURVEY = 0.1
"""Share of a suspected area left for clearance after survey, when the registry has no survey
to measure it on (under 5 % of suspected land proves contaminated in many programmes, DESIGN.md
section 8; technical survey leaves a margin around it)."""
NTS_DAYS = 2.0
"""Days a survey team spends on one area's non-technical survey, whatever its size (talking to
the community, walking the edges: one to three days in the simulator's scenarios)."""
CLEARING = ("manual", "mdd", "mechanical")
MACHINE_LAND = {"agriculture", "roads"}
"""Blocked land uses that mean open, flat ground where machines may work."""


@dataclass
class RegistryPlan:
    """The plan of the survey and clearance phases, and the days they are counted from."""

    start: date
    survey: Result | None
    clearance: Result
    clearance_instance: Instance
    left_after_survey: float
    surveyed_in_plan: set[str] = field(default_factory=set)
    survey_instance: Instance | None = None

    @property
    def rows(self) -> list[Row]:
        return (self.survey.rows if self.survey else []) + self.clearance.rows


def left_after_survey(conn: Connection) -> float:
    """Share of surveyed suspected land not cancelled, over the areas with a non-technical
    survey on record."""
    surveyed = select(activities.c.hazard).where(activities.c.type == "NTS").scalar_subquery()
    total = conn.execute(select(func.coalesce(func.sum(hazard_areas.c.area_m2), 0.0)).where(
        hazard_areas.c.code.in_(surveyed))).scalar_one()
    cancelled = conn.execute(select(func.coalesce(func.sum(releases.c.area_m2), 0.0)).where(
        and_(releases.c.hazard.in_(surveyed), releases.c.method == "cancelled"))).scalar_one()
    if not total:
        return DEFAULT_LEFT_AFTER_SURVEY
    return float(min(1.0, max(0.02, 1 - cancelled / total)))


def _teams(conn: Connection, start: date, kinds: tuple[str, ...]) -> list[Team]:
    out = []
    for row in conn.execute(select(teams).where(teams.c.type.in_(kinds))
                            .order_by(teams.c.code)).mappings():
        if not row["rate_m2_per_day"] or row["geom"] is None:
            continue
        free = row["available_from"]
        out.append(Team(row["code"], row["type"], float(row["rate_m2_per_day"]),
                        float(row["geom"].x), float(row["geom"].y),
                        float(max(0, (free - start).days)) if free else 0.0))
    return out


def plan_registry(conn: Connection, start: date, weights: dict[str, float],
                  time_limit: float = 30.0, extra_teams: int = 0,
                  method: str = "optimise") -> RegistryPlan:
    """Survey, then clearance, of every open hazard area with land remaining (with
    `extra_teams` more manual teams, like the median one, based at the areas' centre: a
    what-if), by the planner's `method` (optimise, or a baseline for comparison)."""
    rows = conn.execute(select(
        hazard_areas.c.code, hazard_areas.c.classification, hazard_areas.c.remaining_area_m2,
        hazard_areas.c.blocked_land_use, hazard_areas.c.geom,
    ).where(hazard_areas.c.status != "closed", hazard_areas.c.remaining_area_m2 > 0)
        .order_by(hazard_areas.c.code)).all()
    if not rows:
        raise ValueError("the registry has no open hazard area with land remaining to plan")
    surveyed = set(conn.execute(select(activities.c.hazard).where(
        activities.c.type == "NTS")).scalars())
    centres = shapely.centroid(np.asarray([r.geom for r in rows], dtype=object))
    lon, lat = shapely.get_x(centres), shapely.get_y(centres)
    share = left_after_survey(conn)
    surveyors = _teams(conn, start, ("survey",))
    clearers = _teams(conn, start, CLEARING)
    if not clearers:
        raise ValueError("the registry has no manual, dog or machine team with a rate and a base")
    if extra_teams:
        manual = sorted(t.rate_m2_per_day for t in clearers if t.type == "manual") or \
            [t.rate_m2_per_day for t in clearers]
        rate = manual[len(manual) // 2]
        clearers += [Team(f"EXTRA-{k + 1}", "manual", rate, float(np.mean(lon)),
                          float(np.mean(lat)), 0.0) for k in range(extra_teams)]
    to_survey = [i for i, r in enumerate(rows)
                 if surveyors and r.classification == "SHA" and r.code not in surveyed]
    survey = None
    survey_instance = None
    ready: dict[str, float] = {}
    if to_survey:
        # the survey's work in square metres of the median survey team: NTS_DAYS of it
        effort = NTS_DAYS * float(np.median([t.rate_m2_per_day for t in surveyors]))
        survey_instance = Instance(TRAVEL_KM_PER_DAY, [
            Hazard(rows[i].code, float(lon[i]), float(lat[i]), effort,
                   weights.get(rows[i].code, 1.0), frozenset({"survey"})) for i in to_survey
        ], surveyors)
        survey = plan(survey_instance, method, time_limit / 3)
        ready = {h.code: float(survey.completion[k])
                 for k, h in enumerate(survey_instance.hazards)}
    hazards = []
    for i, r in enumerate(rows):
        allowed = {"manual", "mdd"} | ({"mechanical"} if r.blocked_land_use in MACHINE_LAND
                                       else set())
        area = float(r.remaining_area_m2) * (share if r.code in ready else 1.0)
        hazards.append(Hazard(r.code, float(lon[i]), float(lat[i]), area,
                              weights.get(r.code, 1.0), frozenset(allowed & {t.type for t in
                                                                             clearers})
                              or frozenset({"manual"}), ready.get(r.code, 0.0)))
    clearance_instance = Instance(TRAVEL_KM_PER_DAY, hazards, clearers)
    unworkable = [h.code for h in hazards if not h.allowed & {t.type for t in clearers}]
    if unworkable:
        raise ValueError(f"no team may clear {', '.join(unworkable[:5])}")
    clearance = plan(clearance_instance, method, time_limit * (2 / 3 if survey else 1))
    return RegistryPlan(start, survey, clearance, clearance_instance, share, set(ready),
                        survey_instance)


def write_tasks(store: Store, conn: Connection, result: RegistryPlan, actor: str) -> int:
    """The plan as tasks (one per team and hazard), superseding earlier planned tasks."""
    now = now_iso()
    old = list(conn.execute(select(tasks.c.code).where(tasks.c.status == "planned")).scalars())
    if old:
        conn.execute(update(tasks).where(tasks.c.status == "planned")
                     .values(status="cancelled", updated_at=now))
        audit.append(conn, (audit.AuditEntry(actor, "update", "tasks", code,
                                             {"status": "planned"}, {"status": "cancelled"})
                            for code in old), now)
    spans: dict[tuple[str, str, str], list[float]] = {}
    for kind, phase in (("NTS", result.survey), ("CLEARANCE", result.clearance)):
        for row in phase.rows if phase else []:
            span = spans.setdefault((row.team, row.hazard, kind), [math.inf, 0.0])
            span[0], span[1] = min(span[0], row.start_day), max(span[1], row.end_day)
    records: list[dict[str, Any]] = [
        {"team": team, "hazard": hazard, "activity_type": kind, "status": "planned",
         "planned_start": result.start + timedelta(days=math.floor(first)),
         "planned_end": result.start + timedelta(days=math.ceil(last))}
        for (team, hazard, kind), (first, last) in sorted(spans.items(),
                                                          key=lambda s: (s[1][0], s[0]))]
    insert_records(store, conn, tasks, records, actor, now, "TK")
    return len(records)
