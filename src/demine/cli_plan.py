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
        plan_from_registry(ctx, out, time_limit, horizon_days, preset, start, as_json)
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
                       as_json: bool) -> None:
    """Survey then clearance of the registry's open areas, written as tasks (and a CSV)."""
    from datetime import date

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
        if horizon_days is not None:  # only what starts within the horizon is tasked
            for phase in (result.survey, result.clearance):
                if phase is not None:
                    phase.rows = [r for r in phase.rows if r.start_day < horizon_days]
        if out is not None:
            write_schedule(result.rows, out)
        with store.write() as conn:
            written = write_tasks(store, conn, result, ctx.obj.actor)
    done = max(result.clearance.completion, default=0.0)
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
