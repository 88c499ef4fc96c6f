"""The packed R-tree is a valid SQLite R*Tree that finds what a full scan finds."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import create_engine

from demine.store.rtree_pack import pack


@pytest.mark.parametrize("count", [1, 50, 51, 52, 2_700, 20_000])
def test_packed_tree_is_valid_and_complete(count: int) -> None:
    engine = create_engine("sqlite://")
    rng = np.random.default_rng(count)
    x, y = rng.uniform(36.0, 37.4, count), rng.uniform(49.8, 50.4, count)
    bounds = np.column_stack([x, y, x + rng.uniform(0, 0.01, count),
                              y + rng.uniform(0, 0.01, count)])
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE VIRTUAL TABLE r USING rtree(id, minx, maxx, miny, maxy)")
        pack(conn, "r", np.arange(1, count + 1), bounds)
        assert conn.exec_driver_sql("SELECT rtreecheck('r')").scalar() == "ok"
        assert conn.exec_driver_sql("SELECT count(*) FROM r").scalar() == count
        for qx, qy in rng.uniform([36.0, 49.8], [37.4, 50.4], (20, 2)):
            found = set(conn.exec_driver_sql(
                "SELECT id FROM r WHERE minx <= ? AND maxx >= ? AND miny <= ? AND maxy >= ?",
                (qx + 0.05, qx, qy + 0.05, qy)).scalars())
            truth = set((np.flatnonzero(
                (bounds[:, 0] <= qx + 0.05) & (bounds[:, 2] >= qx)
                & (bounds[:, 1] <= qy + 0.05) & (bounds[:, 3] >= qy)) + 1).tolist())
            assert truth <= found
            # float32 bounds are rounded outwards: extras lie within a float32 step of the query
            near = set((np.flatnonzero(
                (bounds[:, 0] <= qx + 0.05 + 1e-5) & (bounds[:, 2] >= qx - 1e-5)
                & (bounds[:, 1] <= qy + 0.05 + 1e-5) & (bounds[:, 3] >= qy - 1e-5)) + 1).tolist())
            assert found <= near
        # the module keeps working on the packed tree
        conn.exec_driver_sql("INSERT INTO r VALUES (999999, 36.5, 36.6, 50.0, 50.1)")
        conn.exec_driver_sql("DELETE FROM r WHERE id = 1")
        assert conn.exec_driver_sql("SELECT rtreecheck('r')").scalar() == "ok"
