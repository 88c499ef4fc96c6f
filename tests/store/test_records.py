"""Domain entities map onto their tables, and are stored with codes, stamps and audit."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
import shapely
from sqlalchemy import select

from demine.model import entities as e
from demine.model.vocab import OrdnanceCategory, Sex, VictimOutcome
from demine.store import Store
from demine.store.audit import entries_for, verify_chain
from demine.store.base import now_iso
from demine.store.records import TABLES, entity_row, insert_entities
from demine.store.schema import finds, hazard_areas, releases, victims


@pytest.mark.parametrize("kind", sorted(TABLES, key=lambda k: k.__name__),
                         ids=lambda k: k.__name__)
def test_every_entity_field_is_a_column(kind: type) -> None:
    columns = set(TABLES[kind].c.keys())
    fields = {"geom" if f.name == "geometry" else f.name for f in dataclasses.fields(kind)}
    assert fields <= columns, fields - columns


@pytest.mark.parametrize("kind, table", [(e.HazardArea, hazard_areas), (e.Release, releases)])
def test_accounted_entities_match_their_tables(kind: type, table: object) -> None:
    fields = {"geom" if f.name == "geometry" else f.name for f in dataclasses.fields(kind)}
    assert fields <= set(table.c.keys())  # type: ignore[attr-defined]


def test_entities_are_stored_with_codes_and_audit(store: Store) -> None:
    found = [e.Find(category=OrdnanceCategory.AP_MINE, model="PMN-2", depth_cm=5,
                    find_date=date(2025, 5, 1), geometry=shapely.Point(36.3, 50.1))
             for _ in range(3)]
    accident = e.Accident(code="ACC-1", accident_date=date(2025, 5, 2),
                          geometry=shapely.Point(36.31, 50.1))
    victim = e.Victim(accident="ACC-1", sex=Sex.FEMALE, age=12, outcome=VictimOutcome.INJURED,
                      name="A. Person", birth_date=date(2013, 1, 1))
    with store.write() as conn:
        now = now_iso()
        insert_entities(store, conn, found, "tester", now, "F")
        insert_entities(store, conn, [accident], "tester", now)
        insert_entities(store, conn, [victim], "tester", now, "V")
    with store.read() as conn:
        rows = conn.execute(select(finds).order_by(finds.c.fid)).mappings().all()
        assert [r["code"] for r in rows] == ["F-000001", "F-000002", "F-000003"]
        assert rows[0]["category"] == "AP_MINE" and rows[0]["find_date"] == date(2025, 5, 1)
        assert rows[0]["geom"].equals(shapely.Point(36.3, 50.1))
        person = conn.execute(select(victims)).mappings().one()
        assert person["sex"] == "female" and person["accident"] == "ACC-1"
        assert entries_for(conn, "finds", "F-000002")[0]["actor"] == "tester"
        assert verify_chain(conn) is None


def test_entity_row_converts_vocabularies_and_lists() -> None:
    hazard = e.HazardArea(code="HA-1", geometry=shapely.box(0, 0, 1, 1),
                          contamination=(OrdnanceCategory.AP_MINE, OrdnanceCategory.UXO))
    row = entity_row(hazard)
    assert row["contamination"] == "AP_MINE,UXO" and row["classification"] == "SHA"
    assert "geom" in row and "geometry" not in row
    report = e.ProgressReport(team="T-1", report_date=date(2025, 6, 1), area_m2=250.0,
                              finds_by_category={"AP_MINE": 2})
    assert entity_row(report)["finds_by_category"] == '{"AP_MINE": 2}'


def test_an_activity_puts_its_hazard_to_work(store: Store, tmp_path: object) -> None:
    from demine.io.hazards import read_hazards
    from demine.model.vocab import ActivityType
    from demine.stats.landrelease import Period, summary
    from demine.store.history import state_as_of
    from demine.store.imports import import_hazards
    from tests.conftest import feature, square, write_geojson

    path = write_geojson(tmp_path / "h.geojson", [  # type: ignore[operator]
        feature(square(36.3, 50.1), code="HA-1", date="2025-01-01")])
    import_hazards(store, read_hazards(path), "tester")
    survey = e.Activity(code="ACT-1", type=ActivityType.TS, hazard="HA-1",
                        start_date=date(2025, 3, 1))
    with store.write() as conn:
        insert_entities(store, conn, [survey], "tester", now_iso())
    with store.read() as conn:
        assert summary(conn)["hazard_areas"]["worked_on"] == 1
        assert summary(conn, Period(end=date(2025, 2, 1)))["hazard_areas"]["open"] == 1
        assert summary(conn, Period(end=date(2025, 3, 1)))["hazard_areas"]["worked_on"] == 1
        assert state_as_of(conn, "HA-1", date(2025, 2, 1))["status"] == "open"
        assert state_as_of(conn, "HA-1", date(2025, 3, 2))["status"] == "worked_on"
        assert verify_chain(conn) is None
