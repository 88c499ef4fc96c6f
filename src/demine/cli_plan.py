"""`demine plan`: schedules for clearance teams from an instance file, with their harm, the
lower bound and the gap; and the checker for any schedule."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from demine.console import fail, say, user_errors


def plan(
    instance: Annotated[Path | None, typer.Option(
        help="Instance JSON: travel_km_per_day, hazards, teams (see the README).")] = None,
    out: Annotated[Path | None, typer.Option(help="Schedule CSV to write.")] = None,
    method: Annotated[str, typer.Option(help="optimise, priority or nearest.")] = "optimise",
    time_limit: Annotated[float, typer.Option(help="Seconds the optimiser may search.")] = 30.0,
    check: Annotated[Path | None, typer.Option(
        help="Check this schedule CSV against the instance instead of planning.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
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
        raise fail(["error: planning from the registry is not available yet: give --instance "
                    "FILE.json"])
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
