"""Data quality checks: each finds its planted defect, and all stay silent on clean data.

The clean registry is small and made by hand, so that every check has something to look at:
releases of each method, finds and an accident inside land before its release, a find of an EOD
spot task outside every hazard, survey before clearance, and every reference leading somewhere.
Defects the imports refuse are planted with SQL, as another tool writing the file could.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from sqlalchemy import Connection, Table, select, text, update

from demine.io.hazards import read_hazards
from demine.io.releases import read_releases
from demine.model import entities as e
from demine.model.entities import new_id
from demine.model.vocab import (
    ActivityStatus,
    ActivityType,
    InspectionResult,
    OrdnanceCategory,
    TeamType,
    VictimOutcome,
    VictimRole,
)
from demine.stats.quality import CHECKS, REFERENCES, Finding, readable_report, run_checks
from demine.store import Store, open_store
from demine.store.base import now_iso
from demine.store.imports import import_hazards, import_releases
from demine.store.records import insert_entities
from demine.store.schema import LAYERS, accidents, activities, finds, hazard_areas, releases
from tests.conftest import Cli

D = date.fromisoformat
HA_1 = shapely.box(36.300, 50.100, 36.301, 50.101)
"""Cancelled in its west half (2025-03-01), cleared in its east half (2025-05-20)."""
HA_2 = shapely.box(36.320, 50.100, 36.321, 50.101)
"""Reduced in its south-west corner (2025-04-02)."""
HA_3 = shapely.box(36.340, 50.100, 36.342, 50.102)
"""OPS-1's open area under technical survey; its north-east corner holds nothing."""
NE_CORNER = shapely.box(36.3415, 50.1015, 36.342, 50.102)
FAR = shapely.Point(36.5, 50.3)
"""A place in no hazard area."""


def findings(store: Store) -> list[Finding]:
    with store.read() as conn:
        return run_checks(conn)


def seen(found: list[Finding]) -> list[tuple[str, str, str, str]]:
    return [(f.check, f.severity, f.layer, f.record) for f in found]


def write(store: Store, items: list[Any]) -> None:
    with store.write() as conn:
        insert_entities(store, conn, items, "test", now_iso())


@pytest.fixture
def clean(store: Store, hazards_file: Path, releases_file: Path) -> Store:
    """HA-1..3 with their releases, and the work, finds, accidents and reports around them."""
    import_hazards(store, read_hazards(hazards_file), "test")
    import_releases(store, read_releases(releases_file), "test")
    write(store, [e.Team(code="T-1", type=TeamType.MANUAL, organisation="OPS-1", members=8)])
    write(store, [
        e.Activity(code="NTS-1", type=ActivityType.NTS, hazard="HA-1", team="T-1",
                   start_date=D("2025-02-01"), end_date=D("2025-02-25"),
                   status=ActivityStatus.COMPLETED),
        e.Activity(code="CL-1", type=ActivityType.CLEARANCE, hazard="HA-1", team="T-1",
                   start_date=D("2025-04-01"), end_date=D("2025-05-20"),
                   status=ActivityStatus.COMPLETED),
        e.Activity(code="TS-1", type=ActivityType.TS, hazard="HA-3", team="T-1",
                   start_date=D("2025-03-01")),
        e.Activity(code="SPOT-1", type=ActivityType.EOD_SPOT, team="T-1",
                   start_date=D("2025-06-01"), end_date=D("2025-06-01")),
    ])
    write(store, [e.Task(code="TK-1", team="T-1", hazard="HA-3", activity_type=ActivityType.TS)])
    write(store, [e.ProgressReport(code="PR-1", team="T-1", task="TK-1",
                                   report_date=D("2025-03-02"), area_m2=200.0)])
    write(store, [
        find("F-1", "CL-1", "HA-1", 36.3008, 50.1005, "2025-05-10"),  # cleared 2025-05-20
        find("F-2", "CL-1", "HA-1", 36.3006, 50.1002, "2025-05-20"),  # on the release day
        find("F-3", "TS-1", "HA-3", 36.3408, 50.1008, "2025-03-05"),
        find("F-4", "SPOT-1", None, FAR.x, FAR.y, "2025-06-01"),  # a spot task's single item
    ])
    write(store, [
        accident("ACC-1", 36.3405, 50.1005, "2025-02-15"),
        accident("ACC-2", 36.3009, 50.1009, "2025-04-20"),  # during clearance, before release
    ])
    write(store, [
        e.Victim(code="V-1", accident="ACC-1", outcome=VictimOutcome.INJURED),
        e.Victim(code="V-2", accident="ACC-2", outcome=VictimOutcome.INJURED,
                 role=VictimRole.DEMINER),
    ])
    write(store, [e.Inspection(code="IN-1", activity="CL-1", inspection_date=D("2025-05-25"),
                               result=InspectionResult.PASSED)])
    return store


def find(code: str, activity: str, hazard: str | None, lon: float, lat: float,
         day: str) -> e.Find:
    return e.Find(code=code, category=OrdnanceCategory.AP_MINE, activity=activity,
                  hazard=hazard, geometry=shapely.Point(lon, lat), find_date=D(day))


def accident(code: str, lon: float, lat: float, day: str) -> e.Accident:
    return e.Accident(code=code, geometry=shapely.Point(lon, lat), accident_date=D(day))


# planting rows the imports would refuse ---------------------------------------------------------

def row(store: Store, table: Table, **values: Any) -> dict[str, Any]:
    """A complete row for `table`: keys and stamps filled in, geometry encoded for the store."""
    out = {"id": new_id(), "created_at": now_iso(), "updated_at": now_iso(),
           "created_by": "test", **values}
    geom = out.get("geom")
    if isinstance(geom, shapely.Geometry):
        multi = table.name in ("hazard_areas", "releases")
        out["geom"] = store.encode(np.array([geom], dtype=object), multi=multi)[0]
    return out


def hazard(store: Store, code: str, geom: shapely.Geometry, **values: Any) -> dict[str, Any]:
    return row(store, hazard_areas, code=code, classification="SHA", status="open",
               area_m2=0.0, remaining_area_m2=0.0, version=1, geom=geom, **values)


def release(store: Store, code: str, geom: shapely.Geometry, **values: Any) -> dict[str, Any]:
    return row(store, releases, code=code, method="cancelled", area_m2=0.0, clipped_m2=0.0,
               geom=geom, **values)


@contextmanager
def unchecked(store: Store) -> Iterator[Connection]:
    """A write with foreign keys off, as a GIS tool's own connection to the file has them."""
    if store.dialect == "sqlite":
        with store.engine.connect() as conn:
            raw = conn.connection.driver_connection
            raw.execute("PRAGMA foreign_keys = OFF")  # type: ignore[union-attr]
            try:
                with conn.begin():
                    yield conn
            finally:
                raw.execute("PRAGMA foreign_keys = ON")  # type: ignore[union-attr]
    else:
        with store.write() as conn:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            yield conn


def insert(table: Table, make: Callable[[Store], dict[str, Any]]) -> Callable[[Store], None]:
    def plant(store: Store) -> None:
        with unchecked(store) as conn:
            conn.execute(table.insert(), [make(store)])
    return plant


def reported(area_m2: float) -> Callable[[Store], None]:
    def plant(store: Store) -> None:
        with store.write() as conn:
            conn.execute(update(hazard_areas).where(hazard_areas.c.code == "HA-1")
                         .values(reported_area_m2=area_m2))
    return plant


BOWTIE = shapely.Polygon([(36.40, 50.10), (36.401, 50.101), (36.401, 50.10), (36.40, 50.101)])
SHIFT_2M = 2.0 / 71_500  # degrees of longitude at 50.1 N
SLIVER = shapely.box(36.342, 50.100, 36.3421, 50.1001)  # 7 x 11 m beyond HA-3's east edge

DEFECTS: dict[str, tuple[Callable[[Store], None], tuple[str, str, str, str]]] = {
    "bowtie hazard": (
        insert(hazard_areas, lambda s: hazard(s, "HA-9", BOWTIE, organisation="NMAC")),
        ("invalid_geometry", "error", "hazard_areas", "HA-9")),
    "bowtie release": (
        insert(releases, lambda s: release(s, "RL-9", shapely.Polygon(
            [(36.3415, 50.1015), (36.342, 50.102), (36.342, 50.1015), (36.3415, 50.102)]),
            hazard="HA-3", release_date=D("2025-03-01"))),
        ("invalid_geometry", "error", "releases", "RL-9")),
    "find off the globe": (
        insert(finds, lambda s: row(s, finds, code="F-9", category="UXO", activity="TS-1",
                                    hazard="HA-3", find_date=D("2025-03-06"),
                                    geom=shapely.Point(200.0, 50.1))),
        ("invalid_geometry", "error", "finds", "F-9")),
    "accident beyond the pole": (
        insert(accidents, lambda s: row(s, accidents, code="ACC-9", demining=False,
                                        accident_date=D("2025-03-01"),
                                        geom=shapely.Point(36.34, 95.0))),
        ("invalid_geometry", "error", "accidents", "ACC-9")),
    "copied hazard": (
        insert(hazard_areas, lambda s: hazard(s, "HA-9", HA_2, organisation="NMAC")),
        ("duplicate", "error", "hazard_areas", "HA-9")),
    "hazard redrawn 2 m east by another operator": (
        insert(hazard_areas, lambda s: hazard(
            s, "HA-9", shapely.affinity.translate(HA_2, SHIFT_2M), organisation="OPS-2")),
        ("duplicate", "warning", "hazard_areas", "HA-9")),
    "hazard redrawn with a sliver": (
        insert(hazard_areas, lambda s: hazard(s, "HA-9", HA_3.union(SLIVER),
                                              organisation="OPS-1")),
        ("duplicate", "warning", "hazard_areas", "HA-9")),
    "another operator's overlapping hazard": (
        insert(hazard_areas, lambda s: hazard(s, "HA-9", shapely.box(36.3415, 50.1015, 36.344,
                                                                     50.104),
                                              organisation="OPS-2")),
        ("overlap", "warning", "hazard_areas", "HA-9")),
    "reported area 13 % high": (reported(9_000.0),
                                ("area_mismatch", "warning", "hazard_areas", "HA-1")),
    "reported area in hectares": (reported(0.8),
                                  ("unit_confusion", "error", "hazard_areas", "HA-1")),
    "reported area in km2": (reported(0.008),
                             ("unit_confusion", "error", "hazard_areas", "HA-1")),
    "reported area converted twice": (reported(80_000_000.0),
                                      ("unit_confusion", "error", "hazard_areas", "HA-1")),
    "find in no hazard": (
        insert(finds, lambda s: row(s, finds, code="F-9", category="UXO", activity="TS-1",
                                    hazard="HA-3", find_date=D("2025-03-06"), geom=FAR)),
        ("outside_hazard", "warning", "finds", "F-9")),
    "accident in no hazard": (
        insert(accidents, lambda s: row(s, accidents, code="ACC-9", demining=False,
                                        accident_date=D("2025-03-01"), geom=FAR)),
        ("outside_hazard", "warning", "accidents", "ACC-9")),
    "find in cancelled land after cancellation": (
        insert(finds, lambda s: row(s, finds, code="F-9", category="AP_MINE", activity="CL-1",
                                    hazard="HA-1", find_date=D("2025-05-01"),
                                    geom=shapely.Point(36.3002, 50.1005))),
        ("inside_released", "error", "finds", "F-9")),
    "accident in reduced land after reduction": (
        insert(accidents, lambda s: row(s, accidents, code="ACC-9", demining=False,
                                        accident_date=D("2025-07-01"),
                                        geom=shapely.Point(36.3202, 50.1002))),
        ("inside_released", "error", "accidents", "ACC-9")),
    "activity ending before it starts": (
        insert(activities, lambda s: row(s, activities, code="QC-9", type="QC", hazard="HA-1",
                                         status="completed", start_date=D("2025-06-10"),
                                         end_date=D("2025-06-01"))),
        ("date_order", "error", "activities", "QC-9")),
    "technical survey before the NTS ended": (
        insert(activities, lambda s: row(s, activities, code="TS-9", type="TS", hazard="HA-1",
                                         status="completed", start_date=D("2025-02-10"),
                                         end_date=D("2025-02-20"))),
        ("date_order", "warning", "activities", "TS-9")),
    "find before its activity started": (
        insert(finds, lambda s: row(s, finds, code="F-9", category="UXO", activity="TS-1",
                                    hazard="HA-3", find_date=D("2025-02-20"),
                                    geom=shapely.Point(36.3409, 50.1009))),
        ("date_order", "error", "finds", "F-9")),
    "release before the hazard was known": (
        insert(releases, lambda s: release(s, "RL-9", NE_CORNER, hazard="HA-3",
                                           release_date=D("2025-01-15"))),
        ("date_order", "warning", "releases", "RL-9")),
}

ORPHAN_ROWS: dict[str, dict[str, Any]] = {
    "releases": dict(method="cancelled", area_m2=0.0, clipped_m2=0.0, hazard="HA-3",
                     geom=NE_CORNER),
    "activities": dict(type="QC", status="completed", hazard="HA-3"),
    "tasks": dict(team="T-1", hazard="HA-3", activity_type="TS", status="planned"),
    "finds": dict(category="UXO", hazard="HA-3", activity="TS-1"),
    "victims": dict(accident="ACC-1", sex="female", outcome="injured", role="civilian"),
    "progress_reports": dict(team="T-1", task="TK-1", report_date=D("2025-03-03"),
                             area_m2=10.0),
    "inspections": dict(activity="CL-1", result="passed"),
    "teams": dict(organisation="OPS-1", type="manual", members=8),
}
"""A valid row of each layer that holds references, to break one reference of at a time."""

for _layer, _column, _target in REFERENCES:
    DEFECTS[f"{_layer}.{_column} naming no {_target}"] = (
        insert(LAYERS[_layer], lambda s, la=_layer, co=_column: row(
            s, LAYERS[la], code="X-9", **{**ORPHAN_ROWS[la], co: "NOWHERE"})),
        ("orphan", "error", _layer, "X-9"))


def test_nine_checks_in_their_order() -> None:
    assert CHECKS == ("invalid_geometry", "duplicate", "overlap", "area_mismatch",
                      "unit_confusion", "outside_hazard", "inside_released", "date_order",
                      "orphan")
    assert {expected[0] for _, expected in DEFECTS.values()} == set(CHECKS)


def test_an_empty_registry_has_nothing_to_report(store: Store) -> None:
    assert findings(store) == []


def test_silent_on_clean_data(clean: Store) -> None:
    assert findings(clean) == []
    assert readable_report([]) == "No findings: all 9 checks passed."


@pytest.mark.parametrize("defect", list(DEFECTS))
def test_each_check_finds_its_planted_defect(clean: Store, defect: str) -> None:
    plant, expected = DEFECTS[defect]
    plant(clean)
    found = findings(clean)
    assert seen(found) == [expected], [f.as_dict() for f in found]
    assert found[0].message


EDGES: dict[str, tuple[Callable[[Store], None], list[tuple[str, str, str, str]]]] = {
    "same operator's overlapping hazard": (
        insert(hazard_areas, lambda s: hazard(s, "HA-9", shapely.box(36.3415, 50.1015, 36.344,
                                                                     50.104),
                                              organisation="OPS-1")), []),
    "overlapping hazard of no organisation": (
        insert(hazard_areas, lambda s: hazard(s, "HA-9", shapely.box(36.3415, 50.1015, 36.344,
                                                                     50.104))), []),
    "another operator's hazard touching along an edge": (
        insert(hazard_areas, lambda s: hazard(s, "HA-9", shapely.box(36.342, 50.100, 36.343,
                                                                     50.101),
                                              organisation="OPS-2")), []),
    "another operator's hazard 11 m off: an overlap, not a duplicate": (
        insert(hazard_areas, lambda s: hazard(s, "HA-9", shapely.affinity.translate(HA_3,
                                                                                    0, 0.0001),
                                              organisation="OPS-2")),
        [("overlap", "warning", "hazard_areas", "HA-9")]),
    "hazard redrawn 3 m wider by its own operator": (
        insert(hazard_areas, lambda s: hazard(s, "HA-9", HA_2.buffer(3 / 111_200, join_style=2),
                                              organisation="NMAC")),
        [("duplicate", "warning", "hazard_areas", "HA-9")]),
    "reported area 7 % low": (reported(7_400.0), []),
    "reported area 1.5e-4 of the computed: no unit's factor": (
        reported(1.2), [("area_mismatch", "warning", "hazard_areas", "HA-1")]),
}


@pytest.mark.parametrize("edge", list(EDGES))
def test_tolerances_at_their_edges(clean: Store, edge: str) -> None:
    plant, expected = EDGES[edge]
    plant(clean)
    assert seen(findings(clean)) == expected


def test_findings_are_sorted_and_serialise(clean: Store) -> None:
    for name in ("find in no hazard", "copied hazard", "reported area in hectares",
                 "teams.organisation naming no organisations"):
        DEFECTS[name][0](clean)
    found = findings(clean)
    assert [f.check for f in found] == ["duplicate", "unit_confusion", "outside_hazard",
                                        "orphan"]
    assert json.loads(json.dumps([f.as_dict() for f in found]))[0] == {
        "check": "duplicate", "severity": "error", "layer": "hazard_areas", "record": "HA-9",
        "message": found[0].message}
    report = readable_report(found)
    assert report.splitlines()[0] == "duplicate (1)"
    assert "HA-9" in report and report.endswith("4 finding(s): 3 error(s), 1 warning(s)")


def test_simulated_region_shows_only_its_field_estimates(db_url: str) -> None:
    """The simulator draws reported areas with a 4 % spread, so a few are more than 10 % off;
    everything else it records is consistent."""
    cli = Cli(db_url)
    for args in (("demo", "--scenario", "small"), ("simulate", "--days", "60")):
        result = cli(*args)
        assert result.exit_code == 0, result.output
    store = open_store(db_url)
    try:
        with store.read() as conn:
            found = run_checks(conn)
            off = conn.execute(select(hazard_areas.c.code).where(
                (hazard_areas.c.reported_area_m2 - hazard_areas.c.area_m2 > 0.1
                 * hazard_areas.c.area_m2)
                | (hazard_areas.c.area_m2 - hazard_areas.c.reported_area_m2 > 0.1
                   * hazard_areas.c.area_m2))).scalars().all()
    finally:
        store.dispose()
    assert seen(found) == [("area_mismatch", "warning", "hazard_areas", code)
                           for code in sorted(off)]
