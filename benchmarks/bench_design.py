"""Evaluations per second of the ELIPGRID hit probability (`hotspot_detection_probability`).

Inputs are drawn at random as a survey planner would try them: semi-major axis 1 to 50 m,
spacing 0.5 to 4 times it, shape 0.1 to 1, square or triangular grid, random orientation (the
default) or a fixed one. Thin targets (shape 0.01 to 0.05) are timed apart: their probability
over the angle has many sharp kinks, which the adaptive quadrature follows with more panels.
The reference, measured in the same run on the same inputs, is a Monte Carlo estimate with
10,000 random drops of the target per evaluation (standard error about 0.005, fifty times the
1e-4 the exact method keeps). Usage:

    .venv/bin/python benchmarks/bench_design.py [--count 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from demine.stats import hotspot_detection_probability


def inputs(count: int, seed: int, thin: bool = False) -> list[tuple[float, float, float, str]]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        a = float(rng.uniform(1, 50))
        shape = float(rng.uniform(0.01, 0.05) if thin else rng.uniform(0.1, 1.0))
        out.append((a, a * float(rng.uniform(0.5, 4)), shape,
                    "square" if rng.random() < 0.5 else "triangular"))
    return out


def monte_carlo(a: float, spacing: float, shape: float, grid: str, rng: np.random.Generator,
                draws: int = 10_000) -> float:
    e1 = np.array([spacing, 0.0])
    e2 = np.array([0.0, spacing]) if grid == "square" else \
        np.array([spacing / 2, spacing * math.sqrt(3) / 2])
    centres = rng.random(draws)[:, None] * e1 + rng.random(draws)[:, None] * e2
    angle = rng.random(draws) * math.pi
    cos, sin = np.cos(angle), np.sin(angle)
    reach = math.ceil(a / spacing * 2) + 1
    hit = np.zeros(draws, dtype=bool)
    for i in range(-reach, reach + 1):
        for j in range(-reach, reach + 1):
            d = i * e1 + j * e2 - centres
            x, y = d[:, 0] * cos + d[:, 1] * sin, -d[:, 0] * sin + d[:, 1] * cos
            hit |= (x / a) ** 2 + (y / (a * shape)) ** 2 <= 1
    return float(hit.mean())


def rate(calls: list[tuple[float, float, float, str]], orientation: float | None) -> float:
    start = time.perf_counter()
    for a, spacing, shape, grid in calls:
        hotspot_detection_probability(a, spacing, shape, grid, orientation)
    return len(calls) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    typical, thin = inputs(args.count, 1), inputs(max(20, args.count // 20), 2, thin=True)
    reference = typical[: max(20, args.count // 20)]
    rows: dict[str, list[float]] = {"random": [], "fixed": [], "thin": [], "reference": []}
    for run in range(args.repeat):
        rows["random"].append(rate(typical, None))
        rows["fixed"].append(rate(typical, 30.0))
        rows["thin"].append(rate(thin, None))
        rng = np.random.default_rng(run)
        start = time.perf_counter()
        for a, spacing, shape, grid in reference:
            monte_carlo(a, spacing, shape, grid, rng)
        rows["reference"].append(len(reference) / (time.perf_counter() - start))
    medians = {k: statistics.median(v) for k, v in rows.items()}
    print(f"evaluations per second, median of {args.repeat}:")
    print(f"  random orientation (shape 0.1-1): {medians['random']:,.0f}")
    print(f"  fixed orientation:                {medians['fixed']:,.0f}")
    print(f"  thin targets (shape 0.01-0.05):   {medians['thin']:,.0f}")
    print(f"  Monte Carlo, 10,000 drops:        {medians['reference']:,.0f}")
    print(f"  ratio exact / Monte Carlo:        {medians['random'] / medians['reference']:.1f}x")


if __name__ == "__main__":
    main()
