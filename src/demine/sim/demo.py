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

from demine.io.hazards import ATTRIBUTES, HazardBatch, fingerprints, to_multipolygons
from demine.io.releases import ReleaseBatch
from demine.model.vocab import age_group
from demine.store import Store, StoreError
from demine.store.base import now_iso
from demine.store.imports import import_hazards, import_releases
from demine.store.records import insert_records
from demine.store.schema import (
    LAYERS,
    accidents,
    education_sessions,
    evidence,
    finds,
    locations,
    organisations,
    teams,
    victims,
)

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
    with store.write() as conn:
        insert_records(store, conn, organisations, [
            {"code": "NMAC", "name": "National Mine Action Centre", "kind": "authority"},
            {"code": "OPS-1", "name": "Border Demining Group", "kind": "operator"},
            {"code": "OPS-2", "name": "Civil Protection Sappers", "kind": "operator"},
        ], actor, now)
        units = [
            {"code": f"ADM2-{i + 1}", "name": name, "level": "admin2", "parent": "ADM1-1",
             "population": int(rng.integers(8_000, 30_000)),
             "geom": shapely.box(lon0 + 0.3 * i, lat0, lon0 + 0.3 * (i + 1), lat0 + 0.25)}
            for i, name in enumerate(("Western district", "Eastern district"))
        ]
        units.append({"code": "ADM1-1", "name": "Border province", "level": "admin1",
                      "population": sum(u["population"] for u in units),
                      "geom": shapely.box(lon0, lat0, lon0 + 0.6, lat0 + 0.25)})
        settlements = [
            {"code": f"SET-{i + 1}", "name": name, "level": "settlement",
             "parent": f"ADM2-{1 + (i >= 2)}", "population": int(rng.integers(300, 4_000)),
             "geom": shapely.Point(lon0 + 0.08 + 0.15 * i, lat0 + rng.uniform(0.05, 0.2))}
            for i, name in enumerate(("Lypove", "Stavky", "Kamianka", "Zaporizke"))
        ]
        insert_records(store, conn, locations, units + settlements, actor, now)
        team_rows = []
        for i in range(6):
            kind = ("manual", "manual", "manual", "mdd", "mechanical", "survey")[i]
            members = {"manual": 10, "mdd": 4, "mechanical": 3, "survey": 4}[kind]
            rate = {"manual": 300.0, "mdd": 800.0, "mechanical": 6000.0, "survey": 50_000.0}[kind]
            team_rows.append({
                "code": f"T-{i + 1:02d}", "organisation": "OPS-1" if i % 2 else "OPS-2",
                "type": kind, "members": members, "rate_m2_per_day": rate,
                "available_from": date(2025, 3, 1),
                "geom": shapely.Point(lon0 + 0.1 * i, lat0 + 0.02)})
        insert_records(store, conn, teams, team_rows, actor, now)


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
        from demine.store.hazards import get_hazard

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


def _events(store: Store, rng: np.random.Generator, actor: str, now: str) -> None:
    lon0, lat0 = ORIGIN
    find_rows = []
    for i in range(14):
        category = CATEGORIES[int(rng.integers(0, len(CATEGORIES)))]
        find_rows.append({
            "code": f"F-{i + 1:06d}", "hazard": f"HA-{1 + i % 2:06d}", "category": category,
            "model": {"AP_MINE": "PMN-2", "AT_MINE": "TM-62M", "UXO": "VOG-17",
                      "PROJECTILE": "152 mm HE", "AIRCRAFT_BOMB": "FAB-250",
                      "SUBMUNITION": "9N235"}[category],
            "condition": "armed", "depth_cm": int(rng.integers(0, 25)),
            "disposal": "destroyed_in_situ",
            "find_date": date(2025, 4, 20) + timedelta(days=2 * i),
            "geom": shapely.Point(lon0 + 0.03 + rng.uniform(-0.002, 0.06),
                                  lat0 + 0.2 + rng.uniform(-0.003, 0.003)),
        })
    with store.write() as conn:
        insert_records(store, conn, finds, find_rows, actor, now)
        insert_records(store, conn, evidence, [
            {"code": f"EV-{i + 1:06d}", "kind": kind, "evidence_date": date(2024, 10, 5 + i),
             "source": "community meeting",
             "geom": shapely.Point(lon0 + 0.1 + 0.07 * i, lat0 + 0.18)}
            for i, kind in enumerate(("community_report", "suspicion_report", "arsenal"))
        ], actor, now)
        insert_records(store, conn, accidents, [
            {"code": "ACC-000001", "accident_date": date(2024, 9, 14), "category": "AP_MINE",
             "demining": False, "activity_at_time": "farming",
             "description": "tractor driver stepped off the vehicle at a field edge",
             "location": "ADM2-1", "geom": shapely.Point(lon0 + 0.09, lat0 + 0.205)},
            {"code": "ACC-000002", "accident_date": date(2025, 5, 2), "category": "AT_MINE",
             "demining": False, "activity_at_time": "travelling",
             "description": "car on a dirt track", "location": "ADM2-2",
             "geom": shapely.Point(lon0 + 0.41, lat0 + 0.19)},
        ], actor, now)
        people = [("ACC-000001", "male", 46, "injured"), ("ACC-000002", "male", 38, "killed"),
                  ("ACC-000002", "female", 15, "injured")]
        insert_records(store, conn, victims, [
            {"code": f"V-{i + 1:06d}", "accident": acc, "sex": sex, "age": age,
             "outcome": outcome, "role": "civilian"}
            for i, (acc, sex, age, outcome) in enumerate(people)
        ], actor, now)
        counts = {age_group(None, None).value: 0}
        counts.clear()
        insert_records(store, conn, education_sessions, [
            {"code": "RE-000001", "session_date": date(2025, 4, 3), "organisation": "OPS-2",
             "method": "face_to_face", "girls": 34, "boys": 41, "women": 22, "men": 18,
             "location": "SET-1", "geom": shapely.Point(lon0 + 0.08, lat0 + 0.12)},
        ], actor, now)
