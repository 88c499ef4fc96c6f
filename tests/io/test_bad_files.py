"""Files that could harm the machine or mislead the reader: each refused, naming file and reason,
with nothing written."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from tests.conftest import Cli, feature, square, write_geojson

ENTITY_KML = """<?xml version="1.0"?>
<!DOCTYPE kml [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>&lol2;</name>
<Point><coordinates>36.3,50.1</coordinates></Point></Placemark></Document></kml>
"""


def refused(tmp_path: Path, layer: str, path: Path, reason: str, row: bool = False) -> None:
    """Refused with the reason, naming the file (and, for a row's problem, the feature)."""
    db = tmp_path / "never.gpkg"
    result = Cli(str(db))("import", layer, str(path))
    assert result.exit_code != 0, result.output
    assert str(path) in result.stderr and reason in result.stderr, result.stderr
    assert ("error: feature " in result.stderr) == row, result.stderr
    assert "Traceback" not in result.stderr
    assert not db.exists()


def test_path_traversal_in_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "evil.shp.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("../../evil.shp", b"x")
    refused(tmp_path, "hazards", path, "path traversal")


def test_zip_bomb(tmp_path: Path) -> None:
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("hazards.shp", b"\0" * (20 * 1024**2))
    refused(tmp_path, "hazards", path, "zip bomb")


def test_truncated_zip(tmp_path: Path) -> None:
    good = io.BytesIO()
    with zipfile.ZipFile(good, "w") as z:
        z.writestr("hazards.shp", b"x" * 1000)
    path = tmp_path / "cut.zip"
    path.write_bytes(good.getvalue()[:200])
    refused(tmp_path, "hazards", path, "truncated or corrupt")


@pytest.mark.parametrize("suffix", [".kml", ".kmz"])
def test_kml_entities(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"finds{suffix}"
    if suffix == ".kml":
        path.write_text(ENTITY_KML)
    else:
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("doc.kml", ENTITY_KML)
    refused(tmp_path, "finds", path, "entity")


def test_csv_in_a_legacy_code_page(tmp_path: Path) -> None:
    path = tmp_path / "finds.csv"
    path.write_bytes("code,category,lon,lat\nF-1,AP_MINE,36.3,50.1\nF-2,UXO,36.4,50.2 Caf\xe9\n"
                     .encode("cp1252"))
    refused(tmp_path, "finds", path, "not UTF-8 text (byte 0xe9 on line 3")


def test_swapped_longitude_and_latitude(tmp_path: Path) -> None:
    path = tmp_path / "finds.csv"
    path.write_text("code,category,lon,lat\nF-1,AP_MINE,10.5,120.2\n")
    refused(tmp_path, "finds", path, "look swapped", row=True)


def test_out_of_range_coordinates(tmp_path: Path) -> None:
    path = tmp_path / "hazards.geojson"
    write_geojson(path, [feature(square(200.0, 50.0), code="HA-1")])
    refused(tmp_path, "hazards", path, "out of range", row=True)


def test_truncated_geopackage(tmp_path: Path) -> None:
    source = tmp_path / "h.geojson"
    write_geojson(source, [feature(square(36.3, 50.1), code="HA-1", classification="SHA")])
    full = tmp_path / "full.gpkg"
    assert Cli(str(tmp_path / "s.gpkg"))("import", "hazards", str(source)).exit_code == 0
    assert Cli(str(tmp_path / "s.gpkg"))("export", "hazards", str(full)).exit_code == 0
    cut = tmp_path / "cut.gpkg"
    cut.write_bytes(full.read_bytes()[:3000])
    refused(tmp_path, "hazards", cut, "cannot be read")


def test_mixed_geometry_types(tmp_path: Path) -> None:
    path = tmp_path / "hazards.geojson"
    write_geojson(path, [feature(square(36.3, 50.1), code="HA-1"),
                         feature([36.4, 50.1], "Point", code="HA-2")])
    refused(tmp_path, "hazards", path, f"feature 2 (HA-2) of {path}: geometry is a Point",
            row=True)
