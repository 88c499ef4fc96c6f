"""Casualties over a simulated year of the `border` region under the `priority` policy and the
`optimise` policy, on the same generated region and the same run seed (`demine.sim.evaluate`
runs each on a copy of the world in memory), for several region seeds. Usage:

    .venv/bin/python benchmarks/bench_policies.py [--seeds 1,2,3,4,5] [--days 365]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from demine.sim import evaluate
from demine.sim.world import build_demo
from demine.store import open_store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1,2,3,4,5")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--scenario", default="border")
    args = parser.parse_args()
    print("| region seed | priority: casualties | accidents | optimise: casualties | accidents "
          "| time (both) |")
    print("|---:|---:|---:|---:|---:|---:|")
    totals: dict[str, list[int]] = {"priority": [], "optimise": []}
    with tempfile.TemporaryDirectory() as folder:
        for seed in (int(s) for s in args.seeds.split(",")):
            store = open_store(f"sqlite:///{Path(folder) / f'region{seed}.gpkg'}")
            build_demo(store, seed, scenario=args.scenario)
            began = time.perf_counter()
            cells = []
            for policy in ("priority", "optimise"):
                outcome = evaluate(store, policy, args.days, seed=1)
                hurt = sum(outcome.casualties.values())
                totals[policy].append(hurt)
                cells += [str(hurt), str(outcome.accidents)]
            store.dispose()
            print(f"| {seed} | {' | '.join(cells)} | {time.perf_counter() - began:.0f} s |")
    for policy, values in totals.items():
        print(f"mean casualties, {policy}: {statistics.mean(values):.1f}")


if __name__ == "__main__":
    main()
