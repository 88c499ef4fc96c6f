"""Survey design statistics against closed forms, the standard's tables and Monte Carlo.

Monte Carlo checks draw a fixed number of seeded cases and allow 4.5 standard errors, so a
correct formula fails about once in 150,000 runs and a wrong one by a few percent fails always.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from shapely import affinity

from demine.stats import (
    Plan,
    acceptance_probability,
    hotspot_detection_probability,
    hotspot_spacing,
    iso2859_plan,
    posterior_contamination,
    transect_spacing,
    transect_traverse_probability,
    uxo_fraction_needed,
    uxo_upper_bound,
    zero_failure_sample_size,
)

Z = 4.5


def agrees(exact: float, hits: np.ndarray) -> None:
    """The exact probability within Z standard errors of the share of `hits`."""
    share = float(np.mean(hits))
    error = math.sqrt(max(exact * (1 - exact), 1e-12) / hits.size)
    assert abs(exact - share) <= Z * error + 1e-12, (exact, share, error)


def grid_hits(semi_major: float, shape: float, spacing: float, grid: str,
              orientation: float | None, draws: int, seed: int) -> np.ndarray:
    """Drop the ellipse at random on the grid and look for a grid point inside it."""
    rng = np.random.default_rng(seed)
    e1 = np.array([spacing, 0.0])
    e2 = np.array([0.0, spacing]) if grid == "square" else \
        np.array([spacing / 2, spacing * math.sqrt(3) / 2])
    centres = rng.random(draws)[:, None] * e1 + rng.random(draws)[:, None] * e2
    angle = rng.random(draws) * math.pi if orientation is None else \
        np.full(draws, math.radians(orientation))
    reach = math.ceil(semi_major / spacing * 2) + 2
    hit = np.zeros(draws, dtype=bool)
    b = semi_major * shape
    for i in range(-reach, reach + 1):
        for j in range(-reach, reach + 1):
            d = i * e1 + j * e2 - centres
            x = d[:, 0] * np.cos(angle) + d[:, 1] * np.sin(angle)
            y = -d[:, 0] * np.sin(angle) + d[:, 1] * np.cos(angle)
            hit |= (x / semi_major) ** 2 + (y / b) ** 2 <= 1
    return hit


def test_hotspot_closed_forms() -> None:
    assert hotspot_detection_probability(5, 10) == pytest.approx(math.pi / 4, abs=1e-12)
    assert hotspot_detection_probability(3, 10) == pytest.approx(math.pi * 9 / 100, abs=1e-12)
    assert hotspot_detection_probability(3, 10, grid="triangular") == pytest.approx(
        math.pi * 9 / (100 * math.sqrt(3) / 2), abs=1e-12)
    assert hotspot_detection_probability(10 / math.sqrt(2) + 1e-9, 10) == 1.0
    assert hotspot_detection_probability(10 / math.sqrt(3) + 1e-9, 10, grid="triangular") == 1.0
    # a target too small to reach two grid points: its area over the cell, at any angle
    for orientation in (None, 0, 17, 45, 90):
        assert hotspot_detection_probability(4, 10, 0.5, orientation=orientation) == \
            pytest.approx(math.pi * 4 * 2 / 100, abs=1e-12)
    # a circle does not care about its orientation
    assert hotspot_detection_probability(6, 10, orientation=33) == \
        pytest.approx(hotspot_detection_probability(6, 10), abs=1e-12)


@pytest.mark.parametrize(("semi_major", "spacing", "shape", "grid", "orientation"), [
    (10, 20, 0.5, "square", None),
    (10, 20, 0.5, "triangular", None),
    (10, 12, 0.2, "square", None),
    (10, 12, 0.2, "square", 30),
    (8, 11, 0.7, "triangular", 10),
    (3, 4, 0.1, "square", None),
    (7, 9, 1.0, "triangular", None),
    (10, 3, 0.02, "triangular", None),
])
def test_hotspot_against_monte_carlo(semi_major: float, spacing: float, shape: float,
                                     grid: str, orientation: float | None) -> None:
    exact = hotspot_detection_probability(semi_major, spacing, shape, grid, orientation)
    agrees(exact, grid_hits(semi_major, shape, spacing, grid, orientation, 200_000, seed=7))


def test_hotspot_spacing_is_the_inverse() -> None:
    assert hotspot_spacing(5, math.pi / 4) == pytest.approx(10, rel=1e-8)
    for shape, grid, p in ((0.5, "square", 0.9), (0.3, "triangular", 0.5), (1.0, "square", 0.2)):
        spacing = hotspot_spacing(10, p, shape, grid)
        assert hotspot_detection_probability(10, spacing, shape, grid) >= p
        assert hotspot_detection_probability(10, spacing * 1.001, shape, grid) < p


def ellipse(x: float, y: float, a: float, b: float, degrees: float) -> shapely.Polygon:
    circle = shapely.Point(0, 0).buffer(1.0, quad_segs=64)
    return affinity.translate(affinity.rotate(affinity.scale(circle, a, b), degrees), x, y)


def test_transects_against_geometry() -> None:
    assert transect_traverse_probability(25, 25, 1.5, 60) == pytest.approx(51.5 / 60, abs=1e-12)
    assert transect_traverse_probability(25, 25, 1.5, 40) == 1.0
    a, b, swath, spacing = 50.0, 10.0, 2.0, 100.0
    exact = transect_traverse_probability(a, b, swath, spacing)
    rng = np.random.default_rng(3)
    draws = 20_000
    lanes = shapely.union_all([shapely.box(-1000, k * spacing - swath / 2, 1000,
                                           k * spacing + swath / 2) for k in range(-3, 5)])
    targets = [ellipse(0, y, a, b, d) for y, d in
               zip(rng.random(draws) * spacing, rng.random(draws) * 180, strict=True)]
    agrees(exact, shapely.intersects(np.array(targets), lanes))


def test_transect_spacing_is_the_inverse() -> None:
    assert transect_spacing(25, 25, 1.5, 0.95) == pytest.approx(51.5 / 0.95, rel=1e-10)
    spacing = transect_spacing(50, 10, 2, 0.8)
    assert transect_traverse_probability(50, 10, 2, spacing) == pytest.approx(0.8, abs=1e-9)


# ISO 2859-1 Table 1 and Table 2-A (normal inspection, single sampling); arrows resolved
PLANS = [
    ((1000, 1.0, "II"), Plan("J", 80, 2, 3)),
    ((1000, 0.65, "II"), Plan("J", 80, 1, 2)),
    ((1000, 2.5, "I"), Plan("G", 32, 2, 3)),
    ((1000, 2.5, "III"), Plan("K", 125, 7, 8)),
    ((500, 1.0, "II"), Plan("H", 50, 1, 2)),
    ((100, 0.4, "II"), Plan("G", 32, 0, 1)),       # arrow down
    ((3000, 0.1, "II"), Plan("K", 125, 0, 1)),
    ((3000, 0.15, "II"), Plan("J", 80, 0, 1)),     # arrow up
    ((3000, 0.25, "II"), Plan("L", 200, 1, 2)),    # arrow down
    ((5, 10, "II"), Plan("C", 5, 1, 2)),           # first row: down twice
    ((2, 0.010, "II"), Plan("Q", 1250, 0, 1)),
    ((600_000, 0.015, "III"), Plan("P", 800, 0, 1)),  # last row: up
    ((50, 1000, "II"), Plan("B", 3, 44, 45)),
    ((200_000, 100, "II"), Plan("E", 13, 21, 22)),
    ((10_000, 4.0, "II"), Plan("L", 200, 14, 15)),
    ((40, 6.5, "S-2"), Plan("A", 2, 0, 1)),
]


@pytest.mark.parametrize(("arguments", "plan"), PLANS)
def test_iso2859_plans(arguments: tuple[int, float, str], plan: Plan) -> None:
    assert iso2859_plan(*arguments) == plan


def test_acceptance_probability_against_monte_carlo() -> None:
    rng = np.random.default_rng(11)
    for n, ac, p in ((80, 2, 0.02), (125, 0, 0.005), (13, 1, 0.1)):
        defects = rng.binomial(n, p, 200_000)
        agrees(acceptance_probability(n, ac, p), defects <= ac)
    lot, n, ac, p = 400, 50, 1, 0.02
    defects = rng.hypergeometric(round(p * lot), lot - round(p * lot), n, 200_000)
    agrees(acceptance_probability(n, ac, p, lot_size=lot), defects <= ac)
    assert acceptance_probability(80, 2, 0.0) == 1.0
    assert acceptance_probability(80, 2, 1.0) == 0.0


def test_zero_failure_sample_sizes() -> None:
    assert zero_failure_sample_size(0.01, 0.95) == 299
    assert zero_failure_sample_size(0.05, 0.95) == 59
    assert zero_failure_sample_size(0.1, 0.9) == 22
    for p, c, lot in ((0.01, 0.95, 100), (0.05, 0.9, 60), (0.02, 0.99, 1000)):
        n = zero_failure_sample_size(p, c, lot)
        bad = math.floor(p * lot) + 1
        assert math.comb(lot - bad, n) / math.comb(lot, n) <= 1 - c
        assert math.comb(lot - bad, n - 1) / math.comb(lot, n - 1) > 1 - c
    assert zero_failure_sample_size(0.01, 0.95, 100) == 78
    rng = np.random.default_rng(5)
    found = rng.hypergeometric(2, 98, 78, 200_000)
    agrees(math.comb(98, 78) / math.comb(100, 78), found == 0)


def test_uxo_bounds() -> None:
    assert uxo_fraction_needed(0, 0.95) == pytest.approx(0.95)
    assert uxo_fraction_needed(4, 0.95) == pytest.approx(1 - 0.05 ** 0.2)
    assert uxo_upper_bound(0.5, 0.95) == 4
    assert uxo_upper_bound(1.0, 0.95) == 0
    for items in range(0, 30, 3):
        assert uxo_upper_bound(uxo_fraction_needed(items, 0.9) + 1e-12, 0.9) <= items
    # the model itself: N uniform on 0..200, each item searched with probability f, none found
    rng = np.random.default_rng(9)
    f, confidence = 0.3, 0.9
    n = rng.integers(0, 201, 400_000)
    quiet = rng.binomial(n, f) == 0
    bound = uxo_upper_bound(f, confidence)
    assert np.mean(n[quiet] <= bound) >= confidence - Z * math.sqrt(0.09 / quiet.sum())
    assert np.mean(n[quiet] <= bound - 1) < confidence


def test_posterior_contamination() -> None:
    assert posterior_contamination(0.5, [0.9, 0.9]) == pytest.approx(0.005 / 0.505)
    assert posterior_contamination(0.3, []) == pytest.approx(0.3)
    assert posterior_contamination(0.3, [1.0]) == 0.0
    rng = np.random.default_rng(2)
    draws = 400_000
    contaminated = rng.random(draws) < 0.4
    found = contaminated & ((rng.random(draws) < 0.8) | (rng.random(draws) < 0.5))
    agrees(posterior_contamination(0.4, [0.8, 0.5]), contaminated[~found])


@pytest.mark.parametrize(("call", "words"), [
    (lambda: hotspot_detection_probability(0, 10), "semi_major must be positive"),
    (lambda: hotspot_detection_probability(5, -1), "spacing must be positive"),
    (lambda: hotspot_detection_probability(5, 10, shape=1.5), "shape must be in (0, 1]"),
    (lambda: hotspot_detection_probability(5, 10, grid="hexagonal"), "grid must be one of"),
    (lambda: hotspot_spacing(5, 1.0), "probability must be in (0, 1)"),
    (lambda: transect_traverse_probability(5, 6, 1, 10), "semi_minor must be in (0, semi_major]"),
    (lambda: transect_spacing(5, 5, 0, 0.9), "swath_width must be positive"),
    (lambda: zero_failure_sample_size(0, 0.95), "p must be in (0, 1)"),
    (lambda: zero_failure_sample_size(0.01, 1.2), "confidence must be in (0, 1)"),
    (lambda: zero_failure_sample_size(0.01, 0.9, lot_size=1),
     "lot_size must be a whole number >= 2"),
    (lambda: iso2859_plan(1000, 0.7), "aql must be one of the ISO 2859-1 series"),
    (lambda: iso2859_plan(1, 1.0), "lot_size must be a whole number >= 2"),
    (lambda: iso2859_plan(100, 1.0, level="IV"), "level must be one of"),
    (lambda: acceptance_probability(80, 2, 1.5), "p must be in [0, 1]"),
    (lambda: uxo_fraction_needed(-1, 0.9), "max_items must be a whole number >= 0"),
    (lambda: uxo_upper_bound(0, 0.9), "fraction_surveyed must be in (0, 1]"),
    (lambda: posterior_contamination(1.2, [0.5]), "prior must be in [0, 1]"),
    (lambda: posterior_contamination(0.5, [0.5, -0.1]), "detection_probabilities[1]"),
])
def test_bad_arguments(call: object, words: str) -> None:
    with pytest.raises(ValueError) as caught:
        call()  # type: ignore[operator]
    assert words in str(caught.value)
