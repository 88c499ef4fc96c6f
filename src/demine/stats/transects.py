"""Parallel survey lanes crossing an elliptical target area (the Visual Sample Plan transect
question), computed exactly.

A lane of swath width w, with centre lines `spacing` apart, crosses a target whose extent across
the lanes is W exactly when the target's centre lies within (W + w) / 2 of a centre line: with
the centre uniform across the lanes, that happens with probability min(1, (W + w) / spacing).
An ellipse of semi-axes a and b whose major axis makes the angle phi with the lanes extends
W(phi) = 2 sqrt(a^2 sin^2 phi + b^2 cos^2 phi) across them. The orientation being uniform, the
probability is the mean of min(1, (W(phi) + w) / spacing) over phi in [0, pi/2], integrated by
64-node Gauss-Legendre quadrature up to the angle where lanes start to cross it surely (the
integrand is analytic there, so the result is exact to rounding).
"""

from __future__ import annotations

import math

import numpy as np

from demine.stats.bounds import largest_reaching, open_unit, positive

_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(64)


def _axes(semi_major: float, semi_minor: float) -> tuple[float, float]:
    a = positive("semi_major", semi_major)
    b = positive("semi_minor", semi_minor)
    if b > a:
        raise ValueError(f"semi_minor must be in (0, semi_major] = (0, {a:g}] (got {b:g})")
    return a, b


def _probability(a: float, b: float, w: float, spacing: float) -> float:
    reach = spacing - w  # the target extent across the lanes from which every lane arrangement hits
    if reach <= 2 * b:
        return 1.0
    if reach >= 2 * a:
        sure = math.pi / 2
    else:
        sure = math.asin(math.sqrt(((reach / 2) ** 2 - b * b) / (a * a - b * b)))
    phi = sure / 2 * (_NODES + 1)
    width = 2 * np.sqrt(a * a * np.sin(phi) ** 2 + b * b * np.cos(phi) ** 2)
    partial = float((_WEIGHTS * (width + w) / spacing).sum() * sure / 2)
    return min(1.0, (partial + (math.pi / 2 - sure)) / (math.pi / 2))


def transect_traverse_probability(semi_major: float, semi_minor: float, swath_width: float,
                                  spacing: float) -> float:
    """Probability that parallel lanes of `swath_width`, `spacing` apart centre to centre,
    cross an elliptical target area of the given semi-axes placed and turned at random.

    Formula: mean over phi in [0, pi/2] of min(1, (2 sqrt(a^2 sin^2 phi + b^2 cos^2 phi) + w)
    / spacing) (see the module docstring). Assumptions: the lanes are straight, parallel and
    longer than the area; a lane that crosses the target counts whether or not it detects it.
    Source: Visual Sample Plan (PNNL), UXO transect design, "probability of traversing"; for a
    circle of radius r it is min(1, (2 r + w) / spacing)."""
    a, b = _axes(semi_major, semi_minor)
    return _probability(a, b, positive("swath_width", swath_width), positive("spacing", spacing))


def transect_spacing(semi_major: float, semi_minor: float, swath_width: float,
                     probability: float) -> float:
    """The largest lane spacing (centre to centre) at which lanes of `swath_width` cross the
    target with at least `probability`.

    Formula: the root of transect_traverse_probability(spacing) = probability, by bisection to
    a relative 1e-12 (the probability falls as the spacing grows); for a circle of radius r it
    is (2 r + w) / probability. Assumptions and source: those of
    `transect_traverse_probability` (Visual Sample Plan, UXO transect spacing)."""
    a, b = _axes(semi_major, semi_minor)
    w = positive("swath_width", swath_width)
    wanted = open_unit("probability", probability)
    return largest_reaching(lambda spacing: _probability(a, b, w, spacing), wanted,
                            w + 2 * b, (w + 2 * a) / wanted * 1.001, 1e-12)
