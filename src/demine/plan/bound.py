"""A lower bound on the harm of any schedule, from relaxations, so that every plan can say how
far it is from the best possible.

1. **Pooled teams.** Let all teams that may work a set of areas act as one team whose capacity
   by day t is sum_k rate_k x max(0, t - available_k - d_k), d_k being the team's shortest trip
   to any area it may work. Without travel between areas, splitting costs nothing, and the best
   order for this single pooled team is Smith's rule (weight per square metre, highest first):
   area j then finishes when the capacity reaches the areas before it plus its own. For any set
   U of team types, the areas that only teams of U may work get a bound on their share of the
   harm this way, using the teams of U alone.
   Each area's work counts its least travel too: some team must come to it from another area
   or a start point, and the slowest team that may work it clears nothing on the way.
   Where areas may only be started after a release day (their survey), the pooled team's
   preemptive Smith schedule among the areas released gives the least total weighted mean
   day of work, and each area ends at least half its pooled work time after that mean: a bound
   that counts the release days (`mean_busy_bound`).
2. **Each area alone.** An area can finish no sooner than when all the teams that may work it,
   each setting out from its start point when first available, have cleared it together.

Bounds on the harm of disjoint groups of areas add up, whatever the teams do elsewhere, so the
bound is the largest of: the single-area bounds; the pooled bounds of the groups of areas that
the same teams may work, added; and, for each set U of team types, the pooled bound of the
areas only U may work plus that of the others (or their single-area bounds).
"""

from __future__ import annotations

import heapq
from itertools import combinations

import numpy as np
from numpy.typing import NDArray

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


def mean_busy_bound(weights: NDArray[np.float64], areas: NDArray[np.float64],
                    release: NDArray[np.float64], rate: NDArray[np.float64],
                    start: NDArray[np.float64]) -> float:
    """sum w_j (M_j + A_j / (2 R)) for the pooled team of total rate R with release dates, M_j
    being the mean day at which area j's work is done under preemptive Smith's rule (the
    available area of highest weight per square metre first). That schedule has the least
    sum w_j M_j of all, and no area can finish sooner than A_j / (2 R) after the mean day of its
    work, so this bounds the harm even when areas may not be started at once (Goemans 1997)."""
    order = np.argsort(release)
    starts = np.sort(start)
    rates = rate[np.argsort(start)]
    total = float(rate.sum())
    remaining = areas.astype(float).copy()
    busy = np.zeros(len(areas))
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
    return float((weights * (busy / areas + areas / (2 * total))).sum())


def single_area_bounds(instance: Instance) -> NDArray[np.float64]:
    """The earliest each area could be done by all its teams from their start points."""
    eligible = instance.eligible()
    rate = np.array([t.rate_m2_per_day for t in instance.teams])
    t_lon = np.array([t.lon for t in instance.teams])
    t_lat = np.array([t.lat for t in instance.teams])
    free = np.array([t.available_from for t in instance.teams])
    out = np.zeros(len(instance.hazards))
    for i, h in enumerate(instance.hazards):
        mask = eligible[i]
        start = np.maximum(free[mask] + haversine_km(t_lon[mask], t_lat[mask], h.lon, h.lat) /
                           instance.travel_km_per_day, h.available_from)
        out[i] = float(_capacity_inverse(rate[mask], start, np.array([h.area_m2]))[0])
    return out


def _first_trips(instance: Instance, eligible: NDArray[np.bool_]) -> NDArray[np.float64]:
    h_lon = np.array([h.lon for h in instance.hazards])
    h_lat = np.array([h.lat for h in instance.hazards])
    trips = np.zeros(len(instance.teams))
    for k, t in enumerate(instance.teams):
        mine = eligible[:, k]
        if mine.any():
            trips[k] = float(haversine_km(t.lon, t.lat, h_lon[mine], h_lat[mine]).min()) / \
                instance.travel_km_per_day
    return trips


def lower_bound(instance: Instance) -> float:
    """A lower bound on sum(weight x completion day) over every feasible schedule."""
    if not instance.hazards:
        return 0.0
    eligible = instance.eligible()
    weights = np.array([h.weight for h in instance.hazards])
    areas = np.array([h.area_m2 for h in instance.hazards])
    rate = np.array([t.rate_m2_per_day for t in instance.teams])
    start = np.array([t.available_from for t in instance.teams]) + \
        _first_trips(instance, eligible)

    release = np.array([h.available_from for h in instance.hazards])

    def pooled(group: NDArray[np.bool_]) -> float:
        """Smith's rule on one team pooled from every team that may work an area of `group`
        (and, where areas have release days, the mean-busy-time bound)."""
        if not group.any():
            return 0.0
        teams = eligible[group].any(axis=0)
        smith = np.argsort(-(weights[group] / areas[group]), kind="stable")
        done = np.cumsum(areas[group][smith])
        finish = np.empty(done.size)
        finish[smith] = _capacity_inverse(rate[teams], start[teams], done)
        completion = float((weights[group] * finish).sum())
        if not release[group].any():
            return completion
        return max(completion, mean_busy_bound(weights[group], areas[group], release[group],
                                               rate[teams], start[teams]))

    # a team must come to each area from another area or a start point: at least the nearest
    # such trip, during which the slowest team that may work it clears nothing
    h_lon = np.array([h.lon for h in instance.hazards])
    h_lat = np.array([h.lat for h in instance.hazards])
    t_lon = np.array([t.lon for t in instance.teams])
    t_lat = np.array([t.lat for t in instance.teams])
    for i in range(len(areas)):
        others = haversine_km(h_lon[i], h_lat[i], np.delete(h_lon, i), np.delete(h_lat, i))
        starts = haversine_km(h_lon[i], h_lat[i], t_lon[eligible[i]], t_lat[eligible[i]])
        nearest = min(others.min(initial=np.inf), starts.min(initial=np.inf))
        if np.isfinite(nearest):
            areas[i] += rate[eligible[i]].min() * nearest / instance.travel_km_per_day
    alone = weights * single_area_bounds(instance)
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
    return best
