"""The contamination risk map in the store: written whole, read back, replaced, audited."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest
import shapely
from alembic import command
from sqlalchemy import func, inspect, select, text

from demine.io.layers import read_layer
from demine.model.problems import InputError
from demine.sim.world import clear
from demine.store import Store
from demine.store.audit import entries_for, verify_chain
from demine.store.migrate import alembic_config, current_revision, head_revision
from demine.store.risk import hazard_risk, replace_hazard_risk
from demine.store.schema import risk_cells
from tests.conftest import feature, square, write_geojson
from tests.riskgrid import AS_OF, grid


def stored_cells(store: Store) -> dict[str, dict]:
    with store.read() as conn:
        return {r["cell"]: dict(r) for r in conn.execute(select(risk_cells)).mappings()}


def test_a_grid_is_written_read_back_and_replaced(store: Store) -> None:
    first = grid(36.30, 50.10, 3, 2, hazard="HA-1")
    with store.write() as conn:
        assert first.write(conn) == 6
    cells = stored_cells(store)
    assert sorted(cells) == sorted(first.cells)
    for k, name in enumerate(first.cells):
        row = cells[name]
        assert row["risk"] == pytest.approx(first.risk[k])
        assert row["as_of"] == AS_OF and row["hazard"] == "HA-1"
        assert row["created_by"] == "tester"
        assert shapely.equals(row["geom"], first.geoms[k])
        assert row["contributions"] == first.contributions[k]
    assert json.loads(cells["250m:E002N001"]["contributions"])["distance_to_front_line"] == 1.0

    later = date(2025, 9, 1)
    second = grid(36.40, 50.20, 2, 1)
    with store.write() as conn:
        assert second.write(conn, later, "cli:planner") == 2
    cells = stored_cells(store)
    assert sorted(cells) == sorted(second.cells)
    assert {r["as_of"] for r in cells.values()} == {later}
    assert {r["hazard"] for r in cells.values()} == {None}
    with store.read() as conn:
        made = entries_for(conn, "risk_cells", later.isoformat())
        assert [(e["action"], e["actor"]) for e in made] == [("replace", "cli:planner")]
        assert made[0]["before"] == {"count": 6}
        assert made[0]["after"] == {"as_of": "2025-09-01", "count": 2}
        assert verify_chain(conn) is None


def test_the_spatial_index_holds_only_the_new_grid(store: Store) -> None:
    with store.write() as conn:
        grid(36.30, 50.10, 4, 4).write(conn)
    with store.write() as conn:
        grid(36.50, 50.30, 2, 2).write(conn)
    with store.read() as conn:
        if store.dialect == "sqlite":
            assert conn.execute(text("SELECT rtreecheck('rtree_risk_cells_geom')")).scalar() == "ok"
            assert conn.execute(text("SELECT count(*) FROM rtree_risk_cells_geom")).scalar() == 4
        near_old = shapely.box(36.29, 50.09, 36.32, 50.12)
        assert not [g for g in conn.execute(select(risk_cells.c.geom)).scalars()
                    if g.intersects(near_old)]


def test_an_empty_grid_clears_the_map(store: Store) -> None:
    with store.write() as conn:
        grid(36.30, 50.10, 2, 2).write(conn)
        empty = grid(0, 0, 0, 0)
        assert empty.write(conn) == 0
    assert stored_cells(store) == {}


@pytest.mark.parametrize("spoil, message", [
    (lambda g: g.cells.pop(), "differ in length"),
    (lambda g: g.risk.__setitem__(0, 1.5), "between 0 and 1"),
    (lambda g: g.risk.__setitem__(1, np.nan), "between 0 and 1"),
    (lambda g: g.geoms.__setitem__(2, shapely.Point(36.3, 50.1)), "polygons"),
])
def test_a_bad_grid_is_refused_and_the_old_one_kept(store: Store, spoil: object,
                                                     message: str) -> None:
    with store.write() as conn:
        grid(36.30, 50.10, 2, 2).write(conn)
    bad = grid(36.40, 50.10, 2, 2)
    spoil(bad)  # type: ignore[operator]
    with pytest.raises(ValueError, match=message), store.write() as conn:
        bad.write(conn)
    assert len(stored_cells(store)) == 4


def test_hazard_risk_is_empty_until_a_map_is_made_then_replaced(store: Store) -> None:
    with store.read() as conn:
        assert hazard_risk(conn) == {}
    with store.write() as conn:
        replace_hazard_risk(conn, [("HA-1", 0.12, 0.5, 7), ("HA-2", 0.01, 0.02, 3)], AS_OF)
    with store.read() as conn:
        assert hazard_risk(conn) == {"HA-1": (0.12, 0.5, 7, AS_OF),
                                     "HA-2": (0.01, 0.02, 3, AS_OF)}
    with store.write() as conn:
        replace_hazard_risk(conn, [("HA-2", 0.3, 0.9, 4)], date(2025, 9, 1))
    with store.read() as conn:
        assert hazard_risk(conn) == {"HA-2": (0.3, 0.9, 4, date(2025, 9, 1))}
    with store.write() as conn:
        replace_hazard_risk(conn, [], AS_OF)
    with store.read() as conn:
        assert hazard_risk(conn) == {}


def test_clearing_the_registry_clears_the_map(store: Store) -> None:
    with store.write() as conn:
        grid(36.30, 50.10, 2, 2).write(conn)
        replace_hazard_risk(conn, [("HA-1", 0.12, 0.5, 7)], AS_OF)
    with store.write() as conn:
        clear(conn)
    with store.read() as conn:
        assert conn.execute(select(func.count()).select_from(risk_cells)).scalar_one() == 0
        assert hazard_risk(conn) == {}


def test_a_registry_of_revision_0003_is_upgraded_with_the_risk_tables(store: Store) -> None:
    with store.write() as conn:
        for name in ("risk_cells", "hazard_risk"):
            conn.execute(text(f'DROP TABLE "{name}"'))
        if store.dialect == "sqlite":
            conn.execute(text('DROP TABLE "rtree_risk_cells_geom"'))
            for table in ("gpkg_extensions", "gpkg_geometry_columns", "gpkg_contents"):
                conn.execute(text(f"DELETE FROM {table} WHERE table_name = 'risk_cells'"))
        command.stamp(alembic_config(conn), "0003")
    assert store.init() is False
    with store.read() as conn:
        assert current_revision(conn) == head_revision() == "0004"
        assert {"risk_cells", "hazard_risk"} <= set(inspect(conn).get_table_names())
        if store.dialect == "sqlite":
            kind = conn.execute(text("SELECT geometry_type_name FROM gpkg_geometry_columns "
                                     "WHERE table_name = 'risk_cells'")).scalar()
            assert kind == "POLYGON"
    with store.write() as conn:
        assert grid(36.30, 50.10, 2, 2).write(conn) == 4


def test_risk_cells_cannot_be_imported(tmp_path: Path) -> None:
    path = write_geojson(tmp_path / "cells.geojson", [
        feature(square(36.3, 50.1), cell="250m:E1N1", risk=0.5, as_of="2025-06-01")])
    with pytest.raises(InputError) as refused:
        read_layer(path, "risk_cells")
    message = str(refused.value.problems[0].reason)
    assert "unknown layer 'risk_cells'" in message
    assert "risk_cells" not in message.split("expected one of", 1)[1]
