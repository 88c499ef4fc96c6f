"""`demine plan`: schedules for clearance teams from an instance file, with their harm, the
lower bound and the gap; and the checker for any schedule."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from demine.console import fail, say, user_errors


def plan(
    ctx: typer.Context,
    instance: Annotated[Path | None, typer.Option(
        help="Instance JSON: travel_km_per_day, hazards, teams (see the README).")] = None,
    out: Annotated[Path | None, typer.Option(help="Schedule CSV to write.")] = None,
    method: Annotated[str, typer.Option(help="optimise, priority or nearest.")] = "optimise",
    time_limit: Annotated[float, typer.Option(help="Seconds the optimiser may search.")] = 30.0,
    check: Annotated[Path | None, typer.Option(
        help="Check this schedule CSV against the instance instead of planning.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
    horizon_days: Annotated[int | None, typer.Option(
        help="From the registry: write tasks starting within this many days only.")] = None,
    preset: Annotated[str, typer.Option(
        help="From the registry: priority preset (humanitarian, economic) or a TOML file.")]
    = "humanitarian",
    start: Annotated[str | None, typer.Option(
        help="From the registry: day 0 of the plan (default: the simulation's next day, "
             "else today).")] = None,
    winter_stop: Annotated[bool, typer.Option(
        help="From the registry: teams stand down in December, January and February.")]
    = True,
) -> None:
    """Plan which team clears which hazard area when, minimising expected harm (sum of weight
    x completion day); every plan is checked and reports its gap to a lower bound."""
    from demine.plan.bound import lower_bound
    from demine.plan.check import check_schedule
    from demine.plan.instance import load_instance
    from demine.plan.schedule import read_schedule, write_schedule
    from demine.plan.solve import METHODS
    from demine.plan.solve import plan as make_plan

    if instance is None:
        plan_from_registry(ctx, out, time_limit, horizon_days, preset, start, as_json,
                           winter_stop)
        return
    if method not in METHODS:
        raise fail([f"error: method must be one of {', '.join(METHODS)} (got {method!r})"])
    if time_limit <= 0:
        raise fail([f"error: time_limit must be positive (got {time_limit:g})"])
    with user_errors():
        problem = load_instance(instance)
        if check is not None:
            rows, label, seconds = read_schedule(check), str(check), 0.0
        else:
            result = make_plan(problem, method, time_limit)
            rows, label, seconds = result.rows, method, result.seconds
        verdict = check_schedule(problem, rows)
        if not verdict.feasible:
            raise fail([f"error: {label}: {p}" for p in verdict.problems[:50]])
        bound = lower_bound(problem)
        if check is None and out is not None:
            write_schedule(rows, out)
    gap = verdict.harm / bound - 1 if bound > 0 else 0.0
    figures = {"method": label, "harm": verdict.harm, "lower_bound": bound, "gap": gap,
               "seconds": round(seconds, 3), "rows": len(rows),
               "last_completion_day": max(verdict.completion.values(), default=0.0)}
    if as_json:
        say(json.dumps(figures))
        return
    say(f"{label}: harm {verdict.harm:,.1f} (lower bound {bound:,.1f}, gap {gap:.1%}); "
        f"{len(rows)} rows, last area done on day {figures['last_completion_day']:,.1f}"
        + (f", {seconds:.1f} s" if check is None else ""))
    if check is None and out is not None:
        say(f"schedule written to {out}")


def plan_from_registry(ctx: typer.Context, out: Path | None, time_limit: float,
                       horizon_days: int | None, preset: str, start: str | None,
                       as_json: bool, winter_stop: bool) -> None:
    """Survey then clearance of the registry's open areas, written as tasks (and a CSV), in
    calendar days (the winter stand-down skipped when asked)."""
    from datetime import date

    from demine.plan.calendar import calendar_rows
    from demine.plan.priorities import score_hazards
    from demine.plan.registry import plan_registry, write_tasks
    from demine.plan.schedule import write_schedule

    if horizon_days is not None and horizon_days <= 0:
        raise fail([f"error: horizon_days must be positive (got {horizon_days})"])
    with user_errors():
        day0 = date.fromisoformat(start) if start else _next_day(ctx)
        store = ctx.obj.store()
        with store.read() as conn:
            weights = {s.code: s.weight_for_planning for s in score_hazards(conn, preset)}
            result = plan_registry(conn, day0, weights, time_limit)
        done = 0.0
        for phase in (result.survey, result.clearance):
            if phase is None:
                continue
            phase.rows = calendar_rows(phase.rows, day0, winter_stop)
            if phase is result.clearance:
                done = max((r.end_day for r in phase.rows), default=0.0)
            if horizon_days is not None:  # only what starts within the horizon is tasked
                phase.rows = [r for r in phase.rows if r.start_day < horizon_days]
        if out is not None:
            write_schedule(result.rows, out)
        with store.write() as conn:
            written = write_tasks(store, conn, result, ctx.obj.actor)
    figures = {"start": day0.isoformat(), "areas": len(result.clearance_instance.hazards),
               "surveyed_first": len(result.surveyed_in_plan),
               "left_after_survey": round(result.left_after_survey, 4),
               "harm": result.clearance.harm, "tasks": written, "rows": len(result.rows),
               "last_release_day": float(done)}
    if as_json:
        say(json.dumps(figures))
        return
    say(f"planned {figures['areas']} areas from {day0} ({figures['surveyed_first']} surveyed "
        f"first, {result.left_after_survey:.0%} of their land expected to remain for "
        f"clearance): harm {result.clearance.harm:,.1f}, the last released on day {done:,.0f}; "
        f"{written} tasks written")
    if out is not None:
        say(f"schedule written to {out}")


def _next_day(ctx: typer.Context) -> Any:
    """The simulation's next day when the registry is a simulated region, else today."""
    from datetime import date

    from demine.sim.truthstore import TruthStore, get_state

    store = ctx.obj.store()
    truth = TruthStore(store)
    try:
        if truth.exists():
            with truth.read() as conn:
                return date.fromisoformat(get_state(conn)["next_day"])
    finally:
        truth.dispose()
    return date.today()


def forecast(
    ctx: typer.Context,
    draws: Annotated[int, typer.Option(help="Monte Carlo draws.")] = 1000,
    scheduler: Annotated[str | None, typer.Option(
        help="A dask.distributed scheduler (tcp://host:8786); local threads when left out.")]
    = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the forecast as JSON.")] = False,
    preset: Annotated[str, typer.Option(help="Priority preset of the plan.")] = "humanitarian",
    winter_stop: Annotated[bool, typer.Option(
        help="Teams stand down in December, January and February.")] = True,
    add_teams: Annotated[int, typer.Option(
        help="What-if: also forecast with this many more manual teams.")] = 0,
    what_if_preset: Annotated[str | None, typer.Option(
        help="What-if: also forecast the plan made with this preset's weights.")] = None,
    compare_winter: Annotated[bool, typer.Option(
        help="What-if: also forecast with the other winter setting.")] = False,
    baselines: Annotated[bool, typer.Option(
        help="Also forecast the priority-order and nearest-first plans.")] = False,
    time_limit: Annotated[float, typer.Option(help="Seconds for each plan.")] = 10.0,
    seed: Annotated[int, typer.Option(help="Random seed of the draws.")] = 0,
    start: Annotated[str | None, typer.Option(
        help="Day 0 (default: the simulation's next day, else today).")] = None,
) -> None:
    """P10 / P50 / P90 release dates of each admin unit and the region, from the plan with
    uncertain productivity and survey outcomes; what-if runs side by side."""
    from datetime import date

    from sqlalchemy import select

    from demine.plan.forecast import simulate_draws, summarise
    from demine.plan.priorities import score_hazards
    from demine.plan.registry import plan_registry
    from demine.store.accounts import set_setting
    from demine.store.schema import hazard_areas

    if draws < 1:
        raise fail([f"error: draws must be at least 1 (got {draws})"])
    if add_teams < 0:
        raise fail([f"error: add_teams must be 0 or more (got {add_teams})"])
    runs: list[tuple[str, str, int, bool, str]] = [("plan", preset, 0, winter_stop, "optimise")]
    if add_teams:
        runs.append((f"{add_teams} more manual teams", preset, add_teams, winter_stop,
                     "optimise"))
    if what_if_preset:
        runs.append((f"{what_if_preset} weights", what_if_preset, 0, winter_stop, "optimise"))
    if compare_winter:
        runs.append(("no winter stop" if winter_stop else "winter stop", preset, 0,
                     not winter_stop, "optimise"))
    if baselines:
        runs += [("priority order", preset, 0, winter_stop, "priority"),
                 ("nearest first", preset, 0, winter_stop, "nearest")]
    results = {}
    with user_errors():
        day0 = date.fromisoformat(start) if start else _next_day(ctx)
        store = ctx.obj.store()
        with store.read() as conn:
            units = dict(conn.execute(select(hazard_areas.c.code, hazard_areas.c.location)).all())
            for label, weights_from, extra, winter, method in runs:
                weights = {s.code: s.weight_for_planning
                           for s in score_hazards(conn, weights_from)}
                made = plan_registry(conn, day0, weights, time_limit, extra_teams=extra,
                                     method=method)
                days = simulate_draws(made, draws, seed, scheduler)
                results[label] = summarise(made, days, units, winter)
        set_setting(store, "forecast", json.dumps(
            {k: v.as_dict() for k, v in results.items()}), ctx.obj.actor)
    if as_json:
        base = results.pop("plan").as_dict()
        base["what_if"] = {k: {"region": v.region, "units": v.units} for k, v in results.items()}
        say(json.dumps(base))
        return
    say(f"{draws} draws from {day0}; release dates P10 / P50 / P90")
    for label, result in results.items():
        r = result.region
        say(f"{label:<28} region: {r['p10']} / {r['p50']} / {r['p90']}")
    base_units = results["plan"].units
    for unit, d in base_units.items():
        say(f"  {unit:<26} {d['p10']} / {d['p50']} / {d['p90']}")
