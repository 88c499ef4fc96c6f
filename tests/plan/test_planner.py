"""The planner: every schedule it makes passes the independent checker, the checker catches each
broken rule, the lower bound is below every plan, and the command line keeps files whole."""

from __future__ import annotations

import json
import math
from itertools import permutations
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from demine.plan.bound import lower_bound
from demine.plan.check import check_schedule
from demine.plan.generate import random_instance
from demine.plan.instance import EARTH_RADIUS_KM, haversine_km, parse_instance
from demine.plan.schedule import Row, read_schedule
from demine.plan.solve import METHODS, plan
from tests.conftest import Cli

SMALL: dict[str, Any] = {
    "travel_km_per_day": 50.0,
    "hazards": [
        {"code": "A", "lon": 36.0, "lat": 49.0, "area_m2": 1000, "weight": 5,
         "allowed": ["manual"]},
        {"code": "B", "lon": 36.5, "lat": 49.0, "area_m2": 3000, "weight": 1,
         "allowed": ["manual", "mechanical"]},
    ],
    "teams": [
        {"id": "M1", "type": "manual", "rate_m2_per_day": 100, "lon": 36.0, "lat": 49.0,
         "available_from": 0},
        {"id": "X1", "type": "mechanical", "rate_m2_per_day": 1000, "lon": 36.5, "lat": 49.0,
         "available_from": 2},
    ],
}


def test_haversine_is_the_mean_earth_radius_one() -> None:
    assert EARTH_RADIUS_KM == 6371.0088
    assert float(haversine_km(0, 0, 1, 0)) == pytest.approx(math.radians(1) * 6371.0088)


def test_the_checker_accepts_a_good_schedule_and_prices_it() -> None:
    instance = parse_instance(SMALL, "small")
    rows = [Row("M1", "A", 0.0, 10.0, 1000.0), Row("X1", "B", 2.0, 5.0, 3000.0)]
    verdict = check_schedule(instance, rows)
    assert verdict.feasible, verdict.problems
    assert verdict.completion == {"A": 10.0, "B": 5.0}
    assert verdict.harm == 5 * 10.0 + 1 * 5.0


@pytest.mark.parametrize(("rows", "words"), [
    ([Row("M1", "A", 0, 10, 1000), Row("M2", "B", 2, 5, 3000)], "unknown team"),
    ([Row("M1", "A", 0, 10, 1000), Row("X1", "A", 2, 3, 1), Row("X1", "B", 3, 6, 3000)],
     "a mechanical team may not work this hazard"),
    ([Row("M1", "A", 0, 9, 1000), Row("X1", "B", 2, 5, 3000)], "more than the 900.0 m2"),
    ([Row("M1", "A", 0, 10, 1000), Row("X1", "B", 1, 4, 3000)],
     "before it can be there (free on day 2.0000"),
    ([Row("M1", "A", 0, 10, 1000), Row("M1", "B", 10, 40, 3000)], "days of travel"),
    ([Row("M1", "A", 0, 10, 1000), Row("M1", "A", 5, 6, 0), Row("X1", "B", 2, 5, 3000)],
     "before it can be there"),
    ([Row("M1", "A", 0, 10, 1000), Row("X1", "B", 2, 4, 2000)], "hazard B: 2000.0 of 3000.0"),
])
def test_the_checker_catches_each_broken_rule(rows: list[Row], words: str) -> None:
    verdict = check_schedule(parse_instance(SMALL, "small"), rows)
    assert not verdict.feasible
    assert any(words in p for p in verdict.problems), verdict.problems


@pytest.mark.parametrize(("hazards", "teams", "seed"), [(30, 3, 1), (120, 8, 2), (400, 20, 3)])
def test_every_method_makes_feasible_plans_above_the_bound(hazards: int, teams: int,
                                                           seed: int) -> None:
    instance = parse_instance(random_instance(hazards, teams, seed), "generated")
    bound = lower_bound(instance)
    harms = {}
    for method in METHODS:
        result = plan(instance, method, time_limit=1.0)
        verdict = check_schedule(instance, result.rows)
        assert verdict.feasible, (method, verdict.problems[:3])
        assert verdict.harm == pytest.approx(result.harm, rel=1e-9)
        assert verdict.harm >= bound * (1 - 1e-9)
        harms[method] = verdict.harm
    assert harms["optimise"] < harms["priority"]


def test_the_bound_is_the_optimum_of_one_team_without_travel() -> None:
    """One team, all areas at one place: Smith's order is optimal, and the bound finds it."""
    data = {"travel_km_per_day": 1e9, "teams": [
        {"id": "T", "type": "manual", "rate_m2_per_day": 10, "lon": 0, "lat": 0,
         "available_from": 0}],
        "hazards": [{"code": f"H{i}", "lon": 0, "lat": 0, "area_m2": a, "weight": w,
                     "allowed": ["manual"]} for i, (a, w) in
                    enumerate([(100, 3), (50, 1), (300, 8), (20, 2)])]}
    instance = parse_instance(data, "one team")
    best = math.inf
    for order in permutations(instance.hazards):
        day, harm = 0.0, 0.0
        for h in order:
            day += h.area_m2 / 10
            harm += h.weight * day
        best = min(best, harm)
    assert lower_bound(instance) == pytest.approx(best, rel=1e-9)
    assert plan(instance, "optimise", 0.5).harm == pytest.approx(best, rel=1e-9)


def test_plan_from_the_command_line(tmp_path: Path) -> None:
    source = tmp_path / "instance.json"
    source.write_text(json.dumps(random_instance(150, 8, 5)))
    out = tmp_path / "schedule.csv"
    cli = Cli(str(tmp_path / "unused.gpkg"))
    result = cli("plan", "--instance", str(source), "--out", str(out), "--time-limit", "1",
                 "--json")
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    instance = parse_instance(json.loads(source.read_text()), "instance")
    verdict = check_schedule(instance, read_schedule(out))
    assert verdict.feasible and figures["harm"] == pytest.approx(verdict.harm)
    assert figures["lower_bound"] <= figures["harm"] and figures["gap"] >= 0
    checked = cli("plan", "--instance", str(source), "--check", str(out), "--json")
    assert json.loads(checked.stdout)["harm"] == pytest.approx(verdict.harm)
    assert out.read_text().splitlines()[0] == "team,hazard,start_day,end_day,area_m2"
    assert not (tmp_path / "unused.gpkg").exists()


@pytest.mark.parametrize(("change", "words"), [
    (lambda d: d["hazards"][0].update(allowed=["mdd"]), "hazard A: no team may work it"),
    (lambda d: d["teams"][0].update(rate_m2_per_day=0), "team M1: rate_m2_per_day must be > 0"),
    (lambda d: d["hazards"][1].update(area_m2=-1), "hazard B: area_m2 must be > 0"),
    (lambda d: d["teams"][1].update(type="robot"), "team X1: unknown team type 'robot'"),
    (lambda d: d["hazards"][1].update(code="A"), "duplicate hazard code 'A'"),
    (lambda d: d.pop("teams"), "teams must be a list"),
])
def test_bad_instances_write_nothing(tmp_path: Path, change: Any, words: str) -> None:
    data = json.loads(json.dumps(SMALL))
    change(data)
    source = tmp_path / "bad.json"
    source.write_text(json.dumps(data))
    out = tmp_path / "schedule.csv"
    result = Cli(str(tmp_path / "x.gpkg"))("plan", "--instance", str(source), "--out", str(out))
    assert result.exit_code == 1
    assert f"error: {source}: {words}" in result.stderr, result.stderr
    assert not out.exists()


def test_malformed_json(tmp_path: Path) -> None:
    source = tmp_path / "broken.json"
    source.write_text('{"hazards": [')
    result = Cli(str(tmp_path / "x.gpkg"))("plan", "--instance", str(source), "--out",
                                           str(tmp_path / "s.csv"))
    assert result.exit_code == 1 and "not valid JSON" in result.stderr
    assert not (tmp_path / "s.csv").exists()


def test_the_release_day_bound_is_below_every_single_team_order() -> None:
    """One team, areas released on given days: no order of them does better than the bound."""
    from demine.plan.bound import mean_busy_bound

    rng = np.random.default_rng(0)
    for _ in range(100):
        weights, areas = rng.uniform(0.1, 5, 4), rng.uniform(1, 10, 4)
        release = rng.uniform(0, 10, 4) * (rng.random(4) < 0.6)
        bound = mean_busy_bound(weights, areas, release, np.array([1.0]), np.array([0.0]))
        best = math.inf
        for order in permutations(range(4)):
            day, harm = 0.0, 0.0
            for j in order:
                day = max(day, release[j]) + areas[j]
                harm += weights[j] * day
            best = min(best, harm)
        assert bound <= best + 1e-9


def test_plans_with_release_days_stay_above_the_bound() -> None:
    data = random_instance(200, 10, 9)
    for i, hazard in enumerate(data["hazards"]):
        hazard["available_from"] = float(i % 7) * 20.0
    instance = parse_instance(data, "released")
    bound = lower_bound(instance)
    for method in METHODS:
        verdict = check_schedule(instance, plan(instance, method, 0.5).rows)
        assert verdict.feasible, verdict.problems[:3]
        assert verdict.harm >= bound
