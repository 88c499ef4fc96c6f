"""Generating the `border` scenario and simulating 365 days of it, on the embedded store.

Targets: generation under 30 s, 365 days under 60 s. The reference, measured in the same run, is
pyogrio reading the generated registry's hazard areas and writing them to a new GeoPackage, so
that a slow moment of the shared machine shows as a slow reference too.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import pyogrio

from demine.sim.run import RunSummary, simulate
from demine.sim.world import build_demo
from demine.store import open_store


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="demine-bench-sim-"))
    try:
        generate, run, reference = [], [], []
        for k in range(args.repeat):
            path = work / f"border{k}.gpkg"
            store = open_store(str(path))
            generate.append(timed(lambda s=store: build_demo(s, seed=args.seed)))
            store.dispose()
            frame = pyogrio.read_dataframe(path, layer="hazard_areas")
            out = work / f"copy{k}.gpkg"
            reference.append(timed(lambda p=path, o=out: pyogrio.write_dataframe(
                pyogrio.read_dataframe(p, layer="hazard_areas"), o, layer="hazard_areas")))
            store = open_store(str(path))
            summary: list[RunSummary] = []
            run.append(timed(lambda s=store, out=summary: out.append(
                simulate(s, args.days, seed=1))))
            store.dispose()
            print(f"run {k + 1}: generate {generate[-1]:.2f} s ({len(frame)} hazard areas), "
                  f"simulate {args.days} days {run[-1]:.2f} s, reference {reference[-1]:.2f} s")
            print(f"  {summary[0].line()}")
        g, r, ref = (statistics.median(v) for v in (generate, run, reference))
        print(f"median: generate {g:.2f} s (target < 30 s), simulate {args.days} days {r:.2f} s "
              f"(target < 60 s), reference {ref:.2f} s; ratios {g / ref:.1f}x and {r / ref:.1f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
