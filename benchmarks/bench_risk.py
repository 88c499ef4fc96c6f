"""The contamination risk model: left-out-municipality skill on the shared RELand grid (with and
without evidence features from the Colombian events), scoring 10 million cells on dask, and the
`border` region's risk map scored against its ground truth. Usage:

    .venv/bin/python benchmarks/bench_risk.py [--cells 10000000] [--skip-reland] [--skip-border]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from demine.risk.attach import EvidenceSource
from demine.risk.model import Scorer, Settings, load_model, train
from demine.risk.scale import PARTITION_ROWS, score_loaded

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
RELAND = SHARED / "reland-colombia" / "grid_features_labels.csv"
EVENTS = SHARED / "colombia-events"


def reland(folder: Path) -> Path:
    print("| RELand, 19 municipalities, left out one at a time | model | ROC AUC | PR AUC | "
          "Brier | top 10 % | top 20 % | top 30 % | time |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    evidence = EvidenceSource(EVENTS, lon="LONGITUD_X", lat="LATITUD_Y")
    for label, source in (("table features", None), ("+ evidence features", evidence)):
        out = folder / ("plain" if source is None else "evidence")
        report = train(RELAND, "mines_outcome", "Municipio", out, ["geometry"], Settings(),
                       source)
        for model in ("lightgbm", "logistic"):
            m = report["validation"][model]
            top = m["top_share"]
            print(f"| {label} | {model} | {m['roc_auc']:.3f} | {m['pr_auc']:.3f} | "
                  f"{m['brier']:.3f} | {top['top_10']:.1%} | {top['top_20']:.1%} | "
                  f"{top['top_30']:.1%} | {report['seconds']:.0f} s |")
    return folder / "evidence"


class Cells:
    """Partition k of a synthetic national grid: RELand rows drawn again with a little noise,
    made inside the partition's own task so that only a few are in memory at once."""

    def __init__(self, base: np.ndarray, rows: int):
        self.base, self.rows = base.astype(np.float32), rows
        self.scale = (np.nanstd(base, axis=0) * 0.05).astype(np.float32)

    def __call__(self, k: int) -> np.ndarray:
        rng = np.random.default_rng(k)
        picked = self.base[rng.integers(0, len(self.base), self.rows)]
        picked += rng.standard_normal(size=picked.shape, dtype=np.float32) * self.scale
        return picked


def national(model_dir: Path, cells: int) -> None:
    import pandas as pd

    from demine.risk.attach import prediction_features

    model = load_model(model_dir)
    table = pd.read_csv(RELAND)
    frame = pd.concat([table, prediction_features(RELAND, table, EvidenceSource(
        EVENTS, lon="LONGITUD_X", lat="LATITUD_Y"))], axis=1)
    base = frame[model.features].apply(pd.to_numeric, errors="coerce").to_numpy(float)
    scorer = Scorer(model.booster, model.platt)
    load = Cells(base, PARTITION_ROWS)
    one = load(0)
    began = time.perf_counter()
    scorer(one)
    single = time.perf_counter() - began
    parts = -(-cells // PARTITION_ROWS)
    began = time.perf_counter()
    scores = score_loaded(scorer, load, parts)
    seconds = time.perf_counter() - began
    assert len(scores) == parts * PARTITION_ROWS and np.isfinite(scores).all()
    print(f"\n{len(scores):,} cells ({len(model.features)} features, "
          f"{model.booster.num_trees()} trees), {parts} partitions on dask threads: "
          f"{seconds:.1f} s ({len(scores) / seconds:,.0f} cells/s); one partition made and "
          f"scored in one thread, in the same run: {single:.2f} s, so "
          f"{single * parts / seconds:.2f} times that pace")


def border(folder: Path) -> None:
    from demine.risk.registry import build_risk_map
    from demine.risk.truth import score_against_truth
    from demine.sim.world import build_demo
    from demine.store import open_store

    store = open_store(f"sqlite:///{folder / 'border.gpkg'}")
    build_demo(store, 7, scenario="border")
    began = time.perf_counter()
    with store.read() as conn:
        made = build_risk_map(conn, date(2025, 3, 1))
    seconds = time.perf_counter() - began
    truth = score_against_truth(store, made)
    store.dispose()
    assert truth is not None
    v = made.report["validation"]["lightgbm"]
    searched = truth["survey"]["km2_searched_for_90pct"]
    print(f"\n`border` (seed 7), map as of 2025-03-01: {len(made.grid):,} cells of 250 m in "
          f"{seconds:.1f} s; left-out-district ROC AUC {v['roc_auc']:.3f} (registry labels); "
          f"against the truth: ROC AUC {truth['all_cells']['roc_auc']:.3f} over all cells, "
          f"{truth['suspected_land']['roc_auc']:.3f} within suspected land; survey to find 90 % "
          f"of the {truth['survey']['contaminated_cells_in_suspected_land']} contaminated cells "
          f"of {truth['survey']['suspected_land_km2']:.1f} km2 of suspected land: by risk "
          f"{searched['by_risk']:.1f} km2, by recorded priority {searched['by_priority']:.1f}, "
          f"at random {searched['random_median']:.1f}, knowing the truth {searched['ideal']:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=10_000_000)
    parser.add_argument("--skip-reland", action="store_true")
    parser.add_argument("--skip-border", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    if args.skip_reland:
        model_dir = folder / "evidence"
        train(RELAND, "mines_outcome", "Municipio", model_dir, ["geometry"], Settings(),
              EvidenceSource(EVENTS, lon="LONGITUD_X", lat="LATITUD_Y"))
    else:
        model_dir = reland(folder)
    national(model_dir, args.cells)
    if not args.skip_border:
        border(folder)


if __name__ == "__main__":
    main()
