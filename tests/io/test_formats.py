"""Every export format read back: features, attributes and areas survive the round trip."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import select

from demine.geo.mgrs import MGRSError, parse
from demine.io.vector import read_features
from demine.store import open_store
from demine.store.schema import hazard_areas
from tests.conftest import Cli

FORMATS = [".geojson", ".gpkg", ".fgb", ".csv", ".kml", ".kmz", ".shp.zip", ".zip"]
COMPARED = ("classification", "contamination", "organisation", "priority", "beneficiaries",
            "blocked_land_use", "info_date", "reported_area_m2", "name")


def hazards_of(db: str) -> dict[str, dict[str, object]]:
    store = open_store(db)
    with store.read() as conn:
        rows = conn.execute(select(hazard_areas)).mappings().all()
    store.dispose()
    return {r["code"]: dict(r) for r in rows}


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = str(tmp_path_factory.mktemp("formats") / "source.gpkg")
    assert Cli(db)("demo", "--scenario", "small", "--seed", "2").exit_code == 0
    return db


@pytest.mark.parametrize("suffix", FORMATS)
def test_round_trip_keeps_features_attributes_and_areas(source: str, tmp_path: Path,
                                                        suffix: str) -> None:
    out = tmp_path / f"hazards{suffix}"
    exported = Cli(source)("export", "hazards", str(out))
    assert exported.exit_code == 0, exported.output
    target = str(tmp_path / "target.gpkg")
    imported = Cli(target)("import", "hazards", str(out))
    assert imported.exit_code == 0, imported.output
    before, after = hazards_of(source), hazards_of(target)
    assert set(after) == set(before)
    for code, row in before.items():
        again = after[code]
        assert abs(again["area_m2"] - row["area_m2"]) <= 1e-4 * row["area_m2"], (code, suffix)
        for key in COMPARED:
            a, b = row[key], again[key]
            if isinstance(a, float) and b is not None:
                assert abs(a - float(b)) <= 1e-9 * max(1.0, abs(a)), (code, key, suffix)
            else:
                assert str(a) == str(b), (code, key, suffix, a, b)


def test_mgrs_references_as_field_teams_write_them(tmp_path: Path) -> None:
    lon, lat = parse("18SUJ2348306479")  # the Washington Monument
    assert abs(lon + 77.03524) < 2e-4 and abs(lat - 38.88946) < 2e-4
    lon, lat = parse("31U DQ 48251 11932")  # the Eiffel Tower
    assert abs(lon - 2.29449) < 2e-4 and abs(lat - 48.85819) < 2e-4
    for bad in ("18SUJ234830647", "99SUJ2348306479", "18SIJ2348306479", "hello"):
        with pytest.raises(MGRSError):
            parse(bad)
    path = tmp_path / "spots.csv"
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["code", "mgrs"])
        writer.writerow(["S-1", "31U DQ 48251 11932"])
        writer.writerow(["S-2", "not a grid"])
    table = read_features(path)
    assert table.geometries[0].x == pytest.approx(2.29449, abs=2e-4)
    assert [p.index for p in table.problems] == [2]
    assert "mgrs" in table.problems[0].reason


def test_field_package_has_every_layer_styled_for_qgis(source: str, tmp_path: Path) -> None:
    import sqlite3
    import xml.etree.ElementTree as ET

    import pyogrio

    from demine.store.schema import LAYERS, geometry_column

    out = tmp_path / "field.gpkg"
    result = Cli(source)("export", "--all", str(out))
    assert result.exit_code == 0, result.output
    listed = {str(name) for name, _ in pyogrio.list_layers(out)}
    assert set(LAYERS) - {"audit_log"} <= listed and "audit_log" not in listed
    store = open_store(source)
    for name, table in LAYERS.items():
        if name == "audit_log":
            continue
        frame = pyogrio.read_dataframe(out, layer=name)
        with store.read() as conn:
            from sqlalchemy import func
            stored = conn.execute(select(func.count()).select_from(table)).scalar_one()
        assert len(frame) == stored, name
        if geometry_column(table) is not None and stored:
            assert frame.crs.to_epsg() == 4326, name
    store.dispose()
    with sqlite3.connect(out) as db:
        styles = dict(db.execute("SELECT f_table_name, styleQML FROM layer_styles "
                                 "WHERE useAsDefault"))
    root = ET.fromstring(styles["hazard_areas"].split("'SYSTEM'>", 1)[1])
    categories = {c.get("value"): c.get("label") for c in root.iter("category")}
    assert set(categories) == {"CHA", "SHA"}
    assert {"releases", "finds", "roads"} <= set(styles)
    assert "victims" in listed
    victims = pyogrio.read_dataframe(out, layer="victims")
    assert victims["name"].isna().all() if "name" in victims else True
    refused = Cli(source)("export", "--all", str(tmp_path / "field.geojson"))
    assert refused.exit_code != 0 and "GeoPackage" in refused.stderr
