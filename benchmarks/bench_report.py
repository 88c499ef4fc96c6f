"""The land-release progress report of the `border` region as PDF (`demine report progress`).

The region is generated with `--seed 7` and simulated for 365 days once; then the whole report,
figures, charts, map, HTML and chromium's PDF, is made `--repeat` times on that registry and the
median is printed on one line. Target: under 20 s. Usage:

    .venv/bin/python benchmarks/bench_report.py [--seed 7] [--days 365] [--repeat 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from demine.report import ReportRequest, make_report
from demine.sim.run import simulate
from demine.sim.world import build_demo
from demine.store import open_store

TARGET_S = 20.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="demine-bench-report-"))
    try:
        store = open_store(str(work / "border.gpkg"))
        build_demo(store, args.seed, actor="bench", scenario="border")
        simulate(store, args.days, actor="bench")
        times, size = [], 0
        for _ in range(args.repeat):
            start = time.perf_counter()
            data = make_report(store, ReportRequest("progress"), "pdf", "bench")
            times.append(time.perf_counter() - start)
            size = len(data)
        store.dispose()
        median = statistics.median(times)
        print(f"progress report of border (seed {args.seed}, {args.days} days) as PDF: median "
              f"{median:.2f} s of {args.repeat} ({', '.join(f'{t:.2f}' for t in times)}), "
              f"{size / 1e6:.2f} MB; target under {TARGET_S:.0f} s: "
              f"{'met' if median < TARGET_S else 'MISSED'}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
