"""Planning from the registry: survey before clearance, tasks written (earlier plans
superseded), the schedule executed by the simulator, and the optimise policy."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from demine.plan.check import check_schedule
from demine.plan.priorities import score_hazards
from demine.plan.registry import plan_registry
from demine.store import open_store
from demine.store.schema import tasks
from tests.conftest import Cli


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('plan') / 'region.gpkg'}"
    cli = Cli(url)
    assert cli("demo", "--scenario", "small", "--seed", "4").exit_code == 0
    assert cli("simulate", "--days", "20").exit_code == 0
    return url


def test_survey_comes_before_clearance(region: str) -> None:
    store = open_store(region)
    with store.read() as conn:
        weights = {s.code: s.weight_for_planning for s in score_hazards(conn)}
        result = plan_registry(conn, date(2025, 6, 1), weights, time_limit=2)
    store.dispose()
    assert result.survey is not None and result.surveyed_in_plan
    verdict = check_schedule(result.clearance_instance, result.clearance.rows)
    assert verdict.feasible, verdict.problems[:3]
    surveyed_at: dict[str, float] = {}
    for row in result.survey.rows:
        surveyed_at[row.hazard] = max(surveyed_at.get(row.hazard, 0.0), row.end_day)
    assert set(surveyed_at) == result.surveyed_in_plan
    for row in result.clearance.rows:
        if row.hazard in surveyed_at:
            assert row.start_day >= surveyed_at[row.hazard] - 1e-6
    assert 0 < result.left_after_survey <= 1


def test_plan_writes_tasks_and_the_simulator_follows_them(region: str, tmp_path: Path) -> None:
    cli = Cli(region)
    out = tmp_path / "plan.csv"
    first = cli("plan", "--out", str(out), "--time-limit", "2", "--horizon-days", "200")
    assert first.exit_code == 0, first.output
    rows = list(csv.DictReader(out.open()))
    assert rows and all(float(r["start_day"]) < 200 for r in rows)
    store = open_store(region)
    with store.engine.connect() as conn:
        planned = conn.execute(select(tasks.c.code, tasks.c.activity_type).where(
            tasks.c.status == "planned")).all()
    assert {kind for _, kind in planned} <= {"NTS", "CLEARANCE"} and planned
    again = cli("plan", "--time-limit", "1", "--json")
    assert again.exit_code == 0, again.output
    with store.engine.connect() as conn:
        statuses = dict(conn.execute(select(tasks.c.code, tasks.c.status).where(
            tasks.c.code.in_([c for c, _ in planned]))).all())
    store.dispose()
    assert set(statuses.values()) == {"cancelled"}
    followed = cli("simulate", "--days", "15", "--policy", str(out))
    assert followed.exit_code == 0, followed.output
    optimised = cli("simulate", "--days", "15", "--policy", "optimise")
    assert optimised.exit_code == 0, optimised.output
    assert "(optimise)" in optimised.stdout


def test_forecast_dates_and_what_ifs(region: str) -> None:
    import json

    cli = Cli(region)
    result = cli("forecast", "--draws", "60", "--time-limit", "1", "--add-teams", "4",
                 "--compare-winter", "--json")
    assert result.exit_code == 0, result.output
    forecast = json.loads(result.stdout)
    assert forecast["draws"] == 60 and forecast["winter_stop"] is True
    for dates in [forecast["region"], *forecast["units"].values(), *forecast["areas"].values()]:
        assert dates["p10"] <= dates["p50"] <= dates["p90"]
    # the region is done when its last unit is: each quantile of the region's date is at least
    # the same quantile of every unit's (the quantile of a maximum bounds the maximum of them)
    for q in ("p10", "p50", "p90"):
        assert max(d[q] for d in forecast["units"].values()) <= forecast["region"][q]
    assert set(forecast["what_if"]) == {"4 more manual teams", "no winter stop"}
    assert forecast["what_if"]["no winter stop"]["region"]["p50"] <= forecast["region"]["p50"]
    assert all(not month.startswith(("12", "01", "02")) for month in
               (d[5:7] for d in forecast["region"].values()))


def test_forecast_on_a_distributed_scheduler(region: str) -> None:
    import json

    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                      dashboard_address=None) as cluster:
        result = Cli(region)("forecast", "--draws", "30", "--time-limit", "1",
                             "--scheduler", cluster.scheduler_address, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["draws"] == 30


def test_the_plan_stands_down_in_winter(region: str, tmp_path: Path) -> None:
    out = tmp_path / "winter.csv"
    cli = Cli(region)
    result = cli("plan", "--start", "2025-10-01", "--time-limit", "1", "--out", str(out))
    assert result.exit_code == 0, result.output
    store = open_store(region)
    with store.engine.connect() as conn:
        starts = list(conn.execute(select(tasks.c.planned_start).where(
            tasks.c.status == "planned")).scalars())
    store.dispose()
    assert starts and not [d for d in starts if d.month in (12, 1, 2)]
    summer = cli("plan", "--start", "2025-10-01", "--time-limit", "1", "--no-winter-stop",
                 "--json")
    assert summer.exit_code == 0, summer.output
