"""The day-by-day simulator of survey, clearance and civilian life.

Each working day free teams are sent to work by a policy; survey teams cancel land (NTS) and
reduce it (TS), clearance teams clear sectors at productivities drawn from the scenario's ranges
and find what they come upon with imperfect detection; every day, working or not, civilians
move about and items still in the ground can hurt them. What happens is logged as registry
records (activities, tasks, releases, finds, accidents, victims, progress reports).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import shapely

from demine.geo.area import area_m2
from demine.model.accounting import polygonal
from demine.sim import civilians as civ
from demine.sim.policy import Policy
from demine.sim.state import Hazard, Task, Team, World

MIN_RELEASE_M2 = 1.0
"""Pieces smaller than this are not released on their own (they are slivers of cutting)."""
REPORTED_RADIUS_M = 100.0
"""Land recorded as confirmed around a civilian accident where no hazard area was known."""
LAND_USE = {"farmland": "agriculture", "forest": "other", "built_up": "housing", "road": "roads"}


def measure(geom: shapely.Geometry) -> float:
    if geom is None or geom.is_empty:
        return 0.0
    arr = np.empty(1, dtype=object)
    arr[0] = geom
    return float(area_m2(arr)[0])


@dataclass
class Log:
    """Everything a run did, to be written to the registry (or measured by `evaluate`)."""

    hazards: list[dict[str, Any]] = field(default_factory=list)
    activities: dict[str, dict[str, Any]] = field(default_factory=dict)
    finished_activities: dict[str, date] = field(default_factory=dict)  # begun in earlier runs
    finished_tasks: dict[str, date] = field(default_factory=dict)
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)
    releases: list[dict[str, Any]] = field(default_factory=list)
    finds: list[dict[str, Any]] = field(default_factory=list)
    accidents: list[dict[str, Any]] = field(default_factory=list)
    victims: list[dict[str, Any]] = field(default_factory=list)
    reports: list[dict[str, Any]] = field(default_factory=list)
    confirmed: set[str] = field(default_factory=set)
    released_on: dict[str, date] = field(default_factory=dict)


class Simulation:
    """One run over a world with a policy."""

    def __init__(self, world: World, policy: Policy, seed: int):
        self.w = world
        self.policy = policy
        self.ops = world.scenario["operations"]
        self.teams_cfg = world.scenario["teams"]
        self.civ = world.scenario["civilians"]
        self.rng = np.random.default_rng([world.seed, seed, world.day.toordinal()])
        self.log = Log()
        self.first_day = world.day
        self.has_survey = any(t.type == "survey" for t in world.teams)
        self.hazard_tree = self._hazard_tree()
        policy.prepare(self)
        for t in world.teams:
            if t.task is None:
                continue
            h = world.hazards[t.task.hazard]
            if t.task.kind == "CLEARANCE":
                h.working += 1
            else:
                h.surveyor = t.code
            policy.board.refresh(h)

    # --- the clock -------------------------------------------------------------------------
    def run(self, days: int) -> Log:
        for _ in range(days):
            day = self.w.day
            if self.working_day(day):
                for team in self.w.teams:
                    if team.task is None and team.available <= day:
                        self.policy.assign(self, team, day)
                for team in self.w.teams:
                    if team.task is not None:
                        self.work(team, day)
            self.civilians(day)
            self.w.day = day + timedelta(days=1)
        return self.log

    def working_day(self, day: date) -> bool:
        return (civ.in_months(day, self.ops["work_months"])
                and day.weekday() < self.ops["work_days_per_week"])

    def day_index(self, day: date) -> float:
        return float((day - self.first_day).days)

    # --- starting work ---------------------------------------------------------------------
    def distance_km(self, team: Team, hazard: Hazard) -> float:
        return float(np.hypot(team.x - hazard.x, team.y - hazard.y)) / 1000.0

    def start(self, team: Team, hazard: Hazard, kind: str, day: date) -> None:
        """Send a team to a hazard for NTS, TS or the clearance of its next sector."""
        travel = self.distance_km(team, hazard) / self.ops["travel_km_per_day"]
        if kind == "CLEARANCE":
            if not hazard.sectors_cut:
                self.cut_sectors(hazard)
            sector = hazard.sectors.pop(0)
            total = max(measure(sector), 1.0)
            inside = self.w.items.within(sector)
            task = Task(kind, hazard.code, self.w.codes.take("ACT"), self.w.codes.take("TK"),
                        day, total, travel_left=travel, sector=sector,
                        items=inside.tolist(), reach=self.rng.random(len(inside)).tolist())
            hazard.working += 1
        else:
            total = max(measure(hazard.remaining), 1.0)
            task = Task(kind, hazard.code, self.w.codes.take("ACT"), self.w.codes.take("TK"),
                        day, total, travel_left=travel)
            if kind == "NTS":
                task.days_left = float(self.rng.uniform(*self.teams_cfg["nts_days"]))
            hazard.surveyor = team.code
        team.task = task
        team.x, team.y = hazard.x, hazard.y
        geom = polygonal(task.sector if task.sector is not None else hazard.remaining)
        self.log.activities[task.activity] = {
            "code": task.activity, "type": kind, "hazard": hazard.code,
            "organisation": team.organisation, "team": team.code, "start_date": day,
            "end_date": None, "status": "ongoing", "method": team.type,
            "depth_cm": self.ops["clearance_depth_cm"] if kind == "CLEARANCE" else None,
            "geometry": geom,
        }
        self.log.tasks[task.task] = {
            "code": task.task, "team": team.code, "hazard": hazard.code,
            "activity_type": kind, "planned_start": day, "planned_end": None,
            "status": "active"}

    def cut_sectors(self, hazard: Hazard) -> None:
        """Cut the land left to clear into square sectors, west to east, one team each."""
        hazard.sectors_cut = True
        land = hazard.remaining
        if land.is_empty:
            hazard.sectors = []
            return
        size = self.ops["sector_m"]
        minx, miny, maxx, maxy = land.bounds
        lat = (miny + maxy) / 2
        dx = size / (111_320.0 * np.cos(np.radians(lat)))
        dy = size / 110_574.0
        xs = np.arange(minx, maxx + dx, dx)
        ys = np.arange(miny, maxy + dy, dy)
        gx, gy = np.meshgrid(xs[:-1], ys[:-1], indexing="ij")
        boxes = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + dx, gy.ravel() + dy)
        pieces = shapely.intersection(boxes, land)
        keep = ~shapely.is_empty(pieces)
        pieces = [shapely.make_valid(p) if not p.is_valid else p for p in pieces[keep]]
        pieces = [p for p in pieces if measure(p) >= MIN_RELEASE_M2]
        hazard.sectors = pieces or [land]

    # --- a day's work ----------------------------------------------------------------------
    def work(self, team: Team, day: date) -> None:
        task = team.task
        assert task is not None
        share = 1.0
        if task.travel_left > 0:
            lost = min(1.0, task.travel_left)
            task.travel_left -= lost
            share -= lost
        hazard = self.w.hazards[task.hazard]
        area, finds = 0.0, Counter[str]()
        if task.kind == "NTS":
            task.days_left -= share
            if task.days_left <= 0:
                area = self.finish_nts(team, hazard, day)
        elif task.kind == "TS":
            step = team.rate * share * float(self.rng.uniform(0.8, 1.2))
            task.done_m2 += step
            area = step
            if task.done_m2 >= task.total_m2:
                self.finish_ts(team, hazard, day)
        else:
            area, finds = self.clear(team, task, hazard, day, share)
        if share > 0:
            self.log.reports.append({
                "code": self.w.codes.take("PR"), "team": team.code, "task": task.task,
                "report_date": day, "area_m2": round(area, 1),
                "finds_by_category": dict(sorted(finds.items()))})

    def clearance_rate(self, team: Team, hazard: Hazard) -> float:
        """Today's clearance rate of a team, drawn within the scenario's documented range."""
        hard = self.teams_cfg["hard_ground_factor"] if hazard.cover != "farmland" else 1.0
        if team.type == "manual":
            low, high = self.teams_cfg["manual_rate_m2_per_deminer_day"]
            own = team.rate / max(team.members, 1)
            per = float(np.clip(own * self.rng.uniform(0.8, 1.2), low, high))
            return per * team.members * hard
        low, high = self.teams_cfg["mdd_rate_m2_per_day"]
        return float(np.clip(team.rate * self.rng.uniform(0.85, 1.15), low, high)) * hard

    def clear(self, team: Team, task: Task, hazard: Hazard, day: date, share: float
              ) -> tuple[float, Counter[str]]:
        step = self.clearance_rate(team, hazard) * share
        before = task.done_m2 / task.total_m2
        task.done_m2 = min(task.total_m2, task.done_m2 + step)
        after = task.done_m2 / task.total_m2
        found: Counter[str] = Counter()
        its = self.w.items
        for i, u in zip(task.items, task.reach, strict=True):
            if not (before < u <= after) or not its.buried[i]:
                continue
            if self.rng.random() < self.ops["demining_accident_probability"]:
                self.accident(i, day, demining=True, team=team)
                continue
            deep = its.depth[i] > self.ops["clearance_depth_cm"]
            p = self.ops["deep_detection_probability"] if deep else self.ops[
                "detection_probability"]
            if self.rng.random() < p:
                self.find(i, day, task, hazard)
                found[str(its.category[i])] += 1
        if after >= 1.0:
            self.release(hazard, task.sector, "cleared", day, team, task)
            hazard.working -= 1
            self.finish(team, day)
            if not hazard.sectors and hazard.working == 0:
                self.close(hazard, day)
            self.policy.board.refresh(hazard)
        return step, found

    # --- survey outcomes -------------------------------------------------------------------
    def kept_land(self, hazard: Hazard, detection: float, margin_m: float) -> shapely.Geometry:
        """Land survey keeps: what it recognises as contaminated, with a margin."""
        land = hazard.remaining
        hits = self.w.footprint_tree.query(land, predicate="intersects")
        seen = [self.w.footprints[k] for k in sorted(hits) if self.rng.random() < detection]
        if not seen:
            return shapely.Polygon()
        pad = margin_m / 111_320.0
        zone = shapely.buffer(shapely.union_all(seen), pad, quad_segs=3)
        return shapely.intersection(land, zone)

    def finish_nts(self, team: Team, hazard: Hazard, day: date) -> float:
        kept = self.kept_land(hazard, self.ops["nts_detection_probability"],
                              self.ops["nts_margin_m"])
        if kept.is_empty and hazard.classification == "CHA":
            kept = hazard.remaining  # direct evidence: survey alone cannot cancel it
        cancelled = shapely.difference(hazard.remaining, kept)
        area = self.release(hazard, cancelled, "cancelled", day, team, team.task)
        self.surveyed(team, hazard, kept, "surveyed", day)
        return area

    def finish_ts(self, team: Team, hazard: Hazard, day: date) -> None:
        kept = self.kept_land(hazard, self.ops["ts_detection_probability"],
                              self.ops["ts_margin_m"])
        if not kept.is_empty and hazard.classification == "SHA":
            hazard.classification = "CHA"
            self.log.confirmed.add(hazard.code)
        reduced = shapely.difference(hazard.remaining, kept)
        self.release(hazard, reduced, "reduced", day, team, team.task)
        self.surveyed(team, hazard, kept, "ready", day)

    def surveyed(self, team: Team, hazard: Hazard, kept: shapely.Geometry, stage: str,
                 day: date) -> None:
        """After a survey: the land kept is what remains; nothing kept closes the area."""
        hazard.remaining = kept
        hazard.stage = stage
        hazard.surveyor = None
        self.finish(team, day)
        if measure(kept) < MIN_RELEASE_M2:
            self.close(hazard, day)
        self.policy.board.refresh(hazard)

    # --- records ---------------------------------------------------------------------------
    def release(self, hazard: Hazard, geom: shapely.Geometry | None, method: str, day: date,
                team: Team, task: Task | None) -> float:
        if geom is None or geom.is_empty:
            return 0.0
        geom = shapely.make_valid(geom) if not geom.is_valid else geom
        polys = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon"]
        if not polys:
            return 0.0
        piece = shapely.MultiPolygon(polys)
        area = measure(piece)
        if area < MIN_RELEASE_M2:
            return 0.0
        self.log.releases.append({
            "hazard": hazard.code, "geometry": piece, "method": method, "release_date": day,
            "organisation": team.organisation, "activity": task.activity if task else None,
            "depth_cm": self.ops["clearance_depth_cm"] if method == "cleared" else None,
            "area_m2": area})
        its = self.w.items
        its.factor[its.within(piece)] = self.civ["released_exposure"]
        return area

    def close(self, hazard: Hazard, day: date) -> None:
        hazard.closed = True
        hazard.remaining = shapely.Polygon()
        self.log.released_on[hazard.code] = day

    def finish(self, team: Team, day: date) -> None:
        task = team.task
        assert task is not None
        if task.activity in self.log.activities:
            self.log.activities[task.activity].update(end_date=day, status="completed")
            self.log.tasks[task.task].update(planned_end=day, status="done")
        else:
            self.log.finished_activities[task.activity] = day
            self.log.finished_tasks[task.task] = day
        team.task = None

    def find(self, i: int, day: date, task: Task, hazard: Hazard) -> None:
        its = self.w.items
        code = self.w.codes.take("F")
        its.settle(i, "found", day, code)
        category = str(its.category[i])
        self.log.finds.append({
            "code": code, "activity": task.activity, "hazard": hazard.code,
            "category": category, "model": None, "condition": "armed",
            "depth_cm": int(its.depth[i]), "disposal": "destroyed_in_situ", "find_date": day,
            "geometry": shapely.Point(float(its.lon[i]), float(its.lat[i]))})

    def accident(self, i: int, day: date, demining: bool, team: Team | None = None) -> None:
        its = self.w.items
        code = self.w.codes.take("ACC")
        its.settle(i, "accident", day, code)
        category = str(its.category[i])
        place = str(its.place[i])
        if demining:
            people = [civ.deminer_victim(self.rng)]
            activity = "clearance"
            text = f"demining accident, team {team.code if team else ''}".strip()
        else:
            people = civ.civilian_victims(category, self.civ, self.rng)
            activity = civ.ACTIVITY[place]
            text = f"civilian accident while {activity}"
        lon, lat = float(its.lon[i]), float(its.lat[i])
        self.log.accidents.append({
            "code": code, "accident_date": day, "category": category, "demining": demining,
            "activity_at_time": activity, "description": text,
            "location": self.w.district_at(lon, lat), "geometry": shapely.Point(lon, lat)})
        if not demining and not self.in_recorded_hazard(lon, lat):
            self.record_hazard(i, day, code)
        for p in people:
            self.log.victims.append({
                "code": self.w.codes.take("V"), "accident": code, "sex": p.sex, "age": p.age,
                "outcome": p.outcome, "role": "deminer" if demining else "civilian"})

    def _hazard_tree(self) -> shapely.STRtree:
        shapes = np.empty(len(self.w.hazards), dtype=object)
        shapes[:] = [h.remaining for h in self.w.hazards.values()]
        self.hazard_codes = list(self.w.hazards)
        return shapely.STRtree(shapes)

    def in_recorded_hazard(self, lon: float, lat: float) -> bool:
        """Whether a point lies in land an open hazard area still holds."""
        point = shapely.Point(lon, lat)
        for k in self.hazard_tree.query(point):
            h = self.w.hazards[self.hazard_codes[int(k)]]
            if not h.closed and shapely.contains(h.remaining, point):
                return True
        return False

    def record_hazard(self, i: int, day: date, accident: str) -> None:
        """A civilian accident where no hazard area was known: the land around it is confirmed."""
        its = self.w.items
        x, y = self.w.frame.points_xy(its.lon[i:i + 1], its.lat[i:i + 1])
        disc = np.empty(1, dtype=object)
        disc[0] = shapely.Point(float(x[0]), float(y[0])).buffer(REPORTED_RADIUS_M, quad_segs=8)
        shape = self.w.frame.to_lonlat(disc)[0]
        for k in self.hazard_tree.query(shape):
            h = self.w.hazards[self.hazard_codes[int(k)]]
            if not h.closed:
                shape = shapely.difference(shape, h.remaining)
        shape = polygonal(shape)
        if measure(shape) < 100.0:
            return
        code = self.w.codes.take("HA")
        place = str(its.place[i])
        cover = "farmland" if place == "road" else place
        hazard = Hazard(code, "CHA", 1, shape, float(x[0]), float(y[0]), cover,
                        stage="new" if self.has_survey else "ready")
        self.w.hazards[code] = hazard
        self.hazard_tree = self._hazard_tree()
        self.policy.board.add(hazard)
        its.factor[its.within(shape)] = self.civ["marked_exposure"]
        self.log.hazards.append({
            "code": code, "geometry": shape, "name": f"Accident {accident} area",
            "classification": "CHA", "contamination": str(its.category[i]),
            "blocked_land_use": LAND_USE[place], "reported_area_m2": None, "info_date": day,
            "organisation": None, "beneficiaries": None, "priority": 1,
            "location": self.w.district_at(float(its.lon[i]), float(its.lat[i]))})

    def civilians(self, day: date) -> None:
        its = self.w.items
        season = civ.season(day, self.ops["work_months"], self.civ["winter_exposure"])
        for i in civ.draw_accidents(its.exposure * its.factor * season, its.buried, self.rng):
            self.accident(int(i), day, demining=False)
