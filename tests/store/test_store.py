"""Opening, creating and upgrading the two stores."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, text

from demine.store import Store, StoreError, open_store
from demine.store.base import GeoPackageStore, PostGISStore, normalise_url
from demine.store.migrate import alembic_config, current_revision, head_revision
from demine.store.schema import CONTEXT_LAYERS, LAYERS
from tests.postgis import new_database


def test_schema_is_at_the_head_revision(store: Store) -> None:
    with store.read() as conn:
        assert current_revision(conn) == head_revision() is not None
        tables = set(inspect(conn).get_table_names())
    assert set(LAYERS) <= tables
    assert store.init() is False  # already there: nothing to create


def test_postgis_store_has_spatial_indexes(postgis_admin: str) -> None:
    store = open_store(new_database(postgis_admin, "spatial_indexes"))
    assert isinstance(store, PostGISStore) and store.init() is True
    with store.read() as conn:
        assert conn.execute(text("SELECT postgis_version()")).scalar()
        indexes = set(conn.execute(text(
            "SELECT indexname FROM pg_indexes WHERE indexdef ILIKE '%USING gist%'")).scalars())
        kinds = conn.execute(text(
            "SELECT type FROM geometry_columns WHERE f_table_name = 'hazard_areas'")).scalar()
    assert "ix_hazard_areas_geom" in indexes and "ix_releases_geom" in indexes
    assert kinds == "MULTIPOLYGON"
    store.dispose()


def test_urls_choose_the_backend(tmp_path: Path) -> None:
    assert isinstance(open_store(str(tmp_path / "x.gpkg")), GeoPackageStore)
    assert isinstance(open_store(f"sqlite:///{tmp_path / 'y.gpkg'}"), GeoPackageStore)
    assert isinstance(open_store("postgresql://u@127.0.0.1:1/db"), PostGISStore)
    assert normalise_url("postgres://u@h/db") == "postgresql://u@h/db"
    assert normalise_url(None).endswith("demine.gpkg")
    with pytest.raises(StoreError, match="unsupported database URL"):
        open_store("mysql://u@h/db")


def test_missing_file_is_not_created_by_reading(tmp_path: Path) -> None:
    path = tmp_path / "absent.gpkg"
    store = open_store(str(path))
    with pytest.raises(StoreError, match="demine init"):
        store.require()
    assert not path.exists()


def test_registry_of_the_first_revision_is_upgraded_with_context_layers(store: Store) -> None:
    with store.write() as conn:
        for name in CONTEXT_LAYERS:
            conn.execute(text(f'DROP TABLE "{name}"'))
        command.stamp(alembic_config(conn), "0001")
    assert store.init() is False
    with store.read() as conn:
        assert current_revision(conn) == head_revision()
        assert set(CONTEXT_LAYERS) <= set(inspect(conn).get_table_names())
