"""Import all 36,527 Colombian landmine events into a new embedded store, through their mapping.

Each run reads the 30 GeoJSON files through the shipped `colombia_events` mapping (`read_events`)
and writes every event to accidents, finds or evidence in one transaction (`import_events`) in a
new GeoPackage. The figure is the median of --repeat runs; the target is under 10 s. Usage:

    .venv/bin/python benchmarks/bench_events.py [DIR] [--repeat 3]

DIR defaults to $DEMINE_COLOMBIA_EVENTS, else /work/shared/data/colombia-events.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from demine.io.events import import_events, read_events
from demine.store import open_store

TARGET_S = 10.0
DEFAULT_DIR = os.environ.get("DEMINE_COLOMBIA_EVENTS", "/work/shared/data/colombia-events")


def run(folder: Path, repeat: int) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="demine-bench-events-"))
    reads, imports, totals = [], [], []
    counts: dict[str, int] = {}
    for k in range(repeat):
        store = open_store(str(work / f"registry-{k}.gpkg"))
        store.init()
        start = time.perf_counter()
        batch = read_events(folder, "colombia_events")
        read = time.perf_counter()
        counts = import_events(store, batch, "bench", str(folder))
        done = time.perf_counter()
        store.dispose()
        if batch.problems:
            raise SystemExit(f"{len(batch.problems)} problem(s) in {folder}")
        reads.append(read - start)
        imports.append(done - read)
        totals.append(done - start)
    return {
        "events": sum(v for k, v in counts.items() if k != "already"),
        "created": counts,
        "read_s": statistics.median(reads),
        "import_s": statistics.median(imports),
        "total_s": statistics.median(totals),
        "runs_s": [round(t, 3) for t in totals],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", nargs="?", default=DEFAULT_DIR)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    result = run(Path(args.folder), args.repeat)
    print(json.dumps(result, indent=2))
    verdict = "within" if result["total_s"] < TARGET_S else "OVER"
    print(f"\n| events | read | import | read + import (median of {args.repeat}) | target |\n"
          f"|---:|---:|---:|---:|---|\n"
          f"| {result['events']:,} | {result['read_s']:.2f} s | {result['import_s']:.2f} s "
          f"| {result['total_s']:.2f} s | under {TARGET_S:g} s ({verdict}) |")


if __name__ == "__main__":
    main()
