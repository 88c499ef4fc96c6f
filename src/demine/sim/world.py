"""`demine demo`: generate a scenario's region, its ground truth and what the authority knows.

Nothing is written until the whole world is generated; the registry is then written in one
transaction (through the same import and accounting code as real data) and the truth beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import shapely
from sqlalchemy import Connection, delete, func, select

from demine.model import entities as e
from demine.model.batches import ATTRIBUTES, HazardBatch, to_multipolygons
from demine.model.vocab import (
    EducationMethod,
    EvidenceKind,
    LocationLevel,
    OrdnanceCategory,
    OrganisationKind,
    Sex,
    TeamType,
    VictimOutcome,
    VictimRole,
)
from demine.sim import civilians as civ
from demine.sim.frame import Frame
from demine.sim.knowledge import SuspectedAreas, suspected_areas
from demine.sim.region import Region, build_region
from demine.sim.scenario import Scenario, load_scenario, scenario_json
from demine.sim.truth import Truth, build_truth
from demine.sim.truthstore import TruthStore, clusters, items, put_state
from demine.store import Store, StoreError, audit
from demine.store.base import now_iso
from demine.store.bulk import bulk_insert
from demine.store.imports import import_entry, import_hazards
from demine.store.records import insert_entities
from demine.store.schema import CONTEXT_LAYERS, LAYERS, hazard_risk

OPERATORS = ("Border Demining Group", "Civil Protection Sappers", "Humanitarian Clearance Trust",
             "Field Safety Services", "Northern Survey Unit", "Steppe EOD Company")
LAND_USE = {"farmland": "agriculture", "forest": "other", "built_up": "housing"}
COVER_WORD = {"farmland": "fields", "forest": "forest", "built_up": "village edge"}


@dataclass
class PastAccident:
    """A civilian accident before operations start: the item and the people it hurt."""

    day: date
    item: int
    place: str
    victims: list[civ.Casualty] = field(default_factory=list)


def has_data(store: Store) -> bool:
    with store.read() as conn:
        return any(
            conn.execute(select(func.count()).select_from(t)).scalar_one()
            for name, t in LAYERS.items() if name != "audit_log"
        )


def clear(conn: Connection) -> None:
    """Remove every record, children before parents (in the caller's transaction), and the
    risk map's summary of hazard areas that are gone."""
    for table in reversed(list(LAYERS.values())):
        conn.execute(delete(table))
    conn.execute(delete(hazard_risk))


def past_accidents(scenario: Scenario, truth: Truth, exposure: civ.Exposure,
                   rng: np.random.Generator) -> list[PastAccident]:
    """Civilian accidents from the end of the fighting to the start of operations."""
    day = scenario["scenario"]["conflict_end"]
    in_ground = np.ones(len(truth), dtype=bool)
    factor = np.ones(len(truth))
    found: list[PastAccident] = []
    while day < scenario.start_date:
        for i in exposure.accidents(day, in_ground, factor, rng):
            in_ground[i] = False
            people = civ.civilian_victims(str(truth.category[i]), scenario["civilians"], rng)
            found.append(PastAccident(day, int(i), str(exposure.place[i]), people))
        day += timedelta(days=1)
    return found


@dataclass
class World:
    """A generated world, in metres, before it is written."""

    scenario: Scenario
    seed: int
    frame: Frame
    region: Region
    truth: Truth
    accidents: list[PastAccident]
    areas: SuspectedAreas
    exposure: civ.Exposure


def generate(scenario: Scenario, seed: int) -> World:
    """The whole world of a scenario for a seed: region, truth, history, suspected areas."""
    rng = np.random.default_rng([seed, 7_240])
    s = scenario["scenario"]
    frame = Frame(s["origin_lon"], s["origin_lat"])
    region = build_region(scenario, rng)
    truth = build_truth(scenario, region, rng)
    exposure = civ.Exposure.build(region, truth, scenario["civilians"], scenario["operations"])
    accidents = past_accidents(scenario, truth, exposure, rng)
    hit = {int(truth.cluster[a.item]) for a in accidents}
    areas = suspected_areas(scenario, region, truth, hit, rng)
    return World(scenario, seed, frame, region, truth, accidents, areas, exposure)


def build_demo(store: Store, seed: int = 1, replace: bool = False, actor: str = "demo",
               scenario: str = "border") -> str:
    """Generate a scenario into `store`; returns a one-line summary."""
    chosen = load_scenario(scenario)
    store.init()
    truth_store = TruthStore(store)
    if (has_data(store) or truth_store.exists()) and not replace:
        raise StoreError(f"{store.describe()} already holds data (use --replace to replace it)")
    world = generate(chosen, seed)
    writer = RegistryWriter(store, world, actor)
    rows = writer.rows()
    with store.write() as conn:
        if replace:
            clear(conn)
        writer.write(conn, rows)
        truth_store.create(conn)
        with truth_store.write(conn) as tconn:
            write_truth(store, tconn, world)
    truth_store.dispose()
    deminers = sum(t.members for t in rows["teams"] if t.type == TeamType.MANUAL)
    return (f"{chosen.name} region written to {store.describe()} (seed {seed}): "
            f"{len(world.areas.shapes)} hazard areas, {len(rows['teams'])} teams with "
            f"{deminers} deminers in manual teams, {len(world.accidents)} past accidents; "
            f"ground truth in {truth_store.describe()}")


def write_truth(store: Store, conn: Any, world: World) -> None:
    """Items, clusters and the simulator's starting state."""
    truth = world.truth
    lon, lat = world.frame.points_lonlat(truth.x, truth.y)
    state = np.full(len(truth), "in_ground", dtype=object)
    when = np.full(len(truth), None, dtype=object)
    record = np.full(len(truth), None, dtype=object)
    for k, a in enumerate(world.accidents):
        state[a.item] = "accident"
        when[a.item] = a.day.isoformat()
        record[a.item] = accident_code(k)
    points = shapely.points(lon, lat)
    bulk_insert(conn, items, {
        "fid": list(range(1, len(truth) + 1)), "cluster": (truth.cluster + 1).tolist(),
        "category": truth.category.tolist(), "depth_cm": truth.depth_cm.tolist(),
        "fate": state.tolist(), "fate_date": when.tolist(), "fate_record": record.tolist(),
        "civilian_exposure": world.exposure.base.tolist(),
        "setting": world.exposure.place.tolist(),
        "geom": store.encode(points),
    }, points)
    shapes = to_multipolygons(world.frame.to_lonlat(truth.footprint))
    known = np.zeros(len(truth.cluster_kind), dtype=bool)
    for members in world.areas.clusters:
        known[members] = True
    bulk_insert(conn, clusters, {
        "fid": list(range(1, len(shapes) + 1)), "kind": list(truth.cluster_kind),
        "known": known.tolist(), "geom": store.encode(shapes, multi=True),
    }, shapes)
    put_state(conn, {"scenario": scenario_json(world.scenario), "seed": world.seed,
                     "next_day": world.scenario.start_date.isoformat(), "teams": {},
                     "hazards": {}, "runs": 0})


def accident_code(k: int) -> str:
    return f"ACC-{k + 1:06d}"


class RegistryWriter:
    """What the authority knows at the start, as registry records."""

    def __init__(self, store: Store, world: World, actor: str):
        self.store, self.world, self.actor = store, world, actor
        self.rng = np.random.default_rng([world.seed, 7_241])

    def lonlat(self, geoms: list[Any]) -> np.ndarray:
        arr = np.empty(len(geoms), dtype=object)
        arr[:] = geoms
        return self.world.frame.to_lonlat(arr)

    def point(self, x: float, y: float) -> shapely.Point:
        lon, lat = self.world.frame.points_lonlat(np.array([x]), np.array([y]))
        return shapely.Point(float(lon[0]), float(lat[0]))

    def rows(self) -> dict[str, Any]:
        return {"organisations": self.organisations(), "locations": self.locations(),
                "hazards": self.hazards(), "teams": self.teams(), "events": self.events(),
                "context": self.context()}

    def write(self, conn: Any, rows: dict[str, Any]) -> None:
        now = now_iso()
        insert_entities(self.store, conn, rows["organisations"], self.actor, now)
        insert_entities(self.store, conn, rows["locations"], self.actor, now)
        for name, columns, geoms in rows["context"]:
            columns.update(created_at=[now] * len(geoms), updated_at=[now] * len(geoms),
                           created_by=[self.actor] * len(geoms))
            columns["geom"] = self.store.encode(geoms, multi=name == "land_cover")
            bulk_insert(conn, LAYERS[name], columns, geoms)
            audit.append(conn, [import_entry(self.actor, name, "demo", [])], now)
        import_hazards(self.store, rows["hazards"], self.actor, "demo", conn=conn)
        insert_entities(self.store, conn, rows["teams"], self.actor, now)
        accidents, victims, evidence, sessions = rows["events"]
        insert_entities(self.store, conn, accidents, self.actor, now, "ACC")
        insert_entities(self.store, conn, victims, self.actor, now, "V")
        insert_entities(self.store, conn, evidence, self.actor, now, "EV")
        insert_entities(self.store, conn, sessions, self.actor, now, "RE")

    def organisations(self) -> list[e.Organisation]:
        count = self.world.scenario["teams"]["operators"]
        orgs = [e.Organisation(code="NMAC", name="National Mine Action Centre",
                               kind=OrganisationKind.AUTHORITY)]
        orgs += [e.Organisation(code=f"OPS-{i + 1}", name=OPERATORS[i % len(OPERATORS)]
                                + (f" {i // len(OPERATORS) + 1}" if i >= len(OPERATORS) else ""),
                                kind=OrganisationKind.OPERATOR) for i in range(count)]
        return orgs

    def locations(self) -> list[e.Location]:
        r = self.world.region
        districts = self.lonlat(r.district_shapes)
        pops = [int(r.settlement_pop[r.settlement_district == i].sum())
                for i in range(len(districts))]
        out = [e.Location(code="ADM1-1", name="Border province", level=LocationLevel.ADMIN1,
                          population=int(r.settlement_pop.sum()),
                          geometry=self.lonlat([r.strip])[0])]
        out += [e.Location(code=f"ADM2-{i + 1}", name=name, level=LocationLevel.ADMIN2,
                           parent="ADM1-1", population=pops[i], geometry=districts[i])
                for i, name in enumerate(r.district_names)]
        lon, lat = self.world.frame.points_lonlat(r.settlement_xy[:, 0], r.settlement_xy[:, 1])
        out += [e.Location(code=f"SET-{i + 1}", name=name, level=LocationLevel.SETTLEMENT,
                           parent=f"ADM2-{int(r.settlement_district[i]) + 1}",
                           population=int(r.settlement_pop[i]),
                           geometry=shapely.Point(float(lon[i]), float(lat[i])))
                for i, name in enumerate(r.settlement_names)]
        return out

    def context(self) -> list[tuple[str, dict[str, list[Any]], np.ndarray]]:
        r = self.world.region
        layers: dict[str, list[tuple[Any, str | None, str]]] = {
            "roads": [(g, None, k) for g, k in r.roads],
            "rivers": [(g, n, "river") for g, n in r.rivers],
            "land_cover": [(g, None, k) for g, k in r.land_cover],
            "front_lines": [(r.front_lines[0], "Former front line", "front_line"),
                            (r.front_lines[1], "Earlier defensive line", "earlier_line")],
            "positions": [(shapely.Point(x, y), None, k)
                          for (x, y), k in zip(r.position_xy, r.position_kind, strict=True)],
        }
        out = []
        for name in CONTEXT_LAYERS:
            rows = layers[name]
            geoms = self.lonlat([g for g, _, _ in rows])
            if name in ("roads", "rivers", "front_lines"):
                geoms = np.asarray([shapely.line_merge(g) if g.geom_type == "MultiLineString"
                                    else g for g in geoms], dtype=object)
                keep = np.array([g.geom_type == "LineString" for g in geoms])
                geoms, rows = geoms[keep], [row for row, k in zip(rows, keep, strict=True) if k]
            ids = e.new_ids(len(rows))
            columns: dict[str, list[Any]] = {"id": ids, "name": [n for _, n, _ in rows],
                                              "kind": [k for _, _, k in rows]}
            out.append((name, columns, geoms))
        return out

    def hazards(self) -> HazardBatch:
        w, r, rng = self.world, self.world.region, self.rng
        areas = w.areas
        order = np.argsort([s.centroid.x for s in areas.shapes], kind="stable")
        shapes = [areas.shapes[i] for i in order]
        cx = np.array([s.centroid.x for s in shapes])
        cy = np.array([s.centroid.y for s in shapes])
        cover = r.cover_at(cx, cy)
        roads = shapely.union_all([g for g, _ in r.roads])
        near_road = shapely.dwithin(roads, np.asarray(shapes, dtype=object), 30.0)
        dist = np.hypot(cx[:, None] - r.settlement_xy[None, :, 0],
                        cy[:, None] - r.settlement_xy[None, :, 1])
        nearest = np.argmin(dist, axis=1)
        near_km = dist[np.arange(len(shapes)), nearest] / 1000
        district = r.district_of(cx, cy)
        geoms = to_multipolygons(self.lonlat(shapes))
        start, end = w.scenario["scenario"]["conflict_end"], w.scenario.start_date
        span = (end - start).days
        names: dict[str, int] = {}
        codes: list[str] = []
        columns: dict[str, list[Any]] = {key: [] for key in ATTRIBUTES}
        for k, i in enumerate(order):
            confirmed = areas.confirmed[i]
            cats = sorted({str(w.truth.category[j]) for j in
                           np.flatnonzero(np.isin(w.truth.cluster, areas.clusters[i]))})
            if not confirmed or not cats:
                cats = sorted(set(cats[:1]) | {str(rng.choice(["AP_MINE", "UXO", "AT_MINE",
                                                              "PROJECTILE"]))})
            base = f"{r.settlement_names[nearest[k]]} {COVER_WORD[cover[k]]}"
            names[base] = names.get(base, 0) + 1
            area = shapes[k].area
            reported = round(area * rng.normal(1.0, 0.04), -2)
            pop = int(r.settlement_pop[nearest[k]])
            priority = 1 if confirmed and near_km[k] < 3 else (
                2 if confirmed or near_km[k] < 2 else 3)
            codes.append(f"HA-{k + 1:06d}")
            values = {
                "name": f"{base} {names[base]}", "classification": "CHA" if confirmed else "SHA",
                "contamination": ",".join(cats),
                "blocked_land_use": "roads" if near_road[k] else LAND_USE[cover[k]],
                "reported_area_m2": max(reported, 100.0),
                "info_date": start + timedelta(days=int(rng.integers(0, max(span, 1)))),
                "organisation": "NMAC",
                "beneficiaries": int(min(pop, pop * np.exp(-near_km[k] / 3) * 0.3 + 5)),
                "priority": priority, "location": f"ADM2-{int(district[k]) + 1}",
            }
            for key in ATTRIBUTES:
                columns[key].append(values.get(key))
        return HazardBatch(codes, geoms, columns)

    def teams(self) -> list[e.Team]:
        w, rng = self.world, self.rng
        t = w.scenario["teams"]
        r = w.region
        start = w.scenario.start_date
        low, high = t["deminers"]
        smin, smax = (int(v) for v in t["manual_team_size"])
        sizes: list[int] = []
        goal = int(rng.integers(int(low), int(high) + 1))
        while sum(sizes) < goal:
            sizes.append(int(rng.integers(smin, smax + 1)))
        while sum(sizes) > high and len(sizes) > 1:
            sizes.pop()
        bases = np.argsort(-r.settlement_pop)[:8]
        operators = t["operators"]
        teams: list[e.Team] = []

        def add(kind: TeamType, members: int, rate: float) -> None:
            k = len(teams)
            late = t["late_start_days"]
            delay = 0 if rng.random() < 0.7 else int(rng.uniform(*late))
            x, y = r.settlement_xy[bases[k % len(bases)]]
            teams.append(e.Team(
                code=f"T-{k + 1:03d}", type=kind, organisation=f"OPS-{k % operators + 1}",
                members=members, rate_m2_per_day=round(rate, 1),
                available_from=start + timedelta(days=delay), geometry=self.point(x, y)))

        for size in sizes:
            add(TeamType.MANUAL, size, size * rng.uniform(*t["manual_rate_m2_per_deminer_day"]))
        for _ in range(t["mdd_teams"]):
            add(TeamType.MDD, 4, rng.uniform(*t["mdd_rate_m2_per_day"]))
        for _ in range(t["mechanical_teams"]):
            add(TeamType.MECHANICAL, 3,
                rng.uniform(*t["mechanical_rate_m2_per_hour"]) * t["hours_per_day"])
        for _ in range(t["survey_teams"]):
            add(TeamType.SURVEY, 4, rng.uniform(*t["ts_rate_m2_per_day"]))
        return teams

    def events(self) -> tuple[list[e.Accident], list[e.Victim], list[e.Evidence],
                              list[e.EducationSession]]:
        w, rng = self.world, self.rng
        truth, r = w.truth, w.region
        accidents, victims = [], []
        xs = np.array([truth.x[a.item] for a in w.accidents])
        ys = np.array([truth.y[a.item] for a in w.accidents])
        district = r.district_of(xs, ys) if len(xs) else np.zeros(0, dtype=np.int64)
        for k, a in enumerate(w.accidents):
            code = accident_code(k)
            category = str(truth.category[a.item])
            accidents.append(e.Accident(
                code=code, accident_date=a.day, category=OrdnanceCategory(category),
                activity_at_time=civ.ACTIVITY[a.place],
                description=f"civilian accident while {civ.ACTIVITY[a.place]}",
                location=f"ADM2-{int(district[k]) + 1}",
                geometry=self.point(float(truth.x[a.item]), float(truth.y[a.item]))))
            victims += [e.Victim(accident=code, sex=Sex(p.sex), age=p.age,
                                 outcome=VictimOutcome(p.outcome), role=VictimRole.CIVILIAN)
                        for p in a.victims]
        evidence = []
        start = w.scenario["scenario"]["conflict_end"]
        span = max((w.scenario.start_date - start).days, 1)
        for i, shape in enumerate(w.areas.shapes):
            members = np.flatnonzero(np.isin(truth.cluster, w.areas.clusters[i]))
            if w.areas.confirmed[i] and len(members):
                j = int(rng.choice(members))
                x, y, kind = truth.x[j], truth.y[j], EvidenceKind.COMMUNITY_REPORT
            else:
                p = shape.representative_point()
                x, y, kind = p.x, p.y, EvidenceKind.SUSPICION_REPORT
            evidence.append(e.Evidence(
                kind=kind, evidence_date=start + timedelta(days=int(rng.integers(0, span))),
                source="non-technical survey interview", geometry=self.point(x, y)))
        sessions = []
        near_front = np.argsort(np.abs(r.settlement_xy[:, 1] - r.front_y(r.settlement_xy[:, 0])))
        for k, s in enumerate(near_front[:30]):
            x, y = r.settlement_xy[s]
            sessions.append(e.EducationSession(
                session_date=start + timedelta(days=int(rng.integers(30, span))),
                organisation=f"OPS-{k % w.scenario['teams']['operators'] + 1}",
                method=EducationMethod.FACE_TO_FACE, girls=int(rng.integers(5, 40)),
                boys=int(rng.integers(5, 40)), women=int(rng.integers(5, 30)),
                men=int(rng.integers(3, 25)), location=f"SET-{int(s) + 1}",
                geometry=self.point(x, y)))
        return accidents, victims, evidence, sessions
