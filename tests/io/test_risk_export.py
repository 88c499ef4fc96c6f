"""The risk map leaves with the rest of the registry: in a field package, styled for QGIS, and
as a layer of its own."""

from __future__ import annotations

import json
import sqlite3
import xml.etree.ElementTree as ET
from itertools import pairwise
from pathlib import Path

import pyogrio
import pytest

from demine.store import Store
from tests.conftest import Cli
from tests.riskgrid import grid


@pytest.fixture
def mapped(store: Store) -> Cli:
    """A registry holding a risk map of 3 by 2 cells."""
    with store.write() as conn:
        grid(36.30, 50.10, 3, 2, hazard="HA-1").write(conn)
    return Cli(store.url)


def test_a_field_package_holds_the_risk_map_styled_by_risk(mapped: Cli, tmp_path: Path) -> None:
    out = tmp_path / "field.gpkg"
    result = mapped("export", "--all", str(out))
    assert result.exit_code == 0, result.output
    assert dict(pyogrio.list_layers(out))["risk_cells"] == "Polygon"
    cells = pyogrio.read_dataframe(out, layer="risk_cells")
    assert len(cells) == 6 and cells.crs.to_epsg() == 4326
    assert {"cell", "risk", "as_of", "hazard", "contributions"} <= set(cells.columns)
    corner = cells.set_index("cell").loc["250m:E002N001"]
    assert corner["risk"] == 1.0 and corner["hazard"] == "HA-1"
    assert json.loads(corner["contributions"])["accidents_nearby"] == 0.4
    with sqlite3.connect(out) as db:
        style = db.execute("SELECT styleQML FROM layer_styles WHERE f_table_name = 'risk_cells' "
                           "AND useAsDefault").fetchone()[0]
    renderer = ET.fromstring(style.split("'SYSTEM'>", 1)[1]).find("renderer-v2")
    assert renderer is not None and renderer.get("type") == "graduatedSymbol"
    assert renderer.get("attr") == "risk"
    bounds = [(float(r.get("lower", "")), float(r.get("upper", "")))
              for r in renderer.iter("range")]
    assert bounds[0][0] == 0.0 and bounds[-1][1] == 1.0
    assert all(a[1] == b[0] for a, b in pairwise(bounds))


def test_the_risk_map_exports_on_its_own(mapped: Cli, tmp_path: Path) -> None:
    out = tmp_path / "risk.geojson"
    result = mapped("export", "risk_cells", str(out))
    assert result.exit_code == 0, result.output
    assert "exported 6 risk_cells" in result.output
    features = json.loads(out.read_text())["features"]
    assert sorted(f["properties"]["risk"] for f in features)[-1] == 1.0
