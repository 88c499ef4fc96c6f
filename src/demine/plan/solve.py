"""Schedules for an instance: the baselines planners use by hand, and the optimiser.

- **priority**: the highest weight first, each area whole to the team that can finish it
  earliest (what a priority list worked by hand gives).
- **nearest**: each team, when free, goes to the nearest area not yet taken that it may work.
- **optimise**: areas in a candidate order (Smith's rule, weight per square metre, optimal
  for a single pooled team; variants favouring areas many teams may work; where areas wait for
  release days, the order a pooled fleet would finish them in), each given to teams as it
  comes: either all eligible teams that can arrive before it would be done share it
  ("water-filling", `water_fill`), or travel is priced (`priced_fill`: a trip costs the
  capacity it loses times the weight still waiting, so a team joins an area only when it saves
  more than its trip costs); the best of these constructions, then of priced fills with
  sampled prices (a lower one for the team an area goes to than for those joining it does
  better; and a factor per team type, as machines and dogs do best at other prices), then
  local search over each team's sequence (`search`) while time remains. With two cores and a
  time limit of at least PARALLEL_SECONDS, a second process (`helper`) takes half of the
  constructions and another seed, and the better plan is kept.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from demine.plan.bound import preemptive_smith
from demine.plan.instance import Instance, haversine_km
from demine.plan.schedule import Row
from demine.plan.search import Piece, Search, improve

METHODS = ("priority", "nearest", "optimise")
CONSTRUCTIONS = (("priced", "released", 1.0), ("shared", "released", 20.0),
                 ("priced", "smith", 2.0), ("shared", "smith_sqrt_rate", 20.0),
                 ("priced", "smith", 1.0), ("shared", "smith", 20.0),
                 ("priced", "smith_sqrt_rate", 2.0), ("shared", "smith_sqrt_rate", 10.0),
                 ("priced", "smith", 3.0), ("shared", "smith_rate", 20.0),
                 ("priced", "smith_sqrt_rate", 1.0), ("shared", "smith_sqrt_rate", 40.0))
"""The constructions the optimiser starts from, most often best first: the fill (`priced_fill`
with its boldness, or `water_fill` with its worth), and the order."""
CONSTRUCTION_SHARE = 0.4
"""Share of the time limit after which no further of CONSTRUCTIONS is begun."""
SAMPLE_SHARE = 0.85
"""Share of the time limit until which priced fills with sampled prices are tried (each begun
only if it should end by then); the local search has the rest."""
PARALLEL_SECONDS = 5.0
"""Least time limit for which a second search process is worth its start (about a second)."""
PARALLEL_AREAS = 100
"""Least areas for which a second search process is started."""
HELPER_MARGIN = 1.0
"""Seconds before the deadline the second process stops, to hand its plan over in time; and
the most its plan is waited for past the deadline."""
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

    def _join(self, h: int, ready: NDArray[np.float64], first: int,
              keeps: Callable[[int, float, float], bool]) -> float:
        """Hazard h to team `first`, joined, in order of arrival, by each team k for which
        keeps(k, end if it joins, end without it) holds; all ending together; the completion
        day."""
        area = self.instance.hazards[h].area_m2
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
            if not keeps(k, float(joined), float(end)):
                continue
            chosen.append(k)
            rate_sum, weighted, end = rate_sum + self.rate[k], weighted + self.rate[k] * ready[k], \
                joined
        teams = np.array(chosen)
        starts = ready[teams]
        areas = self.rate[teams] * (end - starts)
        self.assign(h, teams, starts, end, areas * (area / areas.sum()))
        return float(end)

    def shared(self, h: int, worth: float = 20.0) -> float:
        """Hazard h to the team that can finish it first, joined by each other team that would
        still work on it at least `worth` times as long as it travels to get there (and at
        least MIN_SHARE_DAYS), all ending together; the completion day."""
        area = self.instance.hazards[h].area_m2
        ready = self.ready(h)
        travel = np.maximum(ready - self.free, 0.0)
        first = int(np.argmin(ready + area / self.rate))

        def keeps(k: int, joined: float, end: float) -> bool:
            return joined - ready[k] >= max(MIN_SHARE_DAYS, worth * travel[k]) and \
                joined - ready[first] >= MIN_SHARE_DAYS  # the first may arrive later

        return self._join(h, ready, first, keeps)

    def priced(self, h: int, weight: float, price: float | NDArray[np.float64],
               join_price: float | NDArray[np.float64] | None = None) -> float:
        """Hazard h to the team for which its weighted completion plus the price of the trip
        there is least, joined by each other team whose help saves more than its trip costs;
        all ending together; the completion day. A trip of d days by a team of rate r costs
        price x r x d: the capacity lost, at `price` harm per square metre not cleared
        (`join_price`, if given, for the teams that join); either may be one per team."""
        area = self.instance.hazards[h].area_m2
        travel = haversine_km(self.lon, self.lat, self.h_lon[h], self.h_lat[h]) / \
            self.instance.travel_km_per_day
        travel[self.at == h] = 0.0
        ready = np.where(self.eligible[h], np.maximum(self.free + travel, self.h_from[h]),
                         np.inf)
        trip = price * self.rate * travel
        first = int(np.argmin(weight * (ready + area / self.rate) + trip))
        if join_price is not None:
            trip = join_price * self.rate * travel

        def keeps(k: int, joined: float, end: float) -> bool:
            # not when the first team (which may come later) would have nothing left
            return joined > ready[first] and weight * (end - joined) > trip[k]

        return self._join(h, ready, first, keeps)


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


def priced_fill(instance: Instance, order: NDArray[np.int_], boldness: float,
                joining: float | None = None, factors: dict[str, float] | None = None
                ) -> tuple[Fleet, NDArray[np.float64]]:
    """Areas in `order`, each by `Fleet.priced` with the price of capacity the weight not yet
    done per square metre a day of the whole fleet (losing capacity delays all of it), times
    `boldness` (times `joining`, if given, for the teams that join another), times the factor
    of the team's type in `factors` (1 for a type not named): a machine's trip can be worth
    more or less than its lost capacity at the fleet's price, as its areas are fewer."""
    fleet = Fleet(instance)
    completion = np.zeros(len(instance.hazards))
    weights = np.array([h.weight for h in instance.hazards])
    left, pace = float(weights.sum()), float(fleet.rate.sum())
    scale = np.array([(factors or {}).get(t.type, 1.0) for t in instance.teams])
    for h in order:
        price = boldness * left / pace
        completion[h] = fleet.priced(int(h), float(weights[h]), price * scale if factors
                                     else price, None if joining is None else
                                     joining * left / pace * (scale if factors else 1.0))
        left -= float(weights[h])
    return fleet, completion


def orders(instance: Instance) -> dict[str, NDArray[np.int_]]:
    """Candidate orders: Smith's rule (weight per square metre), two that favour areas many
    or fast teams may work (weight x pooled rate, or its square root, per square metre), and
    where areas wait for release days, the order in which the whole fleet pooled, by Smith's
    rule among the areas released, finishes them (far better there: no team waits idle at an
    area not yet released while others are)."""
    eligible = instance.eligible()
    rates = np.array([t.rate_m2_per_day for t in instance.teams])
    pooled = (eligible * rates).sum(axis=1)
    weights = np.array([h.weight for h in instance.hazards])
    areas = np.array([h.area_m2 for h in instance.hazards])
    out = {name: np.argsort(-(weights * factor / areas), kind="stable")
           for name, factor in (("smith", 1.0), ("smith_sqrt_rate", np.sqrt(pooled)),
                                ("smith_rate", pooled))}
    release = np.array([h.available_from for h in instance.hazards])
    if not release.any():
        return out
    _, finish = preemptive_smith(weights, areas, release, rates,
                                 np.array([t.available_from for t in instance.teams]))
    out["released"] = np.lexsort((np.arange(len(areas)), finish))
    return out


def optimise(instance: Instance, time_limit: float = 30.0, seed: int = 0) -> Result:
    """The best construction, then local search over the teams' sequences (`search`) while
    time remains. With a second core and time enough (PARALLEL_SECONDS), a second process
    (`helper`) does the same with the other half of the constructions and the next seed, and
    the better plan is kept (the first, if the second fails or is late)."""
    began = time.perf_counter()
    deadline = began + time_limit
    other = None
    if time_limit >= PARALLEL_SECONDS and len(instance.hazards) >= PARALLEL_AREAS and \
            _cores() >= 2:
        other = _start_other(instance, time_limit - HELPER_MARGIN, seed + 1)
    if other is None:
        result = _optimise(instance, deadline, time_limit, seed, CONSTRUCTIONS)
    else:
        result = _optimise(instance, deadline, time_limit, seed, half(0))
        theirs = _collect(*other, deadline + HELPER_MARGIN)
        if theirs is not None and theirs.harm < result.harm:
            result = theirs
    result.seconds = time.perf_counter() - began
    return result


def half(part: int) -> tuple[tuple[str, str, float], ...]:
    """Half of CONSTRUCTIONS for each process (part 0 or 1), by pairs of a priced and a shared
    fill, so that each has priced fills to sample prices around."""
    return tuple(c for i, c in enumerate(CONSTRUCTIONS) if i // 2 % 2 == part)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def _start_other(instance: Instance, time_limit: float, seed: int
                 ) -> tuple[subprocess.Popen[bytes], str] | None:
    """The second search, a fresh Python process given the instance in a temporary file; None
    where it cannot be started."""
    import demine

    fd, path = tempfile.mkstemp(suffix=".pickle")
    try:
        with os.fdopen(fd, "wb") as handle:
            pickle.dump((instance, time.monotonic() + time_limit, time_limit, seed), handle)
        env = dict(os.environ)
        root = str(Path(demine.__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        process = subprocess.Popen([sys.executable, "-m", "demine.plan.helper", path],
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL, env=env)
    except (OSError, pickle.PicklingError):
        os.unlink(path)
        return None
    return process, path


def _collect(process: subprocess.Popen[bytes], path: str, deadline: float) -> Result | None:
    """The second search's plan, if it comes by the deadline (the process is ended if not)."""
    try:
        out, _ = process.communicate(timeout=max(0.0, deadline - time.perf_counter()))
        result = pickle.loads(out) if process.returncode == 0 and out else None
        return result if isinstance(result, Result) else None
    except (subprocess.TimeoutExpired, pickle.UnpicklingError, EOFError):
        process.kill()
        process.communicate()
        return None
    finally:
        if os.path.exists(path):
            os.unlink(path)


def _optimise(instance: Instance, deadline: float, time_limit: float, seed: int,
              constructions: tuple[tuple[str, str, float], ...]) -> Result:
    """The best of `constructions` (begun until CONSTRUCTION_SHARE of the time limit), then of
    priced fills with sampled prices (until SAMPLE_SHARE), then local search to the deadline."""
    began = deadline - time_limit
    rng = np.random.default_rng(seed)
    candidates = orders(instance)
    best, fleet = np.inf, None
    priced: tuple[float, str, float, float | None, dict[str, float]] | None = None
    took = 0.0
    for fill, name, parameter in constructions:
        if name not in candidates:
            continue
        if fleet is not None and time.perf_counter() > began + time_limit * CONSTRUCTION_SHARE:
            break
        start = time.perf_counter()
        trial_fleet, trial_completion = (priced_fill if fill == "priced" else water_fill)(
            instance, candidates[name], parameter)
        took = time.perf_counter() - start
        harm = _harm(instance, trial_completion)
        if harm < best:
            best, fleet = harm, trial_fleet
        if fill == "priced" and (priced is None or harm < priced[0]):
            priced = (harm, name, parameter, None, {})
    names = sorted(candidates)
    kinds = _priced_kinds(instance)
    while priced is not None and \
            time.perf_counter() + took < began + time_limit * SAMPLE_SHARE:
        name, boldness, joining, factors = _sample(rng, priced[1:], names, kinds)
        start = time.perf_counter()
        trial_fleet, trial_completion = priced_fill(instance, candidates[name], boldness,
                                                    joining, factors)
        took = time.perf_counter() - start
        harm = _harm(instance, trial_completion)
        if harm < priced[0]:
            priced = (harm, name, boldness, joining, factors)
        if harm < best:
            best, fleet = harm, trial_fleet
    assert fleet is not None
    search = Search(instance, _sequences(instance, fleet.rows))
    improve(search, rng, deadline)
    completion = np.array(search.done)
    return Result("optimise", search.rows(), _harm(instance, completion), completion,
                  time.perf_counter() - began)


def _priced_kinds(instance: Instance) -> list[str]:
    """The team types whose trips get a price factor of their own when sampling: all but the
    most numerous (whose factor stays 1, `boldness` setting its price)."""
    counts: dict[str, int] = {}
    for t in instance.teams:
        counts[t.type] = counts.get(t.type, 0) + 1
    common = max(sorted(counts), key=lambda kind: counts[kind]) if counts else None
    return sorted(kind for kind in counts if kind != common)


def _sample(rng: np.random.Generator,
            best: tuple[str, float, float | None, dict[str, float]], names: list[str],
            kinds: list[str]) -> tuple[str, float, float, dict[str, float]]:
    """Prices for another priced fill: near the best so far, or anywhere in a plausible range
    (a lower price for the team an area goes to than for those that join it often does
    better), with a factor for each of `kinds` (on generated instances machines do best
    priced at a quarter to nine tenths of the manual teams' price, dogs at 1.2 to 2.6 times:
    the optimiser's harm fell by 0.4 to 0.7 %); now and then another order."""
    name, boldness, joining, factors = best
    if rng.random() < 0.2:
        name = names[int(rng.integers(len(names)))]
    if rng.random() < 0.5:
        wide = np.exp(rng.uniform(np.log(0.4), np.log(2.5), len(kinds)))
        return name, float(rng.uniform(0.3, 3.0)), float(rng.uniform(1.5, 9.0)), \
            {kind: float(f) for kind, f in zip(kinds, wide, strict=True)}
    spread = np.exp(rng.normal(0.0, 0.3, 2 + len(kinds)))
    return name, float(boldness * spread[0]), float((joining or boldness) * spread[1]), \
        {kind: float(factors.get(kind, 1.0) * f)
         for kind, f in zip(kinds, spread[2:], strict=True)}


def _sequences(instance: Instance, rows: list[Row]) -> list[list[Piece]]:
    """Each team's rows in time order, as pieces for the search."""
    team_of = {t.id: k for k, t in enumerate(instance.teams)}
    hazard_of = {h.code: i for i, h in enumerate(instance.hazards)}
    ordered = sorted(rows, key=lambda r: (team_of[r.team], r.start_day, r.end_day))
    out: list[list[Piece]] = [[] for _ in instance.teams]
    for r in ordered:
        if r.area_m2 > 0:
            out[team_of[r.team]].append(Piece(hazard_of[r.hazard], r.area_m2))
    return out


def plan(instance: Instance, method: str = "optimise", time_limit: float = 30.0) -> Result:
    if method == "priority":
        return priority(instance)
    if method == "nearest":
        return nearest(instance)
    if method == "optimise":
        return optimise(instance, time_limit)
    raise ValueError(f"method must be one of {', '.join(METHODS)} (got {method!r})")
