"""The clearance planner on generated instances: harm, gap to the lower bound and time of each
method (optimise, and the priority-order and nearest-first baselines), every schedule checked by
the independent checker. Usage:

    .venv/bin/python benchmarks/bench_plan.py [--sizes 1000x50,10000x200] [--seed 1]
        [--time-limit 30] [--scenarios border]

A scenario's instance is the clearance phase that `demine plan` makes of a freshly generated
demonstration region (seed 7): its open areas, weighted by the humanitarian priorities, the
suspected ones after their survey.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from demine.plan.bound import lower_bound
from demine.plan.check import check_schedule
from demine.plan.generate import random_instance
from demine.plan.instance import Instance, parse_instance
from demine.plan.solve import METHODS, plan


def scenario_instance(name: str, folder: str) -> Instance:
    from datetime import date

    from demine.plan.priorities import score_hazards
    from demine.plan.registry import plan_registry
    from demine.sim.world import build_demo
    from demine.store import open_store

    store = open_store(f"sqlite:///{Path(folder) / f'{name}.gpkg'}")
    build_demo(store, 7, scenario=name)
    with store.read() as conn:
        weights = {s.code: s.weight_for_planning for s in score_hazards(conn)}
        made = plan_registry(conn, date(2025, 3, 1), weights, time_limit=1.0)
    store.dispose()
    return made.clearance_instance


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000x50,10000x200")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--scenarios", default="border")
    args = parser.parse_args()
    import tempfile

    folder = tempfile.mkdtemp()
    cases = [(f"`{name}` region", scenario_instance(name, folder))
             for name in args.scenarios.split(",") if name]
    print("| instance | method | harm | gap to bound | vs priority | time |")
    print("|---|---|---:|---:|---:|---:|")
    for size in [s for s in args.sizes.split(",") if s]:
        hazards, teams = (int(v) for v in size.split("x"))
        cases.append((f"{hazards:,} areas / {teams} teams",
                      parse_instance(random_instance(hazards, teams, args.seed), size)))
    for label, instance in cases:
        began = time.perf_counter()
        bound = lower_bound(instance)
        bound_seconds = time.perf_counter() - began
        harms: dict[str, float] = {}
        for method in METHODS:
            result = plan(instance, method, args.time_limit)
            verdict = check_schedule(instance, result.rows)
            if not verdict.feasible:
                raise SystemExit(f"{label} {method}: infeasible: {verdict.problems[:3]}")
            harms[method] = verdict.harm
            against = "" if method == "priority" else \
                f"{1 - verdict.harm / harms.get('priority', verdict.harm):.1%}"
            print(f"| {label} ({len(instance.hazards):,} / {len(instance.teams)}) | {method} | "
                  f"{verdict.harm:,.0f} | "
                  f"{verdict.harm / bound - 1:.1%} | {against} | "
                  f"{result.seconds + bound_seconds:.1f} s |")


if __name__ == "__main__":
    main()
