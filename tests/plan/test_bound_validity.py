"""The lower bound is valid: never above the harm of any checked schedule, nor above the best
schedule found by brute force on tiny instances; and the fluid programme is tighter than
pooling every team when machines may work only some areas."""

from __future__ import annotations

from itertools import permutations, product
from typing import Any

import numpy as np
import pytest

from demine.plan.bound import _nearest_other_km, lower_bound
from demine.plan.check import check_schedule
from demine.plan.fluid import Fleetwide, fluid_bound
from demine.plan.instance import Instance, haversine_km, parse_instance
from demine.plan.schedule import Row
from demine.plan.solve import METHODS, plan, priced_fill, water_fill

KINDS = ("manual", "mdd", "mechanical")


def tiny(rng: np.random.Generator, hazards: int, teams: int, released: bool) -> Instance:
    """A random instance a few km across, so that travel matters as much as work."""
    data: dict[str, Any] = {"travel_km_per_day": float(rng.uniform(5, 60)), "hazards": [],
                            "teams": []}
    for i in range(hazards):
        allowed = ["manual"] + [k for k in KINDS[1:] if rng.random() < 0.5]
        data["hazards"].append({
            "code": f"H{i}", "lon": 36 + float(rng.uniform(0, 0.3)),
            "lat": 49 + float(rng.uniform(0, 0.2)), "area_m2": float(rng.uniform(200, 6000)),
            "weight": float(rng.uniform(0, 10)), "allowed": allowed,
            "available_from": float(rng.uniform(0, 20)) if released else 0.0})
    for k in range(teams):
        data["teams"].append({
            "id": f"T{k}", "type": KINDS[int(rng.integers(3))] if k else "manual",
            "rate_m2_per_day": float(rng.uniform(100, 2000)),
            "lon": 36 + float(rng.uniform(0, 0.3)), "lat": 49 + float(rng.uniform(0, 0.2)),
            "available_from": float(rng.uniform(0, 5))})
    return parse_instance(data, "tiny")


def whole_rows(instance: Instance, routes: list[tuple[int, ...]]) -> list[Row]:
    """Each team's route of whole areas, each started as soon as the team is there and the
    area released."""
    rows = []
    for k, route in enumerate(routes):
        team = instance.teams[k]
        t, lon, lat = team.available_from, team.lon, team.lat
        for i in route:
            h = instance.hazards[i]
            t = max(t + float(haversine_km(lon, lat, h.lon, h.lat)) / instance.travel_km_per_day,
                    h.available_from)
            end = t + h.area_m2 / team.rate_m2_per_day
            rows.append(Row(team.id, h.code, t, end, h.area_m2))
            t, lon, lat = end, h.lon, h.lat
    return rows


def brute_force(instance: Instance) -> float:
    """The least harm of the schedules where each area is worked whole by one team, over every
    assignment and every order (the optimum itself for one team without release days: then
    splitting an area, sharing or waiting never helps)."""
    eligible = instance.eligible()
    n, m = eligible.shape
    best = np.inf
    weights = [h.weight for h in instance.hazards]
    for owner in product(range(m), repeat=n):
        if not all(eligible[i, owner[i]] for i in range(n)):
            continue
        mine = [[i for i in range(n) if owner[i] == k] for k in range(m)]
        per_team = []
        for k in range(m):
            best_k = np.inf
            for route in permutations(mine[k]):
                routes: list[tuple[int, ...]] = [()] * m
                routes[k] = route
                harm = sum(weights[instance.hazards.index(next(
                    h for h in instance.hazards if h.code == r.hazard))] * r.end_day
                    for r in whole_rows(instance, routes))
                best_k = min(best_k, harm)
            per_team.append(best_k)
        best = min(best, sum(per_team))
    return float(best)


@pytest.mark.parametrize("seed", range(12))
def test_the_bound_is_below_the_brute_force_optimum_of_tiny_instances(seed: int) -> None:
    rng = np.random.default_rng(seed)
    hazards = 3 + seed % 3
    for teams, released in ((1, False), (1, True), (2, seed % 2 == 0)):
        instance = tiny(rng, hazards, teams, released)
        optimum = brute_force(instance)
        assert lower_bound(instance) <= optimum * (1 + 1e-9), (teams, released)


def test_the_brute_force_schedules_pass_the_checker() -> None:
    instance = tiny(np.random.default_rng(3), 4, 2, True)
    routes = [(0, 1), (2, 3)] if instance.eligible()[[2, 3], 1].all() else [(0, 1, 2, 3), ()]
    verdict = check_schedule(instance, whole_rows(instance, routes))
    assert verdict.feasible, verdict.problems


@pytest.mark.parametrize("seed", range(40))
def test_the_bound_is_below_every_checked_schedule(seed: int) -> None:
    """Small random instances, with and without release days: the planner's methods, and
    water-filled schedules in random orders, all above the bound."""
    rng = np.random.default_rng(100 + seed)
    instance = tiny(rng, int(rng.integers(4, 15)), int(rng.integers(1, 5)), seed % 2 == 1)
    bound = lower_bound(instance)
    harms = [check_schedule(instance, plan(instance, method, 0.2).rows).harm
             for method in METHODS]
    for _ in range(5):
        order = rng.permutation(len(instance.hazards))
        for fleet, _completion in (water_fill(instance, order, float(rng.uniform(1, 40))),
                                   priced_fill(instance, order, float(rng.uniform(0, 4)))):
            verdict = check_schedule(instance, fleet.rows)
            assert verdict.feasible, verdict.problems
            harms.append(verdict.harm)
    assert bound <= min(harms) * (1 + 1e-9)


def test_the_fluid_programme_keeps_machines_to_their_areas() -> None:
    """A fast machine that may work only one light area: pooling it with the manual team would
    clear the heavy manual-only areas ten times faster than the manual team alone can."""
    weight = np.array([10.0, 10.0, 1.0])
    work = np.array([1000.0, 1000.0, 1000.0])
    allowed = np.array([[True, False], [True, False], [True, True]])
    fleet = Fleetwide(weight, work, np.zeros(3), allowed, np.array([100.0, 1000.0]),
                      np.zeros(2), np.array([0, 1]))
    # the manual team clears the heavy areas in 10 and 20 days; the machine the light one in 1
    exact = 10 * 10 + 10 * 20 + 1 * 1
    assert fluid_bound(fleet) <= exact
    pooled = 10 * (1000 / 1100) + 10 * (2000 / 1100) + 1 * (3000 / 1100)
    assert fluid_bound(fleet) > 2 * pooled


def test_a_fluid_programme_stopped_early_keeps_a_lower_optimum() -> None:
    """Out of time after the first round (or with none to spare): the optimum of fewer pieces,
    no higher than the full programme's and no lower than the spread term alone."""
    rng = np.random.default_rng(5)
    n = 60
    weight, work = rng.uniform(0, 10, n), rng.uniform(500, 5000, n)
    allowed = np.column_stack([np.ones(n, dtype=bool), rng.random(n) < 0.4])
    fleet = Fleetwide(weight, work, np.zeros(n), allowed, np.array([200.0, 300.0, 3000.0]),
                      np.zeros(3), np.array([0, 0, 1]))
    full = fluid_bound(fleet)
    early = fluid_bound(fleet, seconds=0.0)
    reach = allowed[:, [0, 0, 1]] @ np.array([200.0, 300.0, 3000.0])
    assert (weight * work / (2 * reach)).sum() < early <= full * (1 + 1e-9)


def test_the_nearest_other_area_is_the_nearest_by_haversine() -> None:
    rng = np.random.default_rng(2)
    lon, lat = rng.uniform(30, 32, 300), rng.uniform(48, 49, 300)
    lon[7], lat[7] = lon[3], lat[3]  # two areas in one place
    brute = haversine_km(lon[:, None], lat[:, None], lon[None, :], lat[None, :])
    np.fill_diagonal(brute, np.inf)
    near = _nearest_other_km(lon, lat)
    assert np.all(near <= brute.min(axis=1))
    assert np.allclose(near, brute.min(axis=1), rtol=1e-8, atol=1e-12)
    assert near[3] == near[7] == 0.0
    assert np.isinf(_nearest_other_km(lon[:1], lat[:1])).all()


@pytest.mark.parametrize("seed", range(4))
def test_the_fluid_programme_is_below_and_near_smiths_rule_for_one_team(seed: int) -> None:
    """One team, every area open from day 0: Smith's order is optimal, and the programme (whose
    cuts within an interval follow W's rise at the team's rate) comes within 0.01 % of it from
    below."""
    rng = np.random.default_rng(seed)
    n = 40
    weight, work = rng.uniform(0, 10, n), rng.lognormal(8, 1, n)
    order = np.argsort(-weight / work)
    exact = float((weight[order] * np.cumsum(work[order]) / 300.0).sum())
    fleet = Fleetwide(weight, work, np.zeros(n), np.ones((n, 1), dtype=bool), np.array([300.0]),
                      np.zeros(1), np.array([0]))
    value = fluid_bound(fleet, seconds=60.0)
    assert exact * 0.9999 < value <= exact * (1 + 1e-9)
