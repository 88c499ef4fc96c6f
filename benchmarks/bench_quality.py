"""Run the data quality checks (`demine check`) over 100,000 hazard areas in the embedded store.

The registry: the generated hazard polygons of `bench_import.py` (which overlap at random, as
independent surveys do), one release per hazard (its west half cleared), finds and accidents
scattered over the strip, and a few planted defects (an invalid polygon, a copied hazard, an area
typed in hectares, an orphan release). Building it is not timed; the checks are, as the median
of --repeat runs. Usage:

    .venv/bin/python benchmarks/bench_quality.py [--count 100000] [--repeat 3] [--no-releases]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyogrio
import shapely
from sqlalchemy import update

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_import import generate, release_halves
from demine.io.hazards import read_hazards
from demine.io.releases import read_releases
from demine.model import entities as e
from demine.model.entities import new_id
from demine.model.vocab import OrdnanceCategory
from demine.stats.quality import Finding, run_checks
from demine.store import Store, open_store
from demine.store.base import now_iso
from demine.store.imports import import_hazards, import_releases
from demine.store.records import insert_entities
from demine.store.schema import hazard_areas, releases

TARGET_S = 30.0


def build(work: Path, count: int, with_releases: bool) -> Store:
    """A new embedded store holding the generated registry and its planted defects."""
    frame = generate(count)
    source = work / "hazards.gpkg"
    pyogrio.write_dataframe(frame, source, layer="hazard_areas")
    store = open_store(str(work / "registry.gpkg"))
    store.init()
    import_hazards(store, read_hazards(source), "bench")
    if with_releases:
        released = work / "releases.gpkg"
        pyogrio.write_dataframe(release_halves(frame), released, layer="releases")
        import_releases(store, read_releases(released), "bench")
    scatter_events(store, count // 5, count // 100)
    plant_defects(store, frame.geometry.values[0])
    return store


def scatter_events(store: Store, finds: int, accidents: int, seed: int = 11) -> None:
    """Finds and accidents at random points of the strip, dated over two years."""
    rng = np.random.default_rng(seed)
    start = date(2024, 1, 1)

    def points(n: int) -> list[shapely.Point]:
        return list(shapely.points(rng.uniform(36.0, 37.4, n), rng.uniform(49.8, 50.4, n)))

    def days(n: int) -> list[date]:
        return [start + timedelta(days=int(d)) for d in rng.integers(0, 730, n)]

    with store.write() as conn:
        insert_entities(store, conn, [
            e.Find(code=f"F-{i + 1:06d}", category=OrdnanceCategory.AP_MINE, geometry=p,
                   find_date=d)
            for i, (p, d) in enumerate(zip(points(finds), days(finds), strict=True))
        ], "bench", now_iso())
        insert_entities(store, conn, [
            e.Accident(code=f"ACC-{i + 1:06d}", geometry=p, accident_date=d)
            for i, (p, d) in enumerate(zip(points(accidents), days(accidents), strict=True))
        ], "bench", now_iso())


def plant_defects(store: Store, first: shapely.Geometry) -> None:
    """An invalid polygon, a copy of the first hazard, hectares for m2, an orphan release."""
    now = now_iso()
    stamps = {"created_at": now, "updated_at": now, "created_by": "bench"}
    bowtie = shapely.Polygon([(36.0, 49.7), (36.001, 49.701), (36.001, 49.7), (36.0, 49.701)])
    geoms = store.encode(np.array([bowtie, first, first], dtype=object), multi=True)
    with store.write() as conn:
        conn.execute(hazard_areas.insert(), [
            {"id": new_id(), "code": code, "classification": "SHA", "status": "open",
             "organisation": "NMAC", "area_m2": 0.0, "remaining_area_m2": 0.0, "version": 1,
             "geom": geom, **stamps}
            for code, geom in (("HA-BOWTIE", geoms[0]), ("HA-COPY", geoms[1]))
        ])
        conn.execute(update(hazard_areas).where(hazard_areas.c.code == "HA-000002")
                     .values(reported_area_m2=hazard_areas.c.area_m2 / 10_000))
    with store.engine.connect() as conn:
        raw = conn.connection.driver_connection
        raw.execute("PRAGMA foreign_keys = OFF")  # type: ignore[union-attr]
        with conn.begin():
            conn.execute(releases.insert(), [{
                "id": new_id(), "code": "RL-ORPHAN", "hazard": "HA-GONE", "method": "cleared",
                "area_m2": 0.0, "clipped_m2": 0.0, "geom": geoms[2], **stamps}])
        raw.execute("PRAGMA foreign_keys = ON")  # type: ignore[union-attr]


def timed_checks(store: Store) -> tuple[float, list[Finding]]:
    with store.read() as conn:
        start = time.perf_counter()
        found = run_checks(conn)
        return time.perf_counter() - start, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-releases", action="store_true",
                        help="leave out the release per hazard (quicker to build)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="demine-bench-"))
    started = time.perf_counter()
    store = build(work, args.count, not args.no_releases)
    built = time.perf_counter() - started
    runs = [timed_checks(store) for _ in range(args.repeat)]
    store.dispose()
    seconds = [s for s, _ in runs]
    found = runs[0][1]
    planted = {(f.check, f.record) for f in found} & {
        ("invalid_geometry", "HA-BOWTIE"), ("duplicate", "HA-COPY"),
        ("unit_confusion", "HA-000002"), ("orphan", "RL-ORPHAN")}
    result = {
        "hazard_areas": args.count, "build_s": round(built, 2),
        "check_s": [round(s, 2) for s in seconds], "median_check_s": statistics.median(seconds),
        "findings": dict(Counter(f.check for f in found)), "planted_found": len(planted),
    }
    print(json.dumps(result, indent=2))
    print(f"\n| hazard areas | `demine check` (median of {args.repeat}) | target |\n"
          f"|---:|---:|---|\n"
          f"| {args.count:,} | {result['median_check_s']:.2f} s | under {TARGET_S:.0f} s |")


if __name__ == "__main__":
    main()
