"""The simulator's world in memory: hazards, teams and items, loaded from the two stores.

A run reads the registry and the truth once, advances in memory, and writes what happened in one
transaction; `evaluate` runs the same thing and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from sqlalchemy import Connection, select

from demine.model.accounting import remaining_geometry
from demine.sim.frame import Frame
from demine.sim.scenario import Scenario, check_scenario
from demine.sim.truthstore import TruthStore, clusters, get_state, items
from demine.store import Store, StoreError
from demine.store.codes import next_codes
from demine.store.schema import LAYERS, hazard_areas, locations, releases, teams


@dataclass
class Hazard:
    """A hazard area as the simulator tracks it."""

    code: str
    classification: str
    priority: int
    remaining: shapely.Geometry
    x: float
    y: float
    cover: str
    stage: str = "new"  # new -> surveyed (NTS done) -> ready (TS done, or no survey)
    surveyor: str | None = None
    sectors: list[shapely.Geometry] = field(default_factory=list)
    sectors_cut: bool = False
    working: int = 0
    closed: bool = False


@dataclass
class Task:
    """What a team is doing: NTS, TS or clearance of one sector."""

    kind: str
    hazard: str
    activity: str
    task: str
    start: date
    total_m2: float
    done_m2: float = 0.0
    days_left: float = 0.0
    travel_left: float = 0.0
    sector: shapely.Geometry | None = None
    items: list[int] = field(default_factory=list)
    reach: list[float] = field(default_factory=list)
    new: bool = True


@dataclass
class Team:
    code: str
    type: str
    organisation: str | None
    members: int
    rate: float
    available: date
    x: float
    y: float
    task: Task | None = None


@dataclass
class Items:
    """Ground-truth items: positions in lon/lat and metres, state, exposure."""

    fid: NDArray[np.int64]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    category: NDArray[np.str_]
    depth: NDArray[np.int64]
    state: NDArray[np.object_]
    state_date: NDArray[np.object_]
    record: NDArray[np.object_]
    exposure: NDArray[np.float64]
    place: NDArray[np.str_]
    factor: NDArray[np.float64]
    changed: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.buried = self.state == "in_ground"
        self.tree = shapely.STRtree(shapely.points(self.lon, self.lat))

    def within(self, geom: shapely.Geometry) -> NDArray[np.int64]:
        """Indices of the items still in the ground inside a geometry, in order."""
        idx = np.sort(self.tree.query(geom, predicate="contains"))
        return idx[self.buried[idx]]

    def settle(self, i: int, fate: str, day: date, record: str) -> None:
        """An item leaves the ground: found and destroyed, or in an accident."""
        self.state[i], self.state_date[i], self.record[i] = fate, day.isoformat(), record
        self.buried[i] = False
        self.changed.add(i)


class Codes:
    """Human codes handed out during a run, continuing those in the registry."""

    def __init__(self, conn: Connection):
        self.next: dict[str, int] = {}
        for prefix, table in (("HA", "hazard_areas"), ("ACT", "activities"), ("TK", "tasks"),
                              ("F", "finds"), ("ACC", "accidents"), ("V", "victims"),
                              ("PR", "progress_reports")):
            first = next_codes(conn, LAYERS[table], prefix, 1)[0]
            self.next[prefix] = int(first.split("-")[1])

    def take(self, prefix: str) -> str:
        n = self.next[prefix]
        self.next[prefix] = n + 1
        return f"{prefix}-{n:06d}"


@dataclass
class World:
    """Everything a run needs, in memory."""

    scenario: Scenario
    seed: int
    frame: Frame
    day: date
    hazards: dict[str, Hazard]
    teams: list[Team]
    items: Items
    footprints: NDArray[np.object_]
    footprint_tree: shapely.STRtree
    state: dict[str, Any]
    codes: Codes
    districts: list[tuple[str, shapely.Geometry]] = field(default_factory=list)

    def district_at(self, lon: float, lat: float) -> str | None:
        """The code of the admin unit (admin2) holding a point, if any."""
        for code, shape in self.districts:
            if shapely.contains_xy(shape, lon, lat):
                return code
        return None


def load_world(store: Store) -> World:
    """The registry and the truth as the simulator's world."""
    store.require()
    truth = TruthStore(store)
    if not truth.exists():
        raise StoreError(f"{store.describe()} has no simulated region; run 'demine demo' first")
    with truth.read() as tconn:
        state = get_state(tconn)
        rows = tconn.execute(select(items).order_by(items.c.fid)).mappings().all()
        shapes = [g for (g,) in tconn.execute(select(clusters.c.geom).order_by(clusters.c.fid))]
    truth.dispose()
    scenario = check_scenario(state["scenario"], "the stored scenario")
    frame = Frame(scenario["scenario"]["origin_lon"], scenario["scenario"]["origin_lat"])
    pts = np.asarray([r["geom"] for r in rows], dtype=object)
    its = Items(
        fid=np.array([r["fid"] for r in rows], dtype=np.int64),
        lon=shapely.get_x(pts), lat=shapely.get_y(pts),
        category=np.array([r["category"] for r in rows], dtype=str),
        depth=np.array([r["depth_cm"] for r in rows], dtype=np.int64),
        state=np.array([r["fate"] for r in rows], dtype=object),
        state_date=np.array([r["fate_date"] for r in rows], dtype=object),
        record=np.array([r["fate_record"] for r in rows], dtype=object),
        exposure=np.array([r["civilian_exposure"] for r in rows], dtype=float),
        place=np.array([r["setting"] for r in rows], dtype=str),
        factor=np.ones(len(rows)),
    )
    footprints = np.asarray(shapes, dtype=object)
    with store.read() as conn:
        hazards = _load_hazards(conn, frame, state.get("hazards", {}))
        crew = _load_teams(conn, frame, state.get("teams", {}))
        codes = Codes(conn)
        released = [g for (g,) in conn.execute(select(releases.c.geom))]
        districts = [(c, g) for c, g in conn.execute(
            select(locations.c.code, locations.c.geom).where(locations.c.level == "admin2")
            .order_by(locations.c.code)) if g is not None]
    civ = scenario["civilians"]
    for h in hazards.values():
        if not h.closed:
            its.factor[its.within(h.remaining)] = civ["marked_exposure"]
    for geom in released:
        its.factor[its.within(geom)] = civ["released_exposure"]
    world = World(scenario, int(state["seed"]), frame, date.fromisoformat(state["next_day"]),
                  hazards, crew, its, footprints, shapely.STRtree(footprints), state, codes,
                  districts)
    if scenario["teams"]["survey_teams"] == 0:
        for h in hazards.values():
            if h.stage == "new":
                h.stage = "ready"
    return world


def _load_hazards(conn: Connection, frame: Frame, saved: dict[str, Any]) -> dict[str, Hazard]:
    rows = conn.execute(select(
        hazard_areas.c.code, hazard_areas.c.classification, hazard_areas.c.priority,
        hazard_areas.c.status, hazard_areas.c.geom, hazard_areas.c.blocked_land_use,
    ).order_by(hazard_areas.c.code)).all()
    done: dict[str, list[shapely.Geometry]] = {}
    for code, geom in conn.execute(select(releases.c.hazard, releases.c.geom)
                                   .order_by(releases.c.fid)):
        done.setdefault(code, []).append(geom)
    shapes = np.asarray([r.geom for r in rows], dtype=object)
    centres = shapely.centroid(shapes)
    x, y = frame.points_xy(shapely.get_x(centres), shapely.get_y(centres))
    out: dict[str, Hazard] = {}
    for k, r in enumerate(rows):
        remaining = remaining_geometry(r.geom, done[r.code]) if r.code in done else r.geom
        cover = {"agriculture": "farmland", "housing": "built_up", "roads": "farmland"}.get(
            r.blocked_land_use or "", "forest")
        h = Hazard(r.code, r.classification, int(r.priority or 3), remaining, float(x[k]),
                   float(y[k]), cover, closed=r.status == "closed")
        s = saved.get(r.code)
        if s:
            h.stage = s["stage"]
            h.sectors_cut = s.get("sectors_cut", False)
            h.sectors = [shapely.from_wkb(bytes.fromhex(w)) for w in s.get("sectors", [])]
        out[r.code] = h
    return out


def _load_teams(conn: Connection, frame: Frame, saved: dict[str, Any]) -> list[Team]:
    rows = conn.execute(select(teams).order_by(teams.c.code)).mappings().all()
    out = []
    pts = np.asarray([r["geom"] for r in rows], dtype=object)
    x, y = frame.points_xy(shapely.get_x(pts), shapely.get_y(pts))
    for k, r in enumerate(rows):
        t = Team(r["code"], r["type"], r["organisation"], int(r["members"]),
                 float(r["rate_m2_per_day"] or 0), r["available_from"] or date.min,
                 float(x[k]), float(y[k]))
        s = saved.get(r["code"])
        if s:
            t.x, t.y = s["x"], s["y"]
            if s.get("task"):
                t.task = task_from_json(s["task"])
        out.append(t)
    if not out:
        raise StoreError("the registry has no teams to simulate")
    return out


def task_to_json(task: Task) -> dict[str, Any]:
    return {"kind": task.kind, "hazard": task.hazard, "activity": task.activity,
            "task": task.task, "start": task.start.isoformat(), "total_m2": task.total_m2,
            "done_m2": task.done_m2, "days_left": task.days_left,
            "travel_left": task.travel_left,
            "sector": shapely.to_wkb(task.sector).hex() if task.sector is not None else None,
            "items": task.items, "reach": task.reach}


def task_from_json(d: dict[str, Any]) -> Task:
    return Task(d["kind"], d["hazard"], d["activity"], d["task"], date.fromisoformat(d["start"]),
                d["total_m2"], d["done_m2"], d["days_left"], d["travel_left"],
                shapely.from_wkb(bytes.fromhex(d["sector"])) if d["sector"] else None,
                list(d["items"]), list(d["reach"]), new=False)


def world_state(world: World) -> dict[str, Any]:
    """What the next run needs to go on from here."""
    hazards = {}
    for h in world.hazards.values():
        if h.stage != "new" or h.sectors_cut:
            hazards[h.code] = {"stage": h.stage, "sectors_cut": h.sectors_cut,
                               "sectors": [shapely.to_wkb(s).hex() for s in h.sectors]}
    crew = {t.code: {"x": t.x, "y": t.y, "task": task_to_json(t.task) if t.task else None}
            for t in world.teams}
    return {"next_day": world.day.isoformat(), "hazards": hazards, "teams": crew,
            "runs": int(world.state.get("runs", 0)) + 1}
