"""Bad input through the CLI import on both stores: one clear line per bad feature, no writes.

Every refused import must name the feature (counted from 1), its code and the reason on stderr,
exit non-zero without a traceback, and leave the store exactly as it was: the same statistics
and the same number of rows in every table, the audit log included.
"""

from __future__ import annotations

import json
import re
import warnings
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer
from sqlalchemy import func, select

from demine.store import open_store
from demine.store.schema import LAYERS, hazard_areas, releases
from tests.conftest import Cli, feature, square, write_geojson

SQUARE_M2 = 71.5 * 111.2
"""About the area of a 0.001 degree square at 50.1 N."""


# --- helpers ------------------------------------------------------------------------------------


def snapshot(cli: Cli) -> tuple[Any, dict[str, int]]:
    """The store's statistics and the row count of every table (audit_log included)."""
    figures = cli.json("stats")
    store = open_store(cli.db)
    try:
        with store.read() as conn:
            counts = {
                name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                for name, table in LAYERS.items()
            }
    finally:
        store.dispose()
    return figures, counts


def rows_of(cli: Cli, table: Any) -> dict[str, dict[str, Any]]:
    """The rows of a table by code, geometries as shapely objects."""
    store = open_store(cli.db)
    try:
        with store.read() as conn:
            return {r["code"]: dict(r) for r in conn.execute(select(table)).mappings()}
    finally:
        store.dispose()


def assert_clean_failure(result: Any) -> None:
    """A non-zero exit reported in words: no traceback, no exception escaping the CLI."""
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"uncaught {result.exception!r}"
    )
    assert "imported" not in result.stdout


def assert_refused(
    result: Any, index: int, code: str | None, words: tuple[str, ...]
) -> str:
    """The import failed with exactly one line blaming feature `index`; returns that line."""
    assert_clean_failure(result)
    blamed = re.findall(r"^error: feature (\d+)\b", result.stderr, flags=re.MULTILINE)
    assert blamed == [str(index)], result.stderr
    lines = [line for line in result.stderr.splitlines()
             if re.match(rf"error: feature {index}\b", line)]
    assert len(lines) == 1, result.stderr
    line = lines[0]
    if code is not None:
        assert f"({code})" in line, line
    for word in words:
        assert word.lower() in line.lower(), f"{word!r} not in {line!r}"
    return line


def box(x0: float, x1: float, y0: float = 50.10, y1: float = 50.101) -> list[list[list[float]]]:
    return [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]


def bow_tie(lon: float, lat: float, d: float = 0.001) -> list[list[list[float]]]:
    """A self-intersecting ring: two triangles that touch at the square's centre."""
    return [[[lon, lat], [lon + d, lat + d], [lon + d, lat], [lon, lat + d], [lon, lat]]]


def release(coords: Any, **props: Any) -> dict[str, Any]:
    return feature(coords, **{"method": "cleared", "date": "2025-06-01",
                              "organisation": "OPS-1", **props})


# --- bad hazard areas ---------------------------------------------------------------------------

GOOD_HAZARD = feature(square(36.36, 50.10), code="HA-10", classification="CHA",
                      contamination="AP_MINE", date="2025-02-10", organisation="NMAC")

HAZARD_CASES: dict[str, tuple[dict[str, Any], str | None, tuple[str, ...]]] = {
    "bow-tie": (feature(bow_tie(36.38, 50.10), code="HA-11"),
                "HA-11", ("invalid polygon", "self-intersection")),
    "unclosed-ring": (feature([[[36.38, 50.10], [36.381, 50.10], [36.381, 50.101],
                                [36.38, 50.101]]], code="HA-11"),
                      "HA-11", ("ring", "not closed")),
    "empty-geometry": (feature([], code="HA-11"), "HA-11", ("geometry", "empty")),
    "null-geometry": (feature(None, code="HA-11"), "HA-11", ("geometry", "missing")),
    "longitude-200": (feature(square(200.0, 50.10), code="HA-11"),
                      "HA-11", ("longitude", "200", "out of range")),
    "unknown-contamination": (feature(square(36.38, 50.10), code="HA-11",
                                      contamination="AP_MINE,BANANA"),
                              "HA-11", ("contamination", "unknown", "BANANA")),
    "unknown-classification": (feature(square(36.38, 50.10), code="HA-11",
                                       classification="XHA"),
                               "HA-11", ("classification", "unknown", "XHA")),
    "missing-code": (feature(square(36.38, 50.10), classification="SHA"),
                     None, ("code", "missing")),
    "duplicate-code": (feature(square(36.38, 50.10), code="HA-10"),
                       "HA-10", ("duplicate", "HA-10", "feature 1")),
}


@pytest.mark.parametrize("case", list(HAZARD_CASES))
def test_bad_hazard_is_refused_and_nothing_written(
    cli: Cli, hazards_file: Path, tmp_path: Path, case: str
) -> None:
    assert cli("import", "hazards", str(hazards_file)).exit_code == 0
    before = snapshot(cli)
    bad, code, words = HAZARD_CASES[case]
    path = write_geojson(tmp_path / f"{case}.geojson", [GOOD_HAZARD, bad])
    result = cli("import", "hazards", str(path))
    assert_refused(result, 2, code, words)
    assert snapshot(cli) == before
    assert cli("history", "HA-10").exit_code != 0


def test_unclosed_ring_written_by_hand(cli: Cli, tmp_path: Path) -> None:
    """The file as a user's tool might write it, first and last ring points differing."""
    assert cli("init").exit_code == 0
    before = snapshot(cli)
    path = tmp_path / "unclosed.geojson"
    path.write_text(
        '{"type": "FeatureCollection", "features": [\n'
        ' {"type": "Feature", "properties": {"code": "HA-21", "classification": "SHA"},\n'
        '  "geometry": {"type": "Polygon", "coordinates": [[[36.30, 50.10], [36.301, 50.10],'
        ' [36.301, 50.101], [36.30, 50.101], [36.30, 50.10]]]}},\n'
        ' {"type": "Feature", "properties": {"code": "HA-22", "classification": "SHA"},\n'
        '  "geometry": {"type": "Polygon", "coordinates": [[[36.31, 50.10], [36.311, 50.10],'
        ' [36.311, 50.101], [36.31, 50.101]]]}}\n'
        ']}\n'
    )
    result = cli("import", "hazards", str(path))
    assert_refused(result, 2, "HA-22", ("invalid polygon", "not closed"))
    assert snapshot(cli) == before


def test_one_good_one_bad_imports_nothing(cli: Cli, tmp_path: Path) -> None:
    assert cli("init").exit_code == 0
    before = snapshot(cli)
    path = write_geojson(tmp_path / "mixed.geojson", [
        GOOD_HAZARD, feature(bow_tie(36.38, 50.10), code="HA-11", classification="SHA"),
    ])
    result = cli("import", "hazards", str(path))
    assert_refused(result, 2, "HA-11", ("self-intersection",))
    after = snapshot(cli)
    assert after == before
    assert after[1]["hazard_areas"] == 0 and after[1]["audit_log"] == before[1]["audit_log"]
    missing = cli("history", "HA-10")
    assert missing.exit_code != 0 and "HA-10" in missing.stderr


def test_repair_fixes_a_bow_tie_and_says_what_it_changed(cli: Cli, tmp_path: Path) -> None:
    path = write_geojson(tmp_path / "bowtie.geojson", [
        GOOD_HAZARD, feature(bow_tie(36.38, 50.10), code="HA-11", classification="SHA",
                             date="2025-02-11", organisation="NMAC"),
    ])
    assert cli("import", "hazards", str(path)).exit_code != 0
    result = cli("import", "hazards", "--repair", str(path))
    assert result.exit_code == 0, result.output
    assert "imported 2 hazard areas" in result.stdout
    notes = [line for line in result.output.splitlines() if "feature 2" in line]
    assert len(notes) == 1, result.output
    assert "HA-11" in notes[0] and "repaired" in notes[0]
    assert "self-intersection" in notes[0] and "2 polygon" in notes[0]
    assert "feature 1" not in result.output
    rows = rows_of(cli, hazard_areas)
    assert set(rows) == {"HA-10", "HA-11"}
    repaired = rows["HA-11"]["geom"]
    assert shapely.is_valid(repaired) and repaired.geom_type == "MultiPolygon"
    assert len(repaired.geoms) == 2
    # two triangles, each a quarter of the square
    assert rows["HA-11"]["area_m2"] == pytest.approx(0.5 * rows["HA-10"]["area_m2"], rel=1e-3)
    assert cli.json("stats")["hazard_areas"]["count"] == 2


def test_blank_date_in_one_feature_is_stored_as_no_date(cli: Cli, tmp_path: Path) -> None:
    """A date is optional: a feature without one beside a feature with one still imports."""
    path = write_geojson(tmp_path / "dates.geojson", [
        GOOD_HAZARD, feature(square(36.38, 50.10), code="HA-11", classification="SHA"),
    ])
    result = cli("import", "hazards", str(path))
    assert "Traceback" not in result.output
    assert result.exit_code == 0, (result.output, result.exception)
    rows = rows_of(cli, hazard_areas)
    assert str(rows["HA-10"]["info_date"]) == "2025-02-10"
    assert rows["HA-11"]["info_date"] is None


# --- bad releases -------------------------------------------------------------------------------

WEST = box(36.30, 36.3005)
"""The west half of HA-1, released in an earlier import as RL-W."""
GOOD_RELEASE = release(box(36.32, 36.3204, 50.10, 50.1004), hazard="HA-2", code="RL-OK",
                       method="reduced")
"""A release inside HA-2, first in every bad file."""

RELEASE_CASES: dict[str, tuple[dict[str, Any], tuple[str, ...]]] = {
    "unknown-hazard": (release(box(36.30, 36.3005), hazard="HA-404", code="RL-BAD"),
                       ("unknown hazard", "HA-404")),
    "wholly-outside": (release(box(36.40, 36.401, 50.20, 50.201), hazard="HA-3", code="RL-BAD"),
                       ("wholly outside", "HA-3")),
    "overlaps-previous-import-in-part": (
        release(box(36.3003, 36.3008), hazard="HA-1", code="RL-BAD"),
        ("overlaps", "RL-W", "HA-1")),
    "overlaps-previous-import-wholly": (
        release(WEST, hazard="HA-1", code="RL-BAD", method="reduced"),
        ("overlaps", "RL-W", "HA-1")),
    "overlaps-same-file-in-part": (
        release(box(36.3202, 36.3206, 50.10, 50.1004), hazard="HA-2", code="RL-BAD"),
        ("overlaps", "RL-OK", "HA-2")),
    "overlaps-same-file-wholly": (
        release(GOOD_RELEASE["geometry"]["coordinates"], hazard="HA-2", code="RL-BAD"),
        ("overlaps", "RL-OK", "HA-2")),
}


@pytest.fixture
def worked_registry(cli: Cli, hazards_file: Path, tmp_path: Path) -> Cli:
    """The three fixture hazards, HA-1's west half already released as RL-W."""
    assert cli("import", "hazards", str(hazards_file)).exit_code == 0
    first = write_geojson(tmp_path / "first.geojson", [
        release(WEST, hazard="HA-1", code="RL-W", method="cancelled", date="2025-03-01"),
    ])
    result = cli("import", "releases", str(first))
    assert result.exit_code == 0, result.output
    return cli


@pytest.mark.parametrize("case", list(RELEASE_CASES))
def test_bad_release_is_refused_and_nothing_written(
    worked_registry: Cli, tmp_path: Path, case: str
) -> None:
    cli = worked_registry
    before = snapshot(cli)
    bad, words = RELEASE_CASES[case]
    path = write_geojson(tmp_path / f"{case}.geojson", [GOOD_RELEASE, bad])
    result = cli("import", "releases", str(path))
    assert_refused(result, 2, "RL-BAD", words)
    assert snapshot(cli) == before
    assert set(rows_of(cli, releases)) == {"RL-W"}


def test_release_partly_outside_is_clipped_and_reported(cli: Cli, hazards_file: Path,
                                                        tmp_path: Path) -> None:
    assert cli("import", "hazards", str(hazards_file)).exit_code == 0
    initial = cli.json("stats")["area_m2"]["initial"]
    # the east half of HA-1 and as much again beyond its east edge
    path = write_geojson(tmp_path / "partly.geojson", [
        release(box(36.3005, 36.3015), hazard="HA-1", code="RL-E"),
    ])
    result = cli("import", "releases", str(path))
    assert result.exit_code == 0, result.output
    assert "imported 1 releases" in result.stdout
    notes = [line for line in result.output.splitlines() if "clipped" in line]
    assert len(notes) == 1, result.output
    assert "feature 1" in notes[0] and "HA-1" in notes[0]
    outside = float(re.search(r"([\d,]+\.\d) m2 outside", notes[0]).group(1).replace(",", ""))
    assert outside == pytest.approx(0.5 * SQUARE_M2, rel=0.01)
    row = rows_of(cli, releases)["RL-E"]
    assert row["clipped_m2"] == pytest.approx(outside, abs=0.1)
    assert row["area_m2"] == pytest.approx(0.5 * SQUARE_M2, rel=0.01)
    ha1 = rows_of(cli, hazard_areas)["HA-1"]
    assert shapely.covers(shapely.buffer(ha1["geom"], 1e-9), row["geom"])
    area = cli.json("stats")["area_m2"]
    assert area["cleared"] == pytest.approx(row["area_m2"], rel=1e-6)
    assert area["initial"] == pytest.approx(initial)
    assert area["remaining"] == pytest.approx(initial - area["cleared"], rel=1e-6)


# --- whole-file refusals and errors -------------------------------------------------------------


def test_file_mixing_imported_and_new_hazards_is_refused(
    cli: Cli, hazards_file: Path, tmp_path: Path
) -> None:
    assert cli("import", "hazards", str(hazards_file)).exit_code == 0
    before = snapshot(cli)
    again = json.loads(hazards_file.read_text())["features"][:1]
    path = write_geojson(tmp_path / "mix.geojson",
                         [*again, feature(square(36.38, 50.10), code="HA-9", classification="SHA")])
    result = cli("import", "hazards", str(path))
    line = assert_refused(result, 1, "HA-1", ("already in the store",))
    assert "nothing was imported" in line
    assert snapshot(cli) == before
    assert cli("history", "HA-9").exit_code != 0


def test_missing_input_file_is_a_clear_error(cli: Cli, tmp_path: Path) -> None:
    assert cli("init").exit_code == 0
    before = snapshot(cli)
    missing = tmp_path / "no-such-hazards.geojson"
    for kind in ("hazards", "releases"):
        result = cli("import", kind, str(missing))
        assert_clean_failure(result)
        assert "no-such-hazards.geojson" in result.stderr
        assert "no such file" in result.stderr
    assert snapshot(cli) == before


def test_unknown_export_layer_is_a_clear_error(cli: Cli, hazards_file: Path,
                                               tmp_path: Path) -> None:
    assert cli("import", "hazards", str(hazards_file)).exit_code == 0
    out = tmp_path / "out.geojson"
    result = cli("export", "minefields", str(out))
    assert_clean_failure(result)
    assert "unknown layer" in result.stderr and "'minefields'" in result.stderr
    assert "hazard_areas" in result.stderr  # names the layers there are
    assert not out.exists()
    assert not list(tmp_path.glob(".demine-*"))


# --- other formats and CRSs ---------------------------------------------------------------------

UTM36N = "EPSG:32636"


def utm_polygon() -> shapely.Polygon:
    """An irregular field of about 6.75 ha near 33.5 E 50.1 N, in UTM zone 36N metres."""
    x0, y0 = Transformer.from_crs("EPSG:4326", UTM36N, always_xy=True).transform(33.5, 50.1)
    return shapely.Polygon([(x0, y0), (x0 + 300, y0), (x0 + 300, y0 + 200),
                            (x0 + 100, y0 + 250), (x0, y0 + 200), (x0, y0)])


@pytest.mark.parametrize("suffix", ["gpkg", "geojson"])
def test_projected_crs_is_reprojected(cli: Cli, tmp_path: Path, suffix: str) -> None:
    utm = utm_polygon()
    frame = gpd.GeoDataFrame({"code": ["HA-U"], "classification": ["SHA"],
                              "date": ["2025-01-05"]}, geometry=[utm], crs=UTM36N)
    projected = tmp_path / f"utm.{suffix}"
    frame.to_file(projected, engine="pyogrio")
    back = Transformer.from_crs(UTM36N, "EPSG:4326", always_xy=True)

    def to_lonlat(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(back.transform(xy[:, 0], xy[:, 1]))

    lonlat = shapely.transform(utm, to_lonlat)
    wgs84 = write_geojson(tmp_path / "wgs84.geojson", [
        feature([[list(c) for c in lonlat.exterior.coords]], code="HA-L", classification="SHA",
                date="2025-01-05"),
    ])
    result = cli("import", "hazards", str(projected))
    assert result.exit_code == 0, result.output
    assert cli("import", "hazards", str(wgs84)).exit_code == 0
    rows = rows_of(cli, hazard_areas)
    minx, miny, maxx, maxy = shapely.bounds(rows["HA-U"]["geom"])
    assert 33.49 < minx < maxx < 33.51 and 50.09 < miny < maxy < 50.11
    assert rows["HA-U"]["area_m2"] == pytest.approx(rows["HA-L"]["area_m2"], rel=1e-3)
    # and it is the field's true size (UTM's scale is within 0.1 % of 1 here)
    assert rows["HA-U"]["area_m2"] == pytest.approx(utm.area, rel=2e-3)


def shapefile_zip(tmp_path: Path) -> Path:
    frame = gpd.GeoDataFrame(
        {"code": ["HA-S1", "HA-S2"], "name": ["Well", "Ridge"],
         "classification": ["CHA", "SHA"], "contamination": ["AP_MINE,AT_MINE", "UXO"],
         "reported_area_m2": [8000.0, 7950.0], "date": ["2025-01-10", "2025-01-11"],
         "organisation": ["NMAC", "OPS-1"]},
        geometry=[shapely.Polygon(square(36.30, 50.10)[0]),
                  shapely.Polygon(square(36.32, 50.10)[0])],
        crs="EPSG:4326",
    )
    folder = tmp_path / "shp"
    folder.mkdir()
    with warnings.catch_warnings():  # DBF field names are cut to 10 characters
        warnings.simplefilter("ignore")
        frame.to_file(folder / "hazards.shp", engine="pyogrio")
    archive = tmp_path / "hazards.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in sorted(folder.iterdir()):
            z.write(part, part.name)
    return archive


def test_zipped_shapefile_imports(cli: Cli, tmp_path: Path) -> None:
    archive = shapefile_zip(tmp_path)
    result = cli("import", "hazards", str(archive))
    assert result.exit_code == 0, result.output
    assert "imported 2 hazard areas" in result.stdout
    rows = rows_of(cli, hazard_areas)
    assert set(rows) == {"HA-S1", "HA-S2"}
    s1 = rows["HA-S1"]
    assert shapely.equals(s1["geom"], shapely.Polygon(square(36.30, 50.10)[0]))
    assert s1["area_m2"] == pytest.approx(SQUARE_M2, rel=0.01)
    assert s1["name"] == "Well" and s1["organisation"] == "NMAC"
    assert s1["contamination"] == "AP_MINE,AT_MINE"  # read from the cut name `contaminat`
    assert s1["reported_area_m2"] == 8000.0  # read from `reported_a`
    assert str(s1["info_date"]) == "2025-01-10"


def test_zipped_shapefile_keeps_classification(cli: Cli, tmp_path: Path) -> None:
    """`classification` is cut to `classifica` in a DBF; it must not fall back to SHA."""
    archive = shapefile_zip(tmp_path)
    assert cli("import", "hazards", str(archive)).exit_code == 0
    rows = rows_of(cli, hazard_areas)
    assert rows["HA-S1"]["classification"] == "CHA"
    assert rows["HA-S2"]["classification"] == "SHA"


def test_csv_with_wkt_column_imports(cli: Cli, tmp_path: Path) -> None:
    first = shapely.Polygon(square(36.30, 50.10)[0])
    second = shapely.Polygon(square(36.32, 50.10, 0.002)[0])
    path = tmp_path / "hazards.csv"
    path.write_text(
        "code,classification,contamination,date,organisation,wkt\n"
        f'HA-C1,CHA,"AP_MINE;UXO",2025-01-02,NMAC,"{first.wkt}"\n'
        f'HA-C2,SHA,PROJECTILE,2025-01-03,OPS-1,"{second.wkt}"\n'
    )
    result = cli("import", "hazards", str(path))
    assert result.exit_code == 0, result.output
    assert "imported 2 hazard areas" in result.stdout
    rows = rows_of(cli, hazard_areas)
    assert set(rows) == {"HA-C1", "HA-C2"}
    assert shapely.equals(rows["HA-C1"]["geom"], first)
    assert rows["HA-C1"]["classification"] == "CHA"
    assert rows["HA-C1"]["contamination"] == "AP_MINE,UXO"
    assert str(rows["HA-C2"]["info_date"]) == "2025-01-03"
    assert rows["HA-C2"]["area_m2"] == pytest.approx(4 * SQUARE_M2, rel=0.01)
    assert "wkt" not in {k.lower() for k in rows["HA-C1"]}
