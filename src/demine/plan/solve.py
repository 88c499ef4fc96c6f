"""Schedules for an instance: the baselines planners use by hand, and the optimiser.

- **priority**: the highest weight first, each area whole to the team that can finish it
  earliest (what a priority list worked by hand gives).
- **nearest**: each team, when free, goes to the nearest area not yet taken that it may work.
- **optimise**: areas in order of weight per square metre of work (Smith's rule, optimal for a
  single pooled team), each finished as early as the teams allow: the eligible teams that can
  arrive before it would be done share it, all finishing together ("water-filling"); then a
  local search over the order, keeping any swap of two areas that lowers the harm.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from demine.plan.instance import Instance, haversine_km
from demine.plan.schedule import Row

METHODS = ("priority", "nearest", "optimise")
MIN_SHARE_DAYS = 5.0
"""Least time a team joining others on an area must work there."""


class Fleet:
    """Where each team is and when it is next free, as areas are handed out."""

    def __init__(self, instance: Instance):
        self.instance = instance
        teams = instance.teams
        self.rate = np.array([t.rate_m2_per_day for t in teams])
        self.free = np.array([t.available_from for t in teams], dtype=float)
        self.lon = np.array([t.lon for t in teams], dtype=float)
        self.lat = np.array([t.lat for t in teams], dtype=float)
        self.at = np.full(len(teams), -1)
        self.eligible = instance.eligible()
        self.h_lon = np.array([h.lon for h in instance.hazards])
        self.h_lat = np.array([h.lat for h in instance.hazards])
        self.h_from = np.array([h.available_from for h in instance.hazards], dtype=float)
        self.rows: list[Row] = []

    def ready(self, h: int) -> NDArray[np.float64]:
        """When each team could start on hazard h (inf where it may not work it)."""
        travel = haversine_km(self.lon, self.lat, self.h_lon[h], self.h_lat[h]) / \
            self.instance.travel_km_per_day
        travel[self.at == h] = 0.0
        return np.where(self.eligible[h], np.maximum(self.free + travel, self.h_from[h]), np.inf)

    def assign(self, h: int, teams: NDArray[np.int_], start: NDArray[np.float64],
               end: float, area: NDArray[np.float64]) -> None:
        code = self.instance.hazards[h].code
        for k, s, a in zip(teams, start, area, strict=True):
            self.rows.append(Row(self.instance.teams[k].id, code, float(s), float(end),
                                 float(a)))
        self.free[teams] = end
        self.lon[teams], self.lat[teams] = self.h_lon[h], self.h_lat[h]
        self.at[teams] = h

    def whole(self, h: int, k: int, ready: float) -> float:
        """Hazard h whole to team k from `ready`; its completion day."""
        area = self.instance.hazards[h].area_m2
        end = ready + area / self.rate[k]
        self.assign(h, np.array([k]), np.array([ready]), end, np.array([area]))
        return end

    def shared(self, h: int, worth: float = 20.0) -> float:
        """Hazard h to the team that can finish it first, joined by each other team that would
        still work on it at least `worth` times as long as it travels to get there (and at
        least MIN_SHARE_DAYS), all ending together; the completion day."""
        area = self.instance.hazards[h].area_m2
        ready = self.ready(h)
        travel = np.maximum(ready - self.free, 0.0)
        first = int(np.argmin(ready + area / self.rate))
        chosen = [first]
        rate_sum, weighted = self.rate[first], self.rate[first] * ready[first]
        end = (area + weighted) / rate_sum
        for k in np.argsort(ready):
            k = int(k)
            if k == first:
                continue
            if not ready[k] < end:  # later teams arrive later still, and the end only nears
                break
            joined = (area + weighted + self.rate[k] * ready[k]) / (rate_sum + self.rate[k])
            if joined - ready[k] < max(MIN_SHARE_DAYS, worth * travel[k]) or \
                    joined - ready[first] < MIN_SHARE_DAYS:  # the first may arrive later
                continue
            chosen.append(k)
            rate_sum, weighted, end = rate_sum + self.rate[k], weighted + self.rate[k] * ready[k], \
                joined
        teams = np.array(chosen)
        starts = ready[teams]
        areas = self.rate[teams] * (end - starts)
        self.assign(h, teams, starts, end, areas * (area / areas.sum()))
        return float(end)


@dataclass
class Result:
    """A schedule and what it costs."""

    method: str
    rows: list[Row]
    harm: float
    completion: NDArray[np.float64]
    seconds: float


def _harm(instance: Instance, completion: NDArray[np.float64]) -> float:
    weights = np.array([h.weight for h in instance.hazards])
    return float((weights * completion).sum())


def priority(instance: Instance) -> Result:
    """The highest weight first, each area whole to the team that can finish it earliest."""
    began = time.perf_counter()
    fleet = Fleet(instance)
    completion = np.zeros(len(instance.hazards))
    order = sorted(range(len(instance.hazards)), key=lambda h: -instance.hazards[h].weight)
    for h in order:
        finish = fleet.ready(h) + instance.hazards[h].area_m2 / fleet.rate
        k = int(np.argmin(finish))
        completion[h] = fleet.whole(h, k, float(fleet.ready(h)[k]))
    return Result("priority", fleet.rows, _harm(instance, completion), completion,
                  time.perf_counter() - began)


def nearest(instance: Instance) -> Result:
    """Each team, when free, takes the nearest area not yet taken that it may work, whole."""
    began = time.perf_counter()
    fleet = Fleet(instance)
    completion = np.zeros(len(instance.hazards))
    left = np.ones(len(instance.hazards), dtype=bool)
    idle = np.zeros(len(instance.teams), dtype=bool)
    while left.any():
        candidates = np.where(idle, np.inf, fleet.free)
        k = int(np.argmin(candidates))
        if not np.isfinite(candidates[k]):
            break
        options = np.flatnonzero(left & fleet.eligible[:, k])
        if options.size == 0:
            idle[k] = True
            continue
        distance = haversine_km(fleet.lon[k], fleet.lat[k], fleet.h_lon[options],
                                fleet.h_lat[options])
        h = int(options[int(np.argmin(distance))])
        ready = float(fleet.ready(h)[k])
        completion[h] = fleet.whole(h, k, ready)
        left[h] = False
    return Result("nearest", fleet.rows, _harm(instance, completion), completion,
                  time.perf_counter() - began)


def water_fill(instance: Instance, order: NDArray[np.int_], worth: float = 20.0
               ) -> tuple[Fleet, NDArray[np.float64]]:
    fleet = Fleet(instance)
    completion = np.zeros(len(instance.hazards))
    for h in order:
        completion[h] = fleet.shared(int(h), worth)
    return fleet, completion


def orders(instance: Instance) -> dict[str, NDArray[np.int_]]:
    """Candidate orders: Smith's rule (weight per square metre), and two that favour areas many
    or fast teams may work (weight x pooled rate, or its square root, per square metre)."""
    eligible = instance.eligible()
    rates = np.array([t.rate_m2_per_day for t in instance.teams])
    pooled = (eligible * rates).sum(axis=1)
    weights = np.array([h.weight for h in instance.hazards])
    areas = np.array([h.area_m2 for h in instance.hazards])
    return {name: np.argsort(-(weights * factor / areas), kind="stable")
            for name, factor in (("smith", 1.0), ("smith_sqrt_rate", np.sqrt(pooled)),
                                 ("smith_rate", pooled))}


def optimise(instance: Instance, time_limit: float = 30.0, seed: int = 0) -> Result:
    """The best of the candidate orders and sharing thresholds, water-filled; then swaps of
    nearby areas in the order while time remains (each try rebuilds the schedule; a swap is
    kept when the harm falls)."""
    began = time.perf_counter()
    best = np.inf
    for order in orders(instance).values():
        for worth in (10.0, 20.0, 40.0):
            trial_fleet, trial_completion = water_fill(instance, order, worth)
            harm = _harm(instance, trial_completion)
            if harm < best:
                best, chosen, fleet, completion, best_worth = harm, order, trial_fleet, \
                    trial_completion, worth
    rng = np.random.default_rng(seed)
    n = len(chosen)
    while n > 1 and time.perf_counter() - began < time_limit:
        i = int(rng.integers(n))
        j = int(np.clip(i + rng.integers(-8, 9), 0, n - 1))
        if i == j:
            continue
        trial = chosen.copy()
        trial[i], trial[j] = trial[j], trial[i]
        trial_fleet, trial_completion = water_fill(instance, trial, best_worth)
        harm = _harm(instance, trial_completion)
        if harm < best - 1e-9 * abs(best):
            chosen, fleet, completion, best = trial, trial_fleet, trial_completion, harm
    return Result("optimise", fleet.rows, float(best), completion, time.perf_counter() - began)


def plan(instance: Instance, method: str = "optimise", time_limit: float = 30.0) -> Result:
    if method == "priority":
        return priority(instance)
    if method == "nearest":
        return nearest(instance)
    if method == "optimise":
        return optimise(instance, time_limit)
    raise ValueError(f"method must be one of {', '.join(METHODS)} (got {method!r})")
