"""Shared fixtures: a `store` on each backend, CLI runner helpers, small real data files."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from demine.cli import app
from demine.store import Store, open_store
from tests.postgis import new_database, postgis_cluster

BACKENDS = ["sqlite", "postgis"]
_counter = itertools.count()


@pytest.fixture(scope="session")
def postgis_admin() -> Iterator[str]:
    with postgis_cluster() as url:
        yield url


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database URL on each backend (nothing created yet on SQLite)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'registry.gpkg'}"
    admin = request.getfixturevalue("postgis_admin")
    return new_database(admin, f"t{next(_counter)}")


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """An initialised, empty registry on each backend."""
    s = open_store(db_url)
    s.init()
    yield s
    s.dispose()


@pytest.fixture
def gpkg_url(tmp_path: Path) -> str:
    """An embedded-store URL only (for GeoPackage-specific tests)."""
    return f"sqlite:///{tmp_path / 'registry.gpkg'}"


class Cli:
    """Runs the demine CLI against one database, as a user would type it."""

    def __init__(self, db: str):
        self.db = db
        self.runner = CliRunner()

    def __call__(self, *args: str) -> Any:
        return self.runner.invoke(app, ["--db", self.db, *args])

    def json(self, *args: str) -> Any:
        result = self(*args, "--json")
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)


@pytest.fixture
def cli(db_url: str) -> Cli:
    return Cli(db_url)


def square(lon: float, lat: float, side_deg: float = 0.001) -> list[list[list[float]]]:
    """A closed counter-clockwise square ring as GeoJSON coordinates."""
    return [[[lon, lat], [lon + side_deg, lat], [lon + side_deg, lat + side_deg],
             [lon, lat + side_deg], [lon, lat]]]


def feature(coords: Any, gtype: str = "Polygon", **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": props,
            "geometry": None if coords is None else {"type": gtype, "coordinates": coords}}


def write_geojson(path: Path, features: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


@pytest.fixture
def hazards_file(tmp_path: Path) -> Path:
    """Three hazard areas near the demonstration border, one per classification and more."""
    return write_geojson(tmp_path / "hazards.geojson", [
        feature(square(36.30, 50.10), code="HA-1", name="North field", classification="CHA",
                contamination="AP_MINE,AT_MINE", reported_area_m2=8000, date="2025-01-10",
                organisation="NMAC"),
        feature(square(36.32, 50.10), code="HA-2", name="Orchard", classification="SHA",
                contamination="UXO", reported_area_m2=7900, date="2025-01-12",
                organisation="NMAC"),
        feature(square(36.34, 50.10, 0.002), code="HA-3", classification="SHA",
                contamination="PROJECTILE", date="2025-02-01", organisation="OPS-1"),
    ])


@pytest.fixture
def releases_file(tmp_path: Path) -> Path:
    """HA-1 cancelled in its west half and cleared in its east half; HA-2 reduced in part."""
    west = [[[36.30, 50.10], [36.3005, 50.10], [36.3005, 50.101], [36.30, 50.101], [36.30, 50.10]]]
    east = [[[36.3005, 50.10], [36.301, 50.10], [36.301, 50.101], [36.3005, 50.101],
             [36.3005, 50.10]]]
    part = [[[36.32, 50.10], [36.3204, 50.10], [36.3204, 50.1004], [36.32, 50.1004],
             [36.32, 50.10]]]
    return write_geojson(tmp_path / "releases.geojson", [
        feature(west, hazard="HA-1", method="cancelled", date="2025-03-01", organisation="OPS-1"),
        feature(east, hazard="HA-1", method="cleared", date="2025-05-20", organisation="OPS-1",
                depth_cm=20),
        feature(part, hazard="HA-2", method="reduced", date="2025-04-02", organisation="OPS-2"),
    ])
