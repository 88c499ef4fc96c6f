"""Hot-spot detection by a grid of sampling points (the ELIPGRID problem), computed exactly.

Singer and Wickman's ELIPGRID (Gilbert 1987, ch. 10, with Davidson's corrections at ORNL)
tabulates the chance that a square or triangular grid of points falls on an elliptical target
placed at random. Here the chance is worked out in closed form instead of by their series:

1. Turn and stretch the plane so that the ellipse becomes a circle of radius `semi_major`; the
   grid becomes some other lattice, and every area keeps its ratio to the others.
2. A point of the plane is within the circle of some lattice point exactly when it is within the
   circle of its nearest lattice point, so the chance that the target covers a lattice point is
   the share of one Voronoi cell of the lattice that the circle centred in it covers.
3. After Gauss's reduction of the lattice basis (u, v with u.v >= 0), the Voronoi cell is the
   hexagon bounded by the bisectors of +-u, +-v and +-(v - u); the circle's area inside that
   hexagon is a sum, edge by edge, of triangles and circular sectors.

With random orientation, the chance is averaged over the angle by adaptive Gauss-Legendre
quadrature over the grid's symmetry range (45 degrees square, 30 degrees triangular): the
integrand is smooth between kinks, which thin targets make sharp, so panels are halved where
their 8- and 16-node estimates disagree.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from demine.stats.bounds import largest_reaching, open_unit, positive, shape_ratio

GRIDS = ("square", "triangular")
PANELS, NODES, MAX_SPLITS = 8, 8, 24
TOLERANCE = 2e-6
"""Largest disagreement, per radian of panel, between a panel's two quadrature estimates."""
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(NODES)
_FINE_NODES, _FINE_WEIGHTS = np.polynomial.legendre.leggauss(2 * NODES)
Floats = NDArray[np.float64]


def _basis(grid: str, spacing: float) -> tuple[Floats, Floats]:
    if grid == "square":
        return np.array([spacing, 0.0]), np.array([0.0, spacing])
    if grid == "triangular":
        return np.array([spacing, 0.0]), np.array([spacing / 2, spacing * math.sqrt(3) / 2])
    raise ValueError(f"grid must be one of {', '.join(GRIDS)} (got {grid!r})")


def _reduce(u: Floats, v: Floats) -> tuple[Floats, Floats]:
    """Gauss-Lagrange reduction of bases (rows): |u| <= |v|, 0 <= u.v <= |u|^2 / 2."""
    for _ in range(64):
        swap = np.einsum("ij,ij->i", u, u) > np.einsum("ij,ij->i", v, v)
        u, v = np.where(swap[:, None], v, u), np.where(swap[:, None], u, v)
        m = np.round(np.einsum("ij,ij->i", u, v) / np.einsum("ij,ij->i", u, u))
        if not m.any():
            break
        v = v - m[:, None] * u
    flip = np.einsum("ij,ij->i", u, v) < 0
    return u, np.where(flip[:, None], -v, v)


def _cross(a: Floats, b: Floats) -> Floats:
    return np.asarray(a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0])


def _disk_in_triangle(a: Floats, b: Floats, r: float) -> Floats:
    """Signed area of the disk of radius r at the origin within the triangle (0, a, b)."""
    d = b - a
    qa = np.einsum("...i,...i->...", d, d)
    qb = 2 * np.einsum("...i,...i->...", a, d)
    qc = np.einsum("...i,...i->...", a, a) - r * r
    disc = qb * qb - 4 * qa * qc
    root = np.sqrt(np.maximum(disc, 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        t1 = np.where(disc > 0, (-qb - root) / (2 * qa), 0.0)
        t2 = np.where(disc > 0, (-qb + root) / (2 * qa), 0.0)
    t1, t2 = np.clip(t1, 0, 1), np.clip(t2, 0, 1)
    p1 = a + t1[..., None] * d
    p2 = a + t2[..., None] * d

    def sector(x: Floats, y: Floats) -> Floats:
        return 0.5 * r * r * np.arctan2(_cross(x, y), np.einsum("...i,...i->...", x, y))

    return sector(a, p1) + 0.5 * _cross(p1, p2) + sector(p2, b)


def _coverage(u: Floats, v: Floats, r: float) -> Floats:
    """Share of the plane within r of a lattice point, for each lattice basis (rows of u, v)."""
    u, v = _reduce(u, v)
    relevant = np.stack([u, v, v - u, -u, -v, u - v], axis=1)
    order = np.argsort(np.arctan2(relevant[..., 1], relevant[..., 0]), axis=1)
    w = np.take_along_axis(relevant, order[..., None], axis=1)
    w2 = np.roll(w, -1, axis=1)
    h1 = 0.5 * np.einsum("kij,kij->ki", w, w)
    h2 = 0.5 * np.einsum("kij,kij->ki", w2, w2)
    det = _cross(w, w2)
    vertices = np.stack([(h1 * w2[..., 1] - h2 * w[..., 1]) / det,
                         (w[..., 0] * h2 - w2[..., 0] * h1) / det], axis=-1)
    area = np.abs(_disk_in_triangle(vertices, np.roll(vertices, -1, axis=1), r).sum(axis=1))
    return np.asarray(np.clip(area / np.abs(_cross(u, v)), 0.0, 1.0))


def _at_angles(semi_major: float, shape: float, spacing: float, grid: str,
               theta: Floats) -> Floats:
    """Hit probability for the target's major axis at each angle (radians) to the grid."""
    e1, e2 = _basis(grid, spacing)
    c, s = np.cos(theta)[:, None], np.sin(theta)[:, None]

    def turned(e: Floats) -> Floats:
        return np.hstack([c * e[0] + s * e[1], (-s * e[0] + c * e[1]) / shape])

    return _coverage(turned(e1), turned(e2), semi_major)


def _averaged(semi_major: float, shape: float, spacing: float, grid: str) -> float:
    """The hit probability averaged over the target's orientation, by adaptive quadrature:
    panels whose 8- and 16-node Gauss-Legendre estimates differ are halved until they agree."""
    if shape == 1.0:
        return float(_at_angles(semi_major, 1.0, spacing, grid, np.zeros(1))[0])
    span = math.pi / 4 if grid == "square" else math.pi / 6
    low = np.linspace(0.0, span, PANELS + 1)[:-1]
    width = np.full(PANELS, span / PANELS)
    total = 0.0
    for _ in range(MAX_SPLITS):
        centre, half = low + width / 2, width / 2
        coarse_theta = (centre[:, None] + half[:, None] * _NODES[None, :]).ravel()
        fine_theta = (centre[:, None] + half[:, None] * _FINE_NODES[None, :]).ravel()
        values = _at_angles(semi_major, shape, spacing, grid,
                            np.concatenate([coarse_theta, fine_theta]))
        coarse = (values[: coarse_theta.size].reshape(-1, NODES) * _WEIGHTS).sum(1) * half
        fine = (values[coarse_theta.size:].reshape(-1, 2 * NODES) * _FINE_WEIGHTS).sum(1) * half
        settled = np.abs(fine - coarse) <= TOLERANCE * width
        total += float(fine[settled].sum())
        if settled.all():
            break
        low = np.concatenate([low[~settled], low[~settled] + half[~settled]])
        width = np.concatenate([half[~settled], half[~settled]])
    else:
        total += float(fine[~settled].sum())
    return float(np.clip(total / span, 0.0, 1.0))


def hotspot_detection_probability(semi_major: float, spacing: float, shape: float = 1.0,
                                  grid: str = "square",
                                  orientation: float | None = None) -> float:
    """Probability that a grid of points with `spacing` between neighbours hits an elliptical
    target of `semi_major` axis and `shape` (minor / major), placed uniformly at random, turned
    at random (orientation None) or with its major axis at `orientation` degrees to the grid.

    Formula: the share of a Voronoi cell of the (turned and stretched) lattice inside the
    circle of radius `semi_major` (see the module docstring). Assumptions: a point in the target
    is always detected; the target's centre is uniform over the grid cell. Source: the ELIPGRID
    problem (Singer and Wickman 1969; Gilbert 1987, Statistical Methods for Environmental
    Pollution Monitoring, ch. 10; Davidson, ORNL/TM-13103). A circle of radius spacing / 2 on a
    square grid is hit with probability pi / 4.
    """
    a = positive("semi_major", semi_major)
    g = positive("spacing", spacing)
    q = shape_ratio("shape", shape)
    _basis(grid, g)
    if orientation is not None:
        angle = math.radians(float(orientation))
        if not math.isfinite(angle):
            raise ValueError(f"orientation must be a finite angle in degrees (got {orientation!r})")
        return float(_at_angles(a, q, g, grid, np.array([angle]))[0])
    return _averaged(a, q, g, grid)


def hotspot_spacing(semi_major: float, probability: float, shape: float = 1.0,
                    grid: str = "square") -> float:
    """The largest grid spacing whose points hit the target (random position and orientation)
    with at least `probability`.

    Formula: the root of hotspot_detection_probability(spacing) = probability. The probability
    falls as the spacing grows (a wider grid is the same grid around a smaller target), so the
    root is found by bisection to a relative 1e-10 between a spacing that surely hits and the
    area bound pi a b / cell area. Assumptions and source: those of
    `hotspot_detection_probability` (ELIPGRID; VSP's "grid spacing for a hot spot")."""
    a = positive("semi_major", semi_major)
    wanted = open_unit("probability", probability)
    q = shape_ratio("shape", shape)
    _basis(grid, 1.0)
    cell = 1.0 if grid == "square" else math.sqrt(3) / 2
    return largest_reaching(lambda spacing: _averaged(a, q, spacing, grid), wanted,
                            1e-3 * a * q, math.sqrt(math.pi * a * a * q / (wanted * cell)) * 1.001,
                            1e-10)
