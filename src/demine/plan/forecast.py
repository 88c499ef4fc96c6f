"""Completion forecast: when each hazard area, each admin unit and the whole region will be
released, with the uncertainty of productivity and of survey outcomes.

The plan (survey, then clearance) is made once; each Monte Carlo draw then replays every team's
rows in order with its own luck: a team's productivity for the whole run is the plan's rate
times a log-normal factor (median 1, `RATE_SIGMA`), and the share of each surveyed suspected
area left for clearance is drawn from a beta distribution around the registry's measured share
(`SURVEY_CONCENTRATION`). A row starts when its team is done with the previous one and has
travelled, and not before its area may be worked (its survey ended); an area is released when
its last row ends. Days are working days: with a winter stop, the calendar skips the stand-down
months. Draws run on dask, in local threads unless a `dask.distributed` scheduler is named.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from numpy.typing import NDArray

from demine.plan.calendar import working_calendar
from demine.plan.instance import Instance, Team, haversine_km
from demine.plan.registry import RegistryPlan
from demine.plan.schedule import Row

RATE_SIGMA = 0.25
"""Spread (log-normal sigma) of a team's productivity around its recorded rate."""
SURVEY_CONCENTRATION = 4.0
"""How tightly survey outcomes gather around the measured share (beta a + b)."""
QUANTILES = (10, 50, 90)
CHUNK = 100
"""Draws per dask task."""


@dataclass
class Replay:
    """One phase's rows as arrays, in each team's order, ready to replay under many draws."""

    team: NDArray[np.int_]
    hazard: NDArray[np.int_]
    travel: NDArray[np.float64]
    work: NDArray[np.float64]
    position: NDArray[np.int_]
    teams: int
    hazards: int


def _replay_plan(instance: Instance, rows: list[Row]) -> Replay:
    team_index = {t.id: k for k, t in enumerate(instance.teams)}
    hazard_index = {h.code: i for i, h in enumerate(instance.hazards)}
    ordered = sorted(rows, key=lambda r: (team_index[r.team], r.start_day))
    team = np.array([team_index[r.team] for r in ordered], dtype=int)
    hazard = np.array([hazard_index[r.hazard] for r in ordered], dtype=int)
    travel = np.zeros(len(ordered))
    position = np.zeros(len(ordered), dtype=int)
    previous: dict[int, int] = {}
    count: dict[int, int] = {}
    for n, (k, h) in enumerate(zip(team.tolist(), hazard.tolist(), strict=True)):
        last = previous.get(k, -1)
        here = instance.hazards[h]
        origin: Team | Any = instance.teams[k] if last == -1 else instance.hazards[last]
        km = 0.0 if last == h else float(haversine_km(origin.lon, origin.lat, here.lon,
                                                      here.lat))
        travel[n] = km / instance.travel_km_per_day
        position[n] = count.get(k, 0)
        count[k] = position[n] + 1
        previous[k] = h
    work = np.array([r.area_m2 / instance.teams[team_index[r.team]].rate_m2_per_day
                     for r in ordered])
    return Replay(team, hazard, travel, work, position, len(instance.teams),
                  len(instance.hazards))


def _run(replay: Replay, free: NDArray[np.float64], scale: NDArray[np.float64],
         ready: NDArray[np.float64]) -> NDArray[np.float64]:
    """Completion day of each hazard for each draw (rows x draws arrays; nan where unplanned).

    `free` (draws x teams): first free day; `scale` (draws x rows): each row's work factor;
    `ready` (draws x hazards): first day each hazard may be worked."""
    draws = free.shape[0]
    done = np.full((draws, replay.hazards), np.nan)
    clock = free.copy()
    for depth in range(int(replay.position.max(initial=-1)) + 1):
        rows = np.flatnonzero(replay.position == depth)
        k, h = replay.team[rows], replay.hazard[rows]
        start = np.maximum(clock[:, k] + replay.travel[rows], ready[:, h])
        end = start + replay.work[rows] * scale[:, rows]
        clock[:, k] = end
        done[:, h] = np.fmax(done[:, h], end)
    return done


@dataclass
class Prepared:
    """The plan's phases as replays, made once for all draws."""

    clearance: Replay
    clearance_free: NDArray[np.float64]
    survey: Replay | None
    survey_free: NDArray[np.float64]
    surveyed: NDArray[np.int_]
    """For each clearance area, its index among the surveyed areas (-1: not surveyed)."""
    share: float


def prepare(plan: RegistryPlan) -> Prepared:
    clearance = plan.clearance_instance
    survey, free, surveyed = None, np.zeros(0), np.full(len(clearance.hazards), -1)
    if plan.survey is not None and plan.survey_instance is not None:
        survey = _replay_plan(plan.survey_instance, plan.survey.rows)
        free = np.array([t.available_from for t in plan.survey_instance.teams])
        where = {h.code: i for i, h in enumerate(plan.survey_instance.hazards)}
        surveyed = np.array([where.get(h.code, -1) for h in clearance.hazards])
    return Prepared(_replay_plan(clearance, plan.clearance.rows),
                    np.array([t.available_from for t in clearance.teams]), survey, free,
                    surveyed, min(max(plan.left_after_survey, 1e-3), 1 - 1e-3))


def _draws(ready_plan: Prepared, n: int, seed: int) -> NDArray[np.float64]:
    """Release day (working days from the plan's start) of each clearance area, n draws."""
    rng = np.random.default_rng(seed)
    replay = ready_plan.clearance
    ready = np.zeros((n, replay.hazards))
    area_factor = np.ones((n, replay.hazards))
    if ready_plan.survey is not None:
        s_replay = ready_plan.survey
        s_luck = rng.lognormal(0.0, RATE_SIGMA, (n, s_replay.teams))
        s_done = _run(s_replay, np.tile(ready_plan.survey_free, (n, 1)),
                      1.0 / s_luck[:, s_replay.team], np.zeros((n, s_replay.hazards)))
        cols = np.flatnonzero(ready_plan.surveyed >= 0)
        ready[:, cols] = np.nan_to_num(s_done[:, ready_plan.surveyed[cols]])
        share = ready_plan.share
        drawn = rng.beta(share * SURVEY_CONCENTRATION, (1 - share) * SURVEY_CONCENTRATION,
                         (n, cols.size))
        area_factor[:, cols] = drawn / share
    luck = rng.lognormal(0.0, RATE_SIGMA, (n, replay.teams))
    scale = area_factor[:, replay.hazard] / luck[:, replay.team]
    return _run(replay, np.tile(ready_plan.clearance_free, (n, 1)), scale, ready)


def simulate_draws(plan: RegistryPlan, draws: int, seed: int = 0,
                   scheduler: str | None = None) -> NDArray[np.float64]:
    """All draws, in chunks on dask (threads, or the distributed scheduler at `scheduler`)."""
    import dask

    chunks = [(k, min(CHUNK, draws - k)) for k in range(0, draws, CHUNK)]
    ready_plan = dask.delayed(prepare(plan))
    tasks = [dask.delayed(_draws)(ready_plan, size, seed * 1_000_003 + k) for k, size in chunks]
    if scheduler:
        from distributed import Client

        with Client(scheduler) as client:
            parts = client.compute(tasks, sync=True)
    else:
        parts = dask.compute(*tasks, scheduler="threads")
    return np.vstack(list(parts))


@dataclass
class Forecast:
    """P10 / P50 / P90 release dates: each area, each admin unit, the region."""

    start: date
    draws: int
    winter_stop: bool
    areas: dict[str, dict[str, str]]
    units: dict[str, dict[str, str]]
    region: dict[str, str]
    curve: list[dict[str, Any]]
    """Month by month: area released and the share of risk left (median over draws)."""

    def as_dict(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(), "draws": self.draws,
                "winter_stop": self.winter_stop, "region": self.region, "units": self.units,
                "areas": self.areas, "curve": self.curve}


def summarise(plan: RegistryPlan, days: NDArray[np.float64], units: dict[str, str],
              winter_stop: bool) -> Forecast:
    """Quantiles of release days turned into dates (an area's unit given by `units`)."""
    codes = [h.code for h in plan.clearance_instance.hazards]
    horizon = int(np.nanmax(days, initial=0.0)) + 2
    calendar = working_calendar(plan.start, winter_stop, horizon)

    def dates(values: NDArray[np.float64]) -> dict[str, str]:
        q = np.nanpercentile(values, QUANTILES)
        return {f"p{p}": calendar[min(int(np.ceil(v)), horizon - 1)].isoformat()
                for p, v in zip(QUANTILES, q, strict=True)}

    areas = {c: dates(days[:, j]) for j, c in enumerate(codes)}
    by_unit: dict[str, list[int]] = {}
    for j, c in enumerate(codes):
        by_unit.setdefault(units.get(c) or "(no unit)", []).append(j)
    unit_dates = {u: dates(np.nanmax(days[:, cols], axis=1)) for u, cols in
                  sorted(by_unit.items())}
    return Forecast(plan.start, days.shape[0], winter_stop, areas, unit_dates,
                    dates(np.nanmax(days, axis=1)), _curve(plan, days, calendar))


def _curve(plan: RegistryPlan, days: NDArray[np.float64], calendar: NDArray[Any]
           ) -> list[dict[str, Any]]:
    """Released m2 and the share of risk (planning weight) left, at each month's start, from
    each area's median release day."""
    hazards = plan.clearance_instance.hazards
    median = np.nanmedian(days, axis=0)
    when = np.array([calendar[min(int(np.ceil(d)), len(calendar) - 1)] for d in median],
                    dtype=object)
    area = np.array([h.area_m2 for h in hazards])
    weight = np.array([h.weight for h in hazards])
    out = []
    month = date(plan.start.year, plan.start.month, 1)
    last = max(when, default=plan.start)
    while True:
        done = np.array([d < month for d in when], dtype=bool)
        out.append({"date": month.isoformat(), "released_m2": round(float(area[done].sum()), 1),
                    "risk_left": round(float(weight[~done].sum() / max(weight.sum(), 1e-12)),
                                       4)})
        if month > last:
            return out
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
