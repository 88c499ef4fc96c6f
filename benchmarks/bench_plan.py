"""The clearance planner on generated instances: harm, gap to the lower bound and time of each
method (optimise, and the priority-order and nearest-first baselines), every schedule checked by
the independent checker. Usage:

    .venv/bin/python benchmarks/bench_plan.py [--sizes 1000x50,10000x200] [--seed 1]
        [--time-limit 30]
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
from demine.plan.instance import parse_instance
from demine.plan.solve import METHODS, plan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000x50,10000x200")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=30.0)
    args = parser.parse_args()
    print("| instance | method | harm | gap to bound | vs priority | time |")
    print("|---|---|---:|---:|---:|---:|")
    for size in args.sizes.split(","):
        hazards, teams = (int(v) for v in size.split("x"))
        instance = parse_instance(random_instance(hazards, teams, args.seed), size)
        began = time.perf_counter()
        bound = lower_bound(instance)
        bound_seconds = time.perf_counter() - began
        harms: dict[str, float] = {}
        for method in METHODS:
            result = plan(instance, method, args.time_limit)
            verdict = check_schedule(instance, result.rows)
            if not verdict.feasible:
                raise SystemExit(f"{size} {method}: infeasible: {verdict.problems[:3]}")
            harms[method] = verdict.harm
            against = "" if method == "priority" else \
                f"{1 - verdict.harm / harms.get('priority', verdict.harm):.1%}"
            print(f"| {hazards:,} areas / {teams} teams | {method} | {verdict.harm:,.0f} | "
                  f"{verdict.harm / bound - 1:.1%} | {against} | "
                  f"{result.seconds + bound_seconds:.1f} s |")


if __name__ == "__main__":
    main()
