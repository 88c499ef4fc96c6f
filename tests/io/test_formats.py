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
