"""A lower bound on the harm of any schedule, from relaxations, so that every plan can say how
far it is from the best possible.

1. **Pooled teams.** Let all teams that may work a set of areas act as one team whose capacity
   by day t is sum_k rate_k x max(0, t - available_k - d_k), d_k being the team's shortest trip
   to any area it may work (every team that works at all makes a first trip that long). Its
   preemptive Smith schedule (weight per square metre, highest first, among the areas
   released) has the least total weighted mean day of work M_j of any schedule: at every
   moment it has done the most work on each set of the densest areas. An area of work A_j
   done at a rate of at most R ends at least A_j / (2 R) after its mean day, so
   sum w_j (M_j + A_j / (2 R)) is a bound (`mean_busy_bound`, Goemans 1997). For any set U of
   team types, the areas that only teams of U may work get a bound on their share of the harm
   this way, using the teams of U alone.
   Each area's work counts its least travel too (`_arrival_work`): some team must first come
   to it from another area or from its start point (beyond the first trip already taken off
   its capacity), and the slowest team that may work it clears nothing on the way; that
   travel may come before the release day, which is brought forward by as much.
3. **Fluid programme** (`fluid`): the pooled bound with each team type kept to the areas it
   may work, a linear programme over time intervals (tighter when machines, the fastest
   teams, may work only some areas).
2. **Each area alone.** An area can finish no sooner than when all the teams that may work it,
   each setting out from its start point when first available, have cleared it together.

Bounds on the harm of disjoint groups of areas add up, whatever the teams do elsewhere, so the
bound is the largest of: the single-area bounds; the pooled bounds of the groups of areas that
the same teams may work, added; for each set U of team types, the pooled bound of the
areas only U may work plus that of the others (or their single-area bounds); and the fluid
programme. tests/plan/test_bound_validity.py checks it against brute force and checked plans.
"""

from __future__ import annotations

import heapq
from itertools import combinations

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from demine.plan.fluid import Fleetwide, fluid_bound
from demine.plan.instance import Instance, haversine_km


def _capacity_inverse(rate: NDArray[np.float64], start: NDArray[np.float64],
                      work: NDArray[np.float64]) -> NDArray[np.float64]:
    """The day by which teams of `rate`, working from `start`, have done `work` (sorted or not)."""
    order = np.argsort(start)
    start, rate = start[order], rate[order]
    rate_sum = np.cumsum(rate)
    weighted = np.cumsum(rate * start)
    # with the first j teams at work, capacity(t) = rate_sum_j t - weighted_j, for t in
    # [start_j, start_{j+1}]
    boundaries = np.append(start[1:], np.inf)
    capacity_at_boundary = rate_sum * boundaries - weighted
    j = np.searchsorted(capacity_at_boundary, work, side="left")
    j = np.minimum(j, len(rate) - 1)
    return np.asarray((work + weighted[j]) / rate_sum[j])


def preemptive_smith(weights: NDArray[np.float64], areas: NDArray[np.float64],
                     release: NDArray[np.float64], rate: NDArray[np.float64],
                     start: NDArray[np.float64]) -> tuple[NDArray[np.float64],
                                                          NDArray[np.float64]]:
    """The pooled team's preemptive Smith schedule with release days: for each area, the sum
    of work x mid-day of its work (its mean busy day times its area), and its finishing day."""
    order = np.argsort(release)
    starts = np.sort(start)
    rates = rate[np.argsort(start)]
    remaining = areas.astype(float).copy()
    busy = np.zeros(len(areas))
    finish = np.full(len(areas), np.inf)
    ready: list[tuple[float, int]] = []
    t, nxt_job, nxt_team, pace = 0.0, 0, 0, 0.0
    while True:
        while nxt_team < len(starts) and starts[nxt_team] <= t:
            pace += rates[nxt_team]
            nxt_team += 1
        while nxt_job < len(order) and release[order[nxt_job]] <= t:
            j = int(order[nxt_job])
            heapq.heappush(ready, (-weights[j] / areas[j], j))
            nxt_job += 1
        events = [starts[nxt_team] if nxt_team < len(starts) else np.inf,
                  release[order[nxt_job]] if nxt_job < len(order) else np.inf]
        if not ready or pace <= 0:
            upcoming = min(events)
            if not np.isfinite(upcoming):
                break
            t = float(upcoming)
            continue
        j = ready[0][1]
        until = min(min(events), t + remaining[j] / pace)
        work = pace * (until - t)
        busy[j] += work * (t + until) / 2
        remaining[j] -= work
        t = float(until)
        if remaining[j] <= 1e-9 * areas[j]:
            heapq.heappop(ready)
            finish[j] = t
    return busy, finish


def mean_busy_bound(weights: NDArray[np.float64], areas: NDArray[np.float64],
                    release: NDArray[np.float64], rate: NDArray[np.float64],
                    start: NDArray[np.float64]) -> float:
    """sum w_j (M_j + A_j / (2 R)) for the pooled team of total rate R with release dates, M_j
    being the mean day at which area j's work is done under preemptive Smith's rule (the
    available area of highest weight per square metre first). That schedule has the least
    sum w_j M_j of all, and no area can finish sooner than A_j / (2 R) after the mean day of its
    work, so this bounds the harm even when areas may not be started at once (Goemans 1997)."""
    busy, _ = preemptive_smith(weights, areas, release, rate, start)
    total = float(rate.sum())
    return float((weights * (busy / areas + areas / (2 * total))).sum())


def team_days(instance: Instance) -> NDArray[np.float64]:
    """Travel days from each team's start point to each area (areas x teams), in blocks."""
    t_lon = np.array([t.lon for t in instance.teams], dtype=float)
    t_lat = np.array([t.lat for t in instance.teams], dtype=float)
    h_lon = np.array([h.lon for h in instance.hazards], dtype=float)
    h_lat = np.array([h.lat for h in instance.hazards], dtype=float)
    out = np.empty((len(h_lon), len(t_lon)))
    for begin in range(0, len(h_lon), 2048):
        block = slice(begin, begin + 2048)
        out[block] = haversine_km(t_lon[None, :], t_lat[None, :], h_lon[block, None],
                                  h_lat[block, None]) / instance.travel_km_per_day
    return out


def single_area_bounds(instance: Instance, eligible: NDArray[np.bool_] | None = None,
                       days: NDArray[np.float64] | None = None) -> NDArray[np.float64]:
    """The earliest each area could be done by all its teams from their start points."""
    if eligible is None:
        eligible = instance.eligible()
    if days is None:
        days = team_days(instance)
    rate = np.array([t.rate_m2_per_day for t in instance.teams])
    free = np.array([t.available_from for t in instance.teams])
    out = np.zeros(len(instance.hazards))
    for i, h in enumerate(instance.hazards):
        mask = eligible[i]
        start = np.maximum(free[mask] + days[i, mask], h.available_from)
        out[i] = float(_capacity_inverse(rate[mask], start, np.array([h.area_m2]))[0])
    return out


def _first_trips(eligible: NDArray[np.bool_], days: NDArray[np.float64]) -> NDArray[np.float64]:
    """Each team's shortest trip from its start point to an area it may work (0 if none)."""
    trips = np.where(eligible, days, np.inf).min(axis=0, initial=np.inf)
    return np.asarray(np.where(np.isfinite(trips), trips, 0.0))


def lower_bound(instance: Instance) -> float:
    """A lower bound on sum(weight x completion day) over every feasible schedule."""
    if not instance.hazards:
        return 0.0
    eligible = instance.eligible()
    weights = np.array([h.weight for h in instance.hazards])
    raw = np.array([h.area_m2 for h in instance.hazards])
    rate = np.array([t.rate_m2_per_day for t in instance.teams])
    days = team_days(instance)
    first = _first_trips(eligible, days)
    start = np.array([t.available_from for t in instance.teams]) + first
    release = np.array([h.available_from for h in instance.hazards])

    areas = raw + _arrival_work(instance, eligible, first, days)
    release = np.maximum(release - (areas - raw) / _slowest(rate, eligible), 0.0)

    def pooled(group: NDArray[np.bool_]) -> float:
        """One team pooled from every team that may work an area of `group`: the preemptive
        Smith schedule's mean busy times (see `mean_busy_bound`)."""
        if not group.any():
            return 0.0
        teams = eligible[group].any(axis=0)
        return mean_busy_bound(weights[group], areas[group], release[group], rate[teams],
                               start[teams])

    alone = weights * single_area_bounds(instance, eligible, days)
    best = float(alone.sum())
    signatures = [tuple(row) for row in eligible]
    groups = {sig: np.array([s == sig for s in signatures]) for sig in set(signatures)}
    best = max(best, sum(pooled(g) for g in groups.values()))
    types = np.array([t.type for t in instance.teams])
    kinds = sorted(set(types))
    for size in range(1, len(kinds) + 1):
        for chosen in combinations(kinds, size):
            outside = ~np.isin(types, chosen)
            inside = np.asarray(~(eligible & outside[None, :]).any(axis=1), dtype=bool)
            best = max(best, pooled(inside) + pooled(~inside),
                       pooled(inside) + float(alone[~inside].sum()))
    return max(best, fluid_bound(_fleetwide(instance, eligible, areas, release, start)))


def _slowest(rate: NDArray[np.float64], eligible: NDArray[np.bool_]) -> NDArray[np.float64]:
    """The rate of the slowest team that may work each area."""
    return np.array([rate[row].min() for row in eligible])


def _fleetwide(instance: Instance, eligible: NDArray[np.bool_], work: NDArray[np.float64],
               release: NDArray[np.float64], start: NDArray[np.float64]) -> Fleetwide:
    """The fluid programme's view of an instance, by team type."""
    kinds = sorted({t.type for t in instance.teams})
    kind = np.array([kinds.index(t.type) for t in instance.teams])
    allowed = np.array([[k in h.allowed for k in kinds] for h in instance.hazards], dtype=bool)
    return Fleetwide(np.array([h.weight for h in instance.hazards]), work, release, allowed,
                     np.array([t.rate_m2_per_day for t in instance.teams]), start, kind)


def _arrival_work(instance: Instance, eligible: NDArray[np.bool_], first: NDArray[np.float64],
                  days: NDArray[np.float64]) -> NDArray[np.float64]:
    """Capacity each area's first arrival costs beyond what the teams' first trips already
    count: the team that first comes to area j travels from another area, or from its start
    point (its first trip, of which `first` is already taken off its capacity), and the slowest
    team that may work j clears nothing on the way. Each travel leg has one destination, so
    these amounts never count the same leg twice. `days`: travel days from each team's start
    point to each area."""
    h_lon = np.array([h.lon for h in instance.hazards])
    h_lat = np.array([h.lat for h in instance.hazards])
    rate = np.array([t.rate_m2_per_day for t in instance.teams])
    near = _nearest_other_km(h_lon, h_lat) / instance.travel_km_per_day
    beyond = np.where(eligible, days - first[None, :], np.inf).min(axis=1)
    slowest = np.where(eligible, rate[None, :], np.inf).min(axis=1)
    return np.asarray(slowest * np.maximum(0.0, np.minimum(near, beyond)))


def _nearest_other_km(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> NDArray[np.float64]:
    """Distance from each area to its nearest other area (inf when it is alone). The nearest by
    straight chord through the Earth (a k-d tree on unit vectors) is the nearest along the
    surface too; its distance is then the haversine one, less a margin for rounding."""
    out = np.full(len(lon), np.inf)
    if len(lon) < 2:
        return out
    phi, lam = np.radians(lat), np.radians(lon)
    points = np.column_stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])
    _, idx = cKDTree(points).query(points, k=2)
    own = np.arange(len(lon))
    other = np.where(idx[:, 0] == own, idx[:, 1], idx[:, 0])
    return np.asarray(haversine_km(lon, lat, lon[other], lat[other]) * (1 - 1e-9))
