"""The embedded store is a GeoPackage that GDAL reads as it is, and exports are standard files."""

from __future__ import annotations

import json
import sqlite3
import struct
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pyogrio
import pytest
import shapely
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from demine.store import Store, open_store
from demine.store.base import now_iso
from demine.store.records import insert_records
from demine.store.schema import LAYERS, audit_log, hazard_areas, releases, victims
from tests.conftest import Cli, feature, square, write_geojson

GEOMETRY_LAYERS = {
    "hazard_areas", "releases", "finds", "accidents", "teams", "locations", "activities",
    "evidence", "inspections", "education_sessions",
    "roads", "rivers", "land_cover", "front_lines", "positions", "risk_cells",
}
GEOMETRY_TYPES = {
    "hazard_areas": "MultiPolygon", "releases": "MultiPolygon", "activities": "MultiPolygon",
    "inspections": "MultiPolygon", "finds": "Point", "accidents": "Point", "teams": "Point",
    "education_sessions": "Point", "roads": "LineString", "rivers": "LineString",
    "land_cover": "MultiPolygon", "front_lines": "LineString", "positions": "Point",
    "risk_cells": "Polygon",
}


def db_path(cli: Cli) -> Path:
    return Path(make_url(cli.db).database or "")


@pytest.fixture
def registry(gpkg_url: str, hazards_file: Path, releases_file: Path) -> Cli:
    """An embedded store after init and the fixture hazards and releases."""
    cli = Cli(gpkg_url)
    assert cli("init").exit_code == 0
    for kind, path in (("hazards", hazards_file), ("releases", releases_file)):
        result = cli("import", kind, str(path))
        assert result.exit_code == 0, result.output
    return cli


@pytest.fixture
def demo(gpkg_url: str) -> Cli:
    cli = Cli(gpkg_url)
    result = cli("demo", "--scenario", "small")
    assert result.exit_code == 0, result.output
    result = cli("simulate", "--days", "120")
    assert result.exit_code == 0, result.output
    return cli


@pytest.fixture
def opened(gpkg_url: str) -> Iterator[Store]:
    store = open_store(gpkg_url)
    yield store
    store.dispose()


def row_counts(store: Store) -> dict[str, int]:
    with store.read() as conn:
        return {name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                for name, table in LAYERS.items()}


def check_layers(path: Path, counts: dict[str, int]) -> None:
    """GDAL lists every geometry layer and reads each with its rows, in EPSG:4326."""
    listed = {str(name): gtype for name, gtype in pyogrio.list_layers(path)}
    spatial = {name for name, gtype in listed.items() if gtype is not None}
    assert spatial == GEOMETRY_LAYERS, listed
    for name, gtype in GEOMETRY_TYPES.items():
        assert listed[name] == gtype, (name, listed[name])
    for name in sorted(GEOMETRY_LAYERS):
        frame = pyogrio.read_dataframe(path, layer=name)
        assert len(frame) == counts[name], name
        assert frame.crs is not None and frame.crs.to_epsg() == 4326, (name, frame.crs)
        if len(frame):
            assert frame.geometry.notna().any(), name
            minx, miny, maxx, maxy = frame.total_bounds
            assert -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90, name


def test_layers_readable_by_gdal_after_imports(registry: Cli, opened: Store) -> None:
    path = db_path(registry)
    counts = row_counts(opened)
    assert counts["hazard_areas"] == 3 and counts["releases"] == 3
    check_layers(path, counts)
    hazards = pyogrio.read_dataframe(path, layer="hazard_areas")
    assert sorted(hazards["code"]) == ["HA-1", "HA-2", "HA-3"]
    ha1 = hazards.set_index("code").geometry["HA-1"]
    assert shapely.equals(ha1, shapely.Polygon(square(36.30, 50.10)[0]))
    rel = pyogrio.read_dataframe(path, layer="releases")
    assert sorted(rel["hazard"]) == ["HA-1", "HA-1", "HA-2"]
    assert set(rel["method"]) == {"cancelled", "cleared", "reduced"}


def test_layers_readable_by_gdal_after_demo(demo: Cli, opened: Store) -> None:
    counts = row_counts(opened)
    for name in ("hazard_areas", "releases", "finds", "accidents", "teams", "locations",
                 "evidence", "education_sessions", "activities", "roads", "rivers", "land_cover",
                 "front_lines", "positions"):
        assert counts[name] > 0, name
    check_layers(db_path(demo), counts)


def test_file_header_says_geopackage(registry: Cli) -> None:
    path = db_path(registry)
    header = path.read_bytes()[:100]
    assert header[:16] == b"SQLite format 3\x00"
    assert struct.unpack(">I", header[68:72])[0] == 0x47504B47  # "GPKG"
    assert header[68:72] == b"GPKG"
    assert struct.unpack(">I", header[60:64])[0] == 10400
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 10400
        contents = dict(conn.execute("SELECT table_name, srs_id FROM gpkg_contents"))
        geometry_columns = dict(
            conn.execute("SELECT table_name, srs_id FROM gpkg_geometry_columns"))
    assert set(contents) >= GEOMETRY_LAYERS
    assert set(geometry_columns) == GEOMETRY_LAYERS
    assert set(geometry_columns.values()) == {4326}


@pytest.mark.parametrize("source", ["imports", "demo"])
def test_rtree_holds_each_hazard_bbox(
    source: str, gpkg_url: str, hazards_file: Path, releases_file: Path
) -> None:
    cli = Cli(gpkg_url)
    if source == "demo":
        assert cli("demo", "--scenario", "small").exit_code == 0
    else:
        assert cli("import", "hazards", str(hazards_file)).exit_code == 0
        assert cli("import", "releases", str(releases_file)).exit_code == 0
    store = open_store(gpkg_url)
    try:
        with store.read() as conn:
            geoms = dict(conn.execute(select(hazard_areas.c.fid, hazard_areas.c.geom)).all())
            boxes = {row[0]: row[1:] for row in conn.execute(text(
                "SELECT id, minx, maxx, miny, maxy FROM rtree_hazard_areas_geom"))}
    finally:
        store.dispose()
    assert len(geoms) >= 3
    assert set(boxes) == set(geoms)
    for fid, geom in geoms.items():
        minx, miny, maxx, maxy = shapely.bounds(geom)
        got = boxes[fid]
        # R-tree coordinates are 32-bit floats, rounded outwards
        assert got == pytest.approx((minx, maxx, miny, maxy), abs=1e-5), fid
        assert got[0] <= minx and got[1] >= maxx and got[2] <= miny and got[3] >= maxy, fid


def test_wal_and_foreign_keys_through_the_engine(registry: Cli, opened: Store) -> None:
    with opened.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    now = now_iso()
    with pytest.raises(IntegrityError, match="FOREIGN KEY"), opened.write() as conn:
        conn.execute(victims.insert().values(
            id="v-orphan", code="V-404", accident="ACC-404", sex="male", outcome="injured",
            role="civilian", created_at=now, updated_at=now, created_by="test"))
    with opened.read() as conn:
        assert conn.execute(select(func.count()).select_from(victims)).scalar_one() == 0


def test_export_hazards_geojson_is_rfc7946(registry: Cli, tmp_path: Path) -> None:
    # a hazard drawn clockwise, with a counter-clockwise hole: both the wrong way for RFC 7946
    shell = square(36.36, 50.10, 0.004)[0][::-1]
    hole = square(36.361, 50.101, 0.001)[0]
    odd = write_geojson(tmp_path / "clockwise.geojson", [
        feature([shell, hole], code="HA-CW", classification="SHA", date="2025-02-02"),
    ])
    assert not shapely.is_ccw(shapely.LinearRing(shell))
    result = registry("import", "hazards", str(odd))
    assert result.exit_code == 0, result.output
    out = tmp_path / "out.geojson"
    result = registry("export", "hazards", str(out))
    assert result.exit_code == 0, (result.output, result.exception)
    assert "exported 4" in result.stdout
    doc = json.loads(out.read_text())
    assert doc["type"] == "FeatureCollection"
    assert "crs" not in doc  # RFC 7946: WGS84 lon/lat only, no crs member
    codes = [f["properties"]["code"] for f in doc["features"]]
    assert sorted(codes) == ["HA-1", "HA-2", "HA-3", "HA-CW"]
    assert all("fingerprint" not in f["properties"] for f in doc["features"])
    for feat in doc["features"]:
        geom = shapely.geometry.shape(feat["geometry"])
        for polygon in shapely.get_parts(geom):
            assert shapely.is_ccw(polygon.exterior), feat["properties"]["code"]
            for ring in polygon.interiors:
                assert not shapely.is_ccw(ring), feat["properties"]["code"]
    cw = next(f for f in doc["features"] if f["properties"]["code"] == "HA-CW")
    area = shapely.geometry.shape(cw["geometry"])
    expected = shapely.Polygon(shell, [hole])
    assert shapely.equals_exact(shapely.normalize(area), shapely.normalize(
        shapely.MultiPolygon([expected])), tolerance=1e-7)


def test_export_releases_geopackage(registry: Cli, opened: Store, tmp_path: Path) -> None:
    out = tmp_path / "releases.gpkg"
    result = registry("export", "releases", str(out))
    assert result.exit_code == 0, (result.output, result.exception)
    assert "exported 3 releases" in result.stdout
    assert [str(name) for name, _ in pyogrio.list_layers(out)] == ["releases"]
    frame = pyogrio.read_dataframe(out, layer="releases")
    assert len(frame) == 3
    assert frame.crs.to_epsg() == 4326
    assert "fingerprint" not in frame.columns
    with opened.read() as conn:
        stored = {r.code: r for r in conn.execute(select(releases))}
    assert set(frame["code"]) == set(stored)
    for _, row in frame.iterrows():
        original = stored[row["code"]]
        assert row["hazard"] == original.hazard and row["method"] == original.method
        assert row["area_m2"] == pytest.approx(original.area_m2)
        assert shapely.equals_exact(shapely.normalize(row.geometry),
                                    shapely.normalize(original.geom), tolerance=1e-9)
    assert not list(tmp_path.glob(".demine-*"))


@pytest.mark.parametrize("suffix", ["gpkg", "geojson"])
def test_export_victims_leaves_out_personal_data(
    demo: Cli, opened: Store, tmp_path: Path, suffix: str
) -> None:
    with opened.write() as conn:
        insert_records(opened, conn, victims, [
            {"code": "V-NAMED", "accident": "ACC-000001", "name": "Olena Kovalenko",
             "birth_date": date(1979, 3, 2), "sex": "female", "age": 46,
             "outcome": "injured", "role": "civilian"},
        ], "test", now_iso())
    with opened.read() as conn:
        count = conn.execute(select(func.count()).select_from(victims)).scalar_one()
        audits = conn.execute(select(func.count()).select_from(audit_log)).scalar_one()

    plain = tmp_path / f"victims.{suffix}"
    result = demo("export", "victims", str(plain))
    assert result.exit_code == 0, (result.output, result.exception)
    frame = pyogrio.read_dataframe(plain)
    assert len(frame) == count
    assert "name" not in frame.columns and "birth_date" not in frame.columns
    assert {"code", "accident", "sex", "age", "outcome"} <= set(frame.columns)
    assert b"Kovalenko" not in plain.read_bytes() and b"1979-03-02" not in plain.read_bytes()
    with opened.read() as conn:
        assert conn.execute(select(func.count()).select_from(audit_log)).scalar_one() == audits

    personal = tmp_path / f"victims-personal.{suffix}"
    result = demo("export", "victims", str(personal), "--include-personal")
    assert result.exit_code == 0, (result.output, result.exception)
    frame = pyogrio.read_dataframe(personal)
    assert len(frame) == count
    assert {"name", "birth_date"} <= set(frame.columns)
    named = frame.set_index("code").loc["V-NAMED"]
    assert named["name"] == "Olena Kovalenko"
    assert str(named["birth_date"])[:10] == "1979-03-02"
    with opened.read() as conn:
        last: Any = conn.execute(
            select(audit_log).order_by(audit_log.c.seq.desc()).limit(1)).one()
    assert last.action == "export_personal" and last.entity == "victims"
    assert str(personal) in last.record
