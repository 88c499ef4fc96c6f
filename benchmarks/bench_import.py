"""Import 100,000 hazard polygons into the embedded store and run `stats` over them.

The reference, measured in the same run on the same polygons, is pyogrio writing them to a
GeoPackage. Each figure is the median of --repeat runs. Usage:

    .venv/bin/python benchmarks/bench_import.py [--count 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely

from demine.io.hazards import read_hazards
from demine.io.releases import read_releases
from demine.stats.landrelease import summary
from demine.store import open_store
from demine.store.imports import import_hazards, import_releases

CATEGORIES = np.array(["AP_MINE", "AT_MINE", "UXO", "PROJECTILE", "AP_MINE,UXO"])


def generate(count: int, seed: int = 7, lon_range: tuple[float, float] = (36.0, 37.4),
             lat_range: tuple[float, float] = (49.8, 50.4)) -> gpd.GeoDataFrame:
    """Star-shaped polygons of 8 to 20 vertices, median about 20,000 m2, along a 100 km strip."""
    rng = np.random.default_rng(seed)
    lon = rng.uniform(*lon_range, count)
    lat = rng.uniform(*lat_range, count)
    radius = rng.lognormal(np.log(80.0), 0.5, count)  # metres; median area about 2e4 m2
    polygons = []
    for x, y, r in zip(lon, lat, radius, strict=True):
        n = int(rng.integers(8, 21))
        angles = (np.arange(n) + rng.uniform(0.0, 0.8, n)) * (2 * np.pi / n)
        radii = r * rng.uniform(0.7, 1.3, n)
        dx = radii * np.cos(angles) / (111_320 * np.cos(np.radians(y)))
        dy = radii * np.sin(angles) / 110_570
        polygons.append(shapely.Polygon(np.column_stack([x + dx, y + dy])))
    start = date(2024, 1, 1)
    return gpd.GeoDataFrame(
        {
            "code": [f"HA-{i + 1:06d}" for i in range(count)],
            "name": [f"Field {i + 1}" for i in range(count)],
            "classification": np.where(rng.random(count) < 0.3, "CHA", "SHA"),
            "contamination": rng.choice(CATEGORIES, count),
            "reported_area_m2": np.round(np.pi * radius**2, -1),
            "date": [(start + timedelta(days=int(d))).isoformat()
                     for d in rng.integers(0, 600, count)],
            "organisation": rng.choice(np.array(["NMAC", "OPS-1", "OPS-2"]), count),
        },
        geometry=polygons,
        crs="EPSG:4326",
    )


def release_halves(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One release per hazard: its west half cleared, drawn as a box that overshoots it."""
    bounds = shapely.bounds(frame.geometry.values)
    mid = (bounds[:, 0] + bounds[:, 2]) / 2
    boxes = shapely.box(bounds[:, 0] - 1e-4, bounds[:, 1] - 1e-4, mid, bounds[:, 3] + 1e-4)
    return gpd.GeoDataFrame(
        {"hazard": frame["code"], "method": "cleared", "date": "2025-06-01",
         "organisation": "OPS-1", "depth_cm": 20},
        geometry=boxes, crs="EPSG:4326",
    )


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run(count: int, repeat: int) -> dict[str, float]:
    frame = generate(count)
    areas = shapely.area(frame.to_crs(frame.estimate_utm_crs()).geometry.values)
    work = Path(tempfile.mkdtemp(prefix="demine-bench-"))
    source = work / "hazards.gpkg"
    pyogrio.write_dataframe(frame, source, layer="hazard_areas")
    released = work / "releases.gpkg"
    pyogrio.write_dataframe(release_halves(frame), released, layer="releases")
    reference, imports, stats, release_imports = [], [], [], []
    for k in range(repeat):
        ref_path = work / f"reference-{k}.gpkg"
        reference.append(timed(lambda p=ref_path: pyogrio.write_dataframe(frame, p)))
        store = open_store(str(work / f"registry-{k}.gpkg"))
        store.init()
        imports.append(timed(lambda s=store: import_hazards(s, read_hazards(source), "bench")))
        with store.read() as conn:
            stats.append(timed(lambda c=conn: summary(c)))
        release_imports.append(timed(
            lambda s=store: import_releases(s, read_releases(released), "bench")))
        store.dispose()
    return {
        "count": count,
        "median_area_m2": float(np.median(areas)),
        "reference_write_s": statistics.median(reference),
        "import_s": statistics.median(imports),
        "ratio": statistics.median(imports) / statistics.median(reference),
        "stats_s": statistics.median(stats),
        "release_import_s": statistics.median(release_imports),
    }


def run_postgis(count: int, repeat: int) -> dict[str, float]:
    """The same hazard import and stats into PostGIS, on a throwaway local cluster."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.postgis import new_database, postgis_cluster

    frame = generate(count)
    source = Path(tempfile.mkdtemp(prefix="demine-bench-")) / "hazards.gpkg"
    pyogrio.write_dataframe(frame, source, layer="hazard_areas")
    imports, stats = [], []
    with postgis_cluster() as admin:
        for k in range(repeat):
            store = open_store(new_database(admin, f"bench{k}"))
            store.init()
            imports.append(timed(lambda s=store: import_hazards(s, read_hazards(source), "b")))
            with store.read() as conn:
                stats.append(timed(lambda c=conn: summary(c)))
            store.dispose()
    return {"count": count, "postgis_import_s": statistics.median(imports),
            "postgis_stats_s": statistics.median(stats)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgis", action="store_true",
                        help="measure the PostGIS store instead (starts a local cluster)")
    args = parser.parse_args()
    if args.postgis:
        print(json.dumps(run_postgis(args.count, args.repeat), indent=2))
        return
    result = run(args.count, args.repeat)
    print(json.dumps(result, indent=2))
    print(f"\n| polygons | pyogrio write (reference) | demine import | ratio | stats "
          f"| releases import (one per hazard) |\n"
          f"|---:|---:|---:|---:|---:|---:|\n"
          f"| {result['count']:,} | {result['reference_write_s']:.2f} s | "
          f"{result['import_s']:.2f} s | {result['ratio']:.2f}x | {result['stats_s']:.2f} s "
          f"| {result['release_import_s']:.2f} s |")


if __name__ == "__main__":
    main()
