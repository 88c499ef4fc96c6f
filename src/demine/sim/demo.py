"""A small demonstration region: a border strip with hazard areas, work done, finds and accidents.

It goes through the same import and accounting code as real data, so every figure `demine stats`
shows of it is computed, not typed in.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import shapely
from sqlalchemy import delete, func, select

from demine.model import entities as e
from demine.model.batches import (
    ATTRIBUTES,
    HazardBatch,
    ReleaseBatch,
    fingerprints,
    to_multipolygons,
)
from demine.model.vocab import (
    DeviceCondition,
    Disposal,
    EvidenceKind,
    LocationLevel,
    OrdnanceCategory,
    OrganisationKind,
    Sex,
    TeamType,
    VictimOutcome,
)
from demine.store import Store, StoreError
from demine.store.base import now_iso
from demine.store.hazards import get_hazard
from demine.store.imports import import_hazards, import_releases
from demine.store.records import insert_entities
from demine.store.schema import LAYERS

ORIGIN = (36.30, 50.05)
"""South-west corner of the demonstration strip (lon, lat), along a border running east."""
CATEGORIES = ("AP_MINE", "AT_MINE", "UXO", "PROJECTILE", "AIRCRAFT_BOMB", "SUBMUNITION")


def has_data(store: Store) -> bool:
    with store.read() as conn:
        return any(
            conn.execute(select(func.count()).select_from(t)).scalar_one()
            for name, t in LAYERS.items() if name != "audit_log"
        )


def clear(store: Store) -> None:
    """Remove every record, children before parents."""
    with store.write() as conn:
        for table in reversed(list(LAYERS.values())):
            conn.execute(delete(table))


def blob_polygon(rng: np.random.Generator, lon: float, lat: float, radius_m: float
                 ) -> shapely.Polygon:
    """An irregular polygon of roughly `radius_m` around a point, as field teams draw them."""
    angles = np.sort(rng.uniform(0, 2 * np.pi, 12))
    radii = radius_m * rng.uniform(0.6, 1.2, 12)
    dx = radii * np.cos(angles) / (111_320 * np.cos(np.radians(lat)))
    dy = radii * np.sin(angles) / 110_570
    return shapely.Polygon(np.column_stack([lon + dx, lat + dy]))


def build_demo(store: Store, seed: int = 1, replace: bool = False, actor: str = "demo") -> str:
    """Generate the demonstration region into `store`; returns a one-line summary."""
    store.init()
    if has_data(store):
        if not replace:
            raise StoreError(f"{store.describe()} already holds data (use --replace to replace it)")
        clear(store)
    rng = np.random.default_rng(seed)
    now = now_iso()
    _context(store, rng, actor, now)
    codes = _hazards(store, rng, actor)
    _releases(store, rng, codes, actor)
    _events(store, rng, actor, now)
    return (f"demonstration region written to {store.describe()}: {len(codes)} hazard areas "
            f"along a 40 km border strip (seed {seed})")


def _context(store: Store, rng: np.random.Generator, actor: str, now: str) -> None:
    lon0, lat0 = ORIGIN
    orgs = [
        e.Organisation(code="NMAC", name="National Mine Action Centre",
                       kind=OrganisationKind.AUTHORITY),
        e.Organisation(code="OPS-1", name="Border Demining Group", kind=OrganisationKind.OPERATOR),
        e.Organisation(code="OPS-2", name="Civil Protection Sappers",
                       kind=OrganisationKind.OPERATOR),
    ]
    units = [
        e.Location(code=f"ADM2-{i + 1}", name=name, level=LocationLevel.ADMIN2, parent="ADM1-1",
                   population=int(rng.integers(8_000, 30_000)),
                   geometry=shapely.box(lon0 + 0.3 * i, lat0, lon0 + 0.3 * (i + 1), lat0 + 0.25))
        for i, name in enumerate(("Western district", "Eastern district"))
    ]
    units.append(e.Location(code="ADM1-1", name="Border province", level=LocationLevel.ADMIN1,
                            population=sum(u.population or 0 for u in units),
                            geometry=shapely.box(lon0, lat0, lon0 + 0.6, lat0 + 0.25)))
    settlements = [
        e.Location(code=f"SET-{i + 1}", name=name, level=LocationLevel.SETTLEMENT,
                   parent=f"ADM2-{1 + (i >= 2)}", population=int(rng.integers(300, 4_000)),
                   geometry=shapely.Point(lon0 + 0.08 + 0.15 * i, lat0 + rng.uniform(0.05, 0.2)))
        for i, name in enumerate(("Lypove", "Stavky", "Kamianka", "Zaporizke"))
    ]
    kinds = (TeamType.MANUAL, TeamType.MANUAL, TeamType.MANUAL, TeamType.MDD,
             TeamType.MECHANICAL, TeamType.SURVEY)
    members = {TeamType.MANUAL: 10, TeamType.MDD: 4, TeamType.MECHANICAL: 3, TeamType.SURVEY: 4}
    rates = {TeamType.MANUAL: 300.0, TeamType.MDD: 800.0, TeamType.MECHANICAL: 6000.0,
             TeamType.SURVEY: 50_000.0}
    teams = [
        e.Team(code=f"T-{i + 1:02d}", organisation="OPS-1" if i % 2 else "OPS-2", type=kind,
               members=members[kind], rate_m2_per_day=rates[kind],
               available_from=date(2025, 3, 1),
               geometry=shapely.Point(lon0 + 0.1 * i, lat0 + 0.02))
        for i, kind in enumerate(kinds)
    ]
    with store.write() as conn:
        insert_entities(store, conn, orgs, actor, now)
        insert_entities(store, conn, units + settlements, actor, now)
        insert_entities(store, conn, teams, actor, now)


def _hazards(store: Store, rng: np.random.Generator, actor: str) -> list[str]:
    lon0, lat0 = ORIGIN
    geoms, codes, attrs = [], [], []
    for i in range(10):
        lon = lon0 + 0.03 + 0.055 * i
        lat = lat0 + 0.2 + rng.uniform(-0.02, 0.02)
        poly = blob_polygon(rng, lon, lat, float(rng.uniform(120, 450)))
        geoms.append(poly)
        codes.append(f"HA-{i + 1:06d}")
        contamination = rng.choice(CATEGORIES, size=int(rng.integers(1, 3)), replace=False)
        attrs.append({
            "name": f"Border field {i + 1}", "classification": "CHA" if i % 3 == 0 else "SHA",
            "contamination": ",".join(sorted(contamination)), "blocked_land_use": "agriculture",
            "reported_area_m2": round(float(shapely.area(poly)) * 111_320 * 71_500, -2),
            "info_date": date(2024, 11, 1) + timedelta(days=int(i * 9)),
            "organisation": "NMAC", "beneficiaries": int(rng.integers(50, 900)),
            "priority": int(rng.integers(1, 4)), "location": f"ADM2-{1 + (i >= 5)}",
        })
    arr = to_multipolygons(np.asarray(geoms, dtype=object))
    columns = {key: [a[key] for a in attrs] for key in ATTRIBUTES}
    import_hazards(store, HazardBatch(codes, arr, columns), actor, "demo")
    return codes


def _releases(store: Store, rng: np.random.Generator, codes: list[str], actor: str) -> None:
    """Survey cancels part of several areas, clearance finishes two, reduction trims others."""
    with store.read() as conn:
        shapes = {c: get_hazard(conn, c)["geom"] for c in codes}
    hazards: list[str] = []
    geoms: list[Any] = []
    attrs: list[dict[str, Any]] = []

    def add(code: str, geom: Any, method: str, day: date, org: str, depth: int | None) -> None:
        hazards.append(code)
        geoms.append(geom)
        attrs.append({"code": None, "method": method, "release_date": day, "organisation": org,
                      "depth_cm": depth, "activity": None})

    for k, code in enumerate(codes[:7]):
        shape = shapes[code]
        minx, miny, maxx, maxy = shape.bounds
        west = shapely.box(minx, miny, minx + (maxx - minx) * 0.4, maxy)
        start = date(2025, 3, 10) + timedelta(days=12 * k)
        add(code, shapely.intersection(shape, west), "cancelled", start, "OPS-1", None)
        if k < 2:
            rest = shapely.difference(shape, west)
            add(code, rest, "cleared", start + timedelta(days=40), "OPS-2", 20)
        elif k < 5:
            mid = shapely.box(minx + (maxx - minx) * 0.4, miny, minx + (maxx - minx) * 0.6, maxy)
            add(code, shapely.intersection(shape, mid), "reduced", start + timedelta(days=25),
                "OPS-1", None)
    arr = to_multipolygons(np.asarray(geoms, dtype=object))
    wkbs = shapely.to_wkb(arr)
    batch = ReleaseBatch(hazards, arr, attrs, fingerprints(hazards, wkbs, attrs))
    import_releases(store, batch, actor, "demo")


MODELS = {"AP_MINE": "PMN-2", "AT_MINE": "TM-62M", "UXO": "VOG-17", "PROJECTILE": "152 mm HE",
          "AIRCRAFT_BOMB": "FAB-250", "SUBMUNITION": "9N235"}


def _events(store: Store, rng: np.random.Generator, actor: str, now: str) -> None:
    lon0, lat0 = ORIGIN
    found = []
    for i in range(14):
        category = CATEGORIES[int(rng.integers(0, len(CATEGORIES)))]
        found.append(e.Find(
            hazard=f"HA-{1 + i % 2:06d}", category=OrdnanceCategory(category),
            model=MODELS[category], condition=DeviceCondition.ARMED,
            depth_cm=int(rng.integers(0, 25)), disposal=Disposal.DESTROYED_IN_SITU,
            find_date=date(2025, 4, 20) + timedelta(days=2 * i),
            geometry=shapely.Point(lon0 + 0.03 + rng.uniform(-0.002, 0.06),
                                   lat0 + 0.2 + rng.uniform(-0.003, 0.003)),
        ))
    reports = [
        e.Evidence(kind=kind, evidence_date=date(2024, 10, 5 + i), source="community meeting",
                   geometry=shapely.Point(lon0 + 0.1 + 0.07 * i, lat0 + 0.18))
        for i, kind in enumerate((EvidenceKind.COMMUNITY_REPORT, EvidenceKind.SUSPICION_REPORT,
                                  EvidenceKind.ARSENAL))
    ]
    events = [
        e.Accident(code="ACC-000001", accident_date=date(2024, 9, 14),
                   category=OrdnanceCategory.AP_MINE, activity_at_time="farming",
                   description="tractor driver stepped off the vehicle at a field edge",
                   location="ADM2-1", geometry=shapely.Point(lon0 + 0.09, lat0 + 0.205)),
        e.Accident(code="ACC-000002", accident_date=date(2025, 5, 2),
                   category=OrdnanceCategory.AT_MINE, activity_at_time="travelling",
                   description="car on a dirt track", location="ADM2-2",
                   geometry=shapely.Point(lon0 + 0.41, lat0 + 0.19)),
    ]
    people = [
        e.Victim(accident="ACC-000001", sex=Sex.MALE, age=46, outcome=VictimOutcome.INJURED),
        e.Victim(accident="ACC-000002", sex=Sex.MALE, age=38, outcome=VictimOutcome.KILLED),
        e.Victim(accident="ACC-000002", sex=Sex.FEMALE, age=15, outcome=VictimOutcome.INJURED),
    ]
    session = e.EducationSession(
        session_date=date(2025, 4, 3), organisation="OPS-2", girls=34, boys=41, women=22,
        men=18, location="SET-1", geometry=shapely.Point(lon0 + 0.08, lat0 + 0.12))
    with store.write() as conn:
        insert_entities(store, conn, found, actor, now, "F")
        insert_entities(store, conn, reports, actor, now, "EV")
        insert_entities(store, conn, events, actor, now, "ACC")
        insert_entities(store, conn, people, actor, now, "V")
        insert_entities(store, conn, [session], actor, now, "RE")
