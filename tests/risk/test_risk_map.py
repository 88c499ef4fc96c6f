"""`demine risk map`: the grid, its features (a cell never described by what lies inside it),
labels from what the registry knew on the date, the map in the store and the truth score."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pytest
import shapely
from sqlalchemy import func, select

from demine.risk.grid import around_m, build_grid
from demine.risk.registry import build_risk_map
from demine.sim.frame import Frame
from demine.store import open_store
from demine.store.risk import hazard_contributions, hazard_risk
from demine.store.schema import hazard_areas, risk_cells
from tests.conftest import Cli

FRAME = Frame(36.5, 49.9)


def test_grid_covers_the_land_and_locates_points() -> None:
    land = np.array([shapely.box(0, 0, 2000, 1000), shapely.box(5000, 0, 5600, 600)])
    grid = build_grid(FRAME, land, 250.0)
    assert len(grid) == 8 * 4 + 2 * 2  # cells whose centre is on the land
    cells = grid.locate(np.array([10.0, 1990.0, 3000.0, 5100.0]), np.array([10.0, 990.0, 10.0,
                                                                            100.0]))
    assert cells[2] == -1 and (cells[[0, 1, 3]] >= 0).all()
    assert grid.x[cells[0]] == 125.0 and grid.y[cells[1]] == 875.0
    with pytest.raises(ValueError, match="--cell-m"):
        build_grid(FRAME, land, 50.0)


def test_a_cell_is_measured_by_its_surroundings_only() -> None:
    grid = build_grid(FRAME, np.array([shapely.box(0, 0, 20_000, 20_000)]), 500.0)
    rng = np.random.default_rng(1)
    x, y = rng.random(400) * 20_000, rng.random(400) * 20_000
    x[:5], y[:5] = 10_100.0, 10_100.0  # five events at one place
    measures = around_m(grid, x, y, (1000.0, 3000.0))
    own = grid.locate(x, y)
    for c in [*rng.choice(len(grid), 60, replace=False).tolist(), int(own[0])]:
        outside = own != c
        d = np.hypot(x[outside] - grid.x[c], y[outside] - grid.y[c])
        assert measures[c, 0] == pytest.approx(d.min())
        assert measures[c, 1] == (d <= 1000).sum() and measures[c, 2] == (d <= 3000).sum()


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('riskmap') / 'small.gpkg'}"
    cli = Cli(url)
    for args in (("demo", "--scenario", "small"), ("simulate", "--days", "90")):
        result = cli(*args)
        assert result.exit_code == 0, result.output
    return url


def test_risk_map_is_written_and_scored_against_the_truth(simulated: str) -> None:
    cli = Cli(simulated)
    result = cli("risk", "map", "--trees", "40")
    assert result.exit_code == 0, result.output
    assert "written to the store" in result.stdout and "by risk" in result.stdout
    report = cli.json("risk", "map", "--trees", "40", "--json")
    assert report["cells"] > 1000 and report["cell_m"] == 250
    assert report["labels"]["released cells (free)"] > 0
    assert report["validation"]["lightgbm"]["roc_auc"] is not None
    truth = report["truth"]
    assert truth["all_cells"]["roc_auc"] > 0.75
    searched = truth["survey"]["km2_searched_for_90pct"]
    assert searched["ideal"] <= searched["by_risk"] < searched["random_median"]
    store = open_store(simulated)
    try:
        with store.read() as conn:
            cells, low, high = conn.execute(select(func.count(), func.min(risk_cells.c.risk),
                                                   func.max(risk_cells.c.risk))).one()
            open_areas = conn.execute(select(func.count()).select_from(hazard_areas)).scalar()
            summary = hazard_risk(conn)
            explained = conn.execute(select(risk_cells.c.contributions).where(
                risk_cells.c.hazard.is_not(None)).limit(1)).scalar_one()
            area = hazard_contributions(conn, next(iter(hazard_risk(conn))))
    finally:
        store.dispose()
    assert cells == report["cells"] and 0 <= low < high <= 1  # replaced, not added to
    assert len(summary) == open_areas
    mean, peak, count, as_of = next(iter(summary.values()))
    assert 0 <= mean <= peak <= 1 and count >= 1 and as_of.isoformat() == report["as_of"]
    assert len(json.loads(explained)) == 5
    assert area is not None and len(json.loads(area)) == 5


def test_features_use_only_what_was_known_on_the_date(simulated: str) -> None:
    store = open_store(simulated)
    try:
        with store.read() as conn:
            before = build_risk_map(conn, date(2025, 3, 1), 500.0)
            later = build_risk_map(conn, date(2025, 5, 30), 500.0)
    finally:
        store.dispose()
    # the finds of the simulated months are neither features nor labels on the first day
    assert before.report["labels"]["cells with finds"] == 0
    assert before.report["labels"]["released cells (free)"] == 0
    assert later.report["labels"]["cells with finds"] > 0


def test_nothing_known_yet_is_a_clear_error(simulated: str) -> None:
    result = Cli(simulated)("risk", "map", "--date", "1990-01-01")
    assert result.exit_code != 0 and "knew of no contaminated land on 1990-01-01" in result.output
    result = Cli(simulated)("risk", "map", "--date", "tomorrow")
    assert result.exit_code != 0 and "--date" in result.output
    result = Cli(simulated)("risk", "map", "--cell-m", "20")
    assert result.exit_code != 0 and "--cell-m" in result.output


def test_risk_map_on_either_store(db_url: str) -> None:
    """The map is made from, and written to, the embedded store and PostGIS alike."""
    cli = Cli(db_url)
    assert cli("demo", "--scenario", "small").exit_code == 0
    report = cli.json("risk", "map", "--cell-m", "500", "--trees", "20", "--json")
    store = open_store(db_url)
    try:
        with store.read() as conn:
            cells = conn.execute(select(func.count()).select_from(risk_cells)).scalar()
            summary = hazard_risk(conn)
    finally:
        store.dispose()
    assert cells == report["cells"] > 0 and len(summary) == report["hazard_areas"] > 0
    assert report["truth"]["all_cells"]["roc_auc"] is not None
