"""The fluid relaxation of the clearance problem, a linear programme whose optimum is a lower
bound on the harm of every schedule (`fluid_bound`).

Why it is a bound. Take any feasible schedule. Charge to each area j its work a_j plus t_j, a
share of the travel that reaches it (`bound._arrival_work`), so p_j = a_j + t_j of some team's
capacity is used on j within [0, C_j], at a total rate no higher than R_j, the summed rate of
the teams that may work j. Let f_j(t) be the share of p_j not yet used at time t, and
M_j = integral of f_j(t) dt, the mean time of that use. As the use has density at most R_j and
ends by C_j, C_j >= M_j + p_j / (2 R_j). So the harm is at least
sum_j w_j p_j / (2 R_j) + integral of sum_j w_j f_j(t) dt.

Group the areas into classes of the same team types and (for release days) the same release
interval. Given W, the capacity a class has used by time t, its remaining weight
sum_j w_j f_j(t) is at least h(W), the least remaining weight of a fractional knapsack: the
areas of highest weight per square metre used first (convex, piecewise linear, decreasing).
Over an interval [a, b] the capacity used only grows, so that integral is at least
(b - a) h(W(b)), and ignoring all time after the horizon only lowers it. The capacity a team
type has in an interval is its teams' rates from their first availability (plus their shortest
first trip) on; a class gets work only from the types that may work it, and only from the
interval in which its areas are released (less the arrival travel) on.
Also, within [a, b] W grows no faster than the summed rate rho of the class's teams at work by
b, so for each linear piece alpha - beta W below h, the mean of h over [a, b] is at least
alpha - beta (W(a) + rho (b - a) / 2): a second lower bound on the interval's mean, tighter
when the class gets most of its teams' capacity (in the programme, z is the larger of the two).
The least of sum (b - a) z_c over all such capacity splits is a linear programme
(h_c is the largest of its linear pieces; pieces are added while some are violated: fewer
pieces only lower the optimum), so its optimum plus sum_j w_j p_j / (2 R_j) bounds the harm.
The pooled bound of `bound` is the same with every team allowed on every area; this one keeps
machines and dogs to the areas they may work.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sparse
from numpy.typing import NDArray
from scipy.optimize import linprog

INTERVALS = 320
"""Time steps of the programme: more close the gap to the continuous relaxation, slower."""
SMALL = 2000
"""Up to this many areas, SMALL_INTERVALS time steps (the programme is quick enough)."""
SMALL_INTERVALS = 480
TAIL = 8
"""Of them, coarse intervals past the least time all the work needs (little weight is left)."""
SPACING = 2.0
"""Interval edges go as the square of evenly spaced steps: short intervals early, where most of
the weight is done (the bound holds for any edges; at 1,000 areas this is worth what three
times as many even intervals are)."""
RELEASE_STEPS = 40
"""Release intervals areas are grouped by (release days rounded down: a relaxation)."""
ROUNDS = 12
"""Most rounds of adding violated linear pieces."""
SECONDS = 6.0
"""Time budget: no round begins after it, and a round's solve is stopped at it (its result is
then dropped, the last round's optimum kept: fewer pieces only lower the optimum, so it is a
bound still). The first round may take FIRST_SECONDS more, for without it there is none."""
FIRST_SECONDS = 12.0
SAFETY = 1e-6
"""Relative margin taken off the programme's optimum for the solver's tolerances."""


@dataclass
class Fleetwide:
    """What the bound needs of an instance, per area and per team."""

    weight: NDArray[np.float64]
    work: NDArray[np.float64]
    """Area plus arrival work (m2 of capacity)."""
    release: NDArray[np.float64]
    """Earliest day any capacity may go to the area (release day less its arrival trip)."""
    allowed: NDArray[np.bool_]
    """allowed[j, type]: a team of this type may work area j."""
    rate: NDArray[np.float64]
    start: NDArray[np.float64]
    """Day each team may first work (available, plus its shortest first trip)."""
    kind: NDArray[np.int_]
    """Type index of each team."""


def fluid_bound(fleet: Fleetwide, seconds: float | None = None) -> float:
    """The optimum of the fluid programme plus sum w p / (2 R): a lower bound on the harm. The
    rounds stop after `seconds` (SECONDS unless given; plus FIRST_SECONDS for the first),
    keeping the last optimum; 0 when not even the first round is solved."""
    if not len(fleet.weight):
        return 0.0
    deadline = time.perf_counter() + (SECONDS if seconds is None else seconds)
    scale_w, scale_p = float(fleet.weight.mean()) or 1.0, float(fleet.work.mean())
    reach = fleet.allowed[:, fleet.kind] @ fleet.rate
    spread = float((fleet.weight * fleet.work / (2 * reach)).sum())
    edges = _edges(fleet)
    programme = _Programme(fleet, edges, scale_w, scale_p)
    value = programme.solve(deadline)
    return spread + value * scale_w * (1 - SAFETY) if value is not None else 0.0


def _edges(fleet: Fleetwide) -> NDArray[np.float64]:
    """Interval edges from day 0 to a horizon well past when all work can be done, closer
    together early on (SPACING)."""
    types = fleet.allowed.shape[1]
    rate_of = np.array([fleet.rate[fleet.kind == t].sum() for t in range(types)])
    longest = 0.0
    for mask in range(1, 2 ** types):
        subset = np.array([(mask >> t) & 1 for t in range(types)], dtype=bool)
        inside = ~(fleet.allowed & ~subset).any(axis=1)
        if inside.any() and rate_of[subset].sum() > 0:
            longest = max(longest, float(fleet.work[inside].sum() / rate_of[subset].sum()))
    busy = 1.15 * (float(max(fleet.start.max(), fleet.release.max())) + longest)
    tail = np.linspace(busy, 1.6 * busy, TAIL + 1)[1:]
    intervals = SMALL_INTERVALS if len(fleet.weight) <= SMALL else INTERVALS
    return np.concatenate([busy * np.linspace(0.0, 1.0, intervals - TAIL + 1) ** SPACING, tail])


class _Programme:
    """The linear programme, its classes and their knapsack pieces."""

    def __init__(self, fleet: Fleetwide, edges: NDArray[np.float64], scale_w: float,
                 scale_p: float):
        n = len(edges) - 1
        self.length = np.diff(edges)
        first = np.clip(np.searchsorted(edges, fleet.release, side="right") - 1, 0, n - 1)
        step = max(1, n // RELEASE_STEPS)
        first = (first // step) * step
        keys: dict[tuple[bytes, int], list[int]] = {}
        for j in range(len(fleet.weight)):
            keys.setdefault((fleet.allowed[j].tobytes(), int(first[j])), []).append(j)
        self.classes = [(np.frombuffer(sig, dtype=bool), r0, np.array(js))
                        for (sig, r0), js in keys.items()]
        self.capacity = np.zeros((fleet.allowed.shape[1], n))
        pace = np.zeros((fleet.allowed.shape[1], n))
        for k in range(len(fleet.rate)):
            self.capacity[fleet.kind[k]] += fleet.rate[k] * np.clip(
                edges[1:] - np.maximum(edges[:-1], fleet.start[k]), 0.0, None) / scale_p
            pace[fleet.kind[k]] += np.where(fleet.start[k] < edges[1:], fleet.rate[k], 0.0) / \
                scale_p
        # how far a class's W may rise by an interval's middle: half the interval at the
        # summed rate of the teams of its types at work by the interval's end
        self.ramp = [(pace[sig].sum(axis=0) * self.length / 2)[r0:]
                     for sig, r0, _ in self.classes]
        self.pieces = [self._pieces(fleet.weight[js] / scale_w, fleet.work[js] / scale_p)
                       for _, _, js in self.classes]
        self.totals = [float(fleet.work[js].sum() / scale_p) for _, _, js in self.classes]
        self._layout(n)

    @staticmethod
    def _pieces(weight: NDArray[np.float64], work: NDArray[np.float64]
                ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """h(W) = max_l (alpha_l - beta_l W): Smith's order, each area a linear piece; with the
        work done before each piece begins."""
        order = np.argsort(-(weight / work), kind="stable")
        weight, work = weight[order], work[order]
        before = np.concatenate([[0.0], np.cumsum(work)[:-1]])
        left = weight.sum() - np.concatenate([[0.0], np.cumsum(weight)[:-1]])
        beta = weight / work
        return left + beta * before, beta, before

    def _layout(self, n: int) -> None:
        """Column numbers: per class, its W and z for each interval from its release on, and
        its x per allowed type and interval."""
        self.n = n
        column = 0
        self.w_col, self.z_col, self.x_cols = [], [], []
        for sig, r0, _ in self.classes:
            span = n - r0
            self.w_col.append(column)
            self.z_col.append(column + span)
            column += 2 * span
            cols = {}
            for t in np.flatnonzero(sig):
                cols[int(t)] = column
                column += span
            self.x_cols.append(cols)
        self.columns = column

    def _fixed_rows(self) -> tuple[sparse.csr_matrix, NDArray[np.float64], sparse.csr_matrix]:
        """Flow rows (W_i - W_{i-1} - sum x_i = 0) and capacity rows (sum x <= capacity)."""
        rows, cols, vals = [], [], []
        cap_rows, cap_cols = [], []
        row = 0
        for c, (_, r0, _) in enumerate(self.classes):
            span = self.n - r0
            idx = np.arange(span)
            rows += [row + idx, row + idx[1:]]
            cols += [self.w_col[c] + idx, self.w_col[c] + idx[:-1]]
            vals += [np.ones(span), -np.ones(span - 1)]
            for t, start in self.x_cols[c].items():
                rows.append(row + idx)
                cols.append(start + idx)
                vals.append(-np.ones(span))
                cap_rows.append(t * self.n + r0 + idx)
                cap_cols.append(start + idx)
            row += span
        flow = sparse.csr_matrix((np.concatenate(vals), (np.concatenate(rows),
                                                         np.concatenate(cols))),
                                 shape=(row, self.columns))
        cap_r, cap_c = np.concatenate(cap_rows), np.concatenate(cap_cols)
        capacity = sparse.csr_matrix((np.ones(len(cap_r)), (cap_r, cap_c)),
                                     shape=(self.capacity.size, self.columns))
        return capacity, self.capacity.ravel(), flow

    def solve(self, deadline: float) -> float | None:
        """Least sum of interval length x h(W), adding violated pieces round by round until
        none is violated, ROUNDS or the deadline (None if no round was solved)."""
        capacity, cap_rhs, flow = self._fixed_rows()
        cost = np.zeros(self.columns)
        upper = np.full(self.columns, np.inf)
        constant = 0.0
        for c, (_, r0, _) in enumerate(self.classes):
            alpha, _, _before = self.pieces[c]
            cost[self.z_col[c]:self.z_col[c] + self.n - r0] = self.length[r0:]
            upper[self.w_col[c]:self.w_col[c] + self.n - r0] = self.totals[c]
            constant += float(self.length[:r0].sum() * alpha[0])
        cuts: list[tuple[int, int, int, int]] = [
            (c, i, int(piece), 0) for c, (_, r0, _) in enumerate(self.classes)
            for piece in np.unique(np.linspace(0, len(self.pieces[c][0]) - 1, 4).astype(int))
            for i in range(self.n - r0)]
        value: float | None = None
        for _ in range(ROUNDS):
            left = deadline - time.perf_counter() + (FIRST_SECONDS if value is None else 0.0)
            if left <= 0:
                break
            rows, rhs = self._cut_rows(cuts)
            result = linprog(cost, A_ub=sparse.vstack([capacity, rows], format="csr"),
                             b_ub=np.concatenate([cap_rhs, rhs]), A_eq=flow,
                             b_eq=np.zeros(flow.shape[0]),
                             bounds=np.column_stack([np.zeros(self.columns), upper]),
                             method="highs", options={"time_limit": left})
            if result.status != 0:  # stopped (or failed): only an optimum is a bound
                break
            value = float(result.fun)
            fresh = self._violated(result.x)
            if not fresh:
                break
            cuts += fresh
        return None if value is None else value + constant

    def _cut_rows(self, cuts: list[tuple[int, int, int, int]]
                  ) -> tuple[sparse.csr_matrix, NDArray[np.float64]]:
        """For each (class, interval, piece, kind): -z - beta W <= -alpha at the interval's end
        (kind 0: h at W_i, h decreasing), or -z - beta W_{i-1} <= -alpha + beta ramp (kind 1:
        over the interval W is at most W_{i-1} plus the class's rate times the time since, so
        the mean of h is at least the piece at W_{i-1} + ramp; no W term in a class's first
        interval, where W_{i-1} is 0)."""
        c, i, piece, kind = (np.array(v) for v in zip(*cuts, strict=True))
        alpha = np.array([self.pieces[a][0][b] for a, b in zip(c, piece, strict=True)])
        beta = np.array([self.pieces[a][1][b] for a, b in zip(c, piece, strict=True)])
        ramp = np.array([self.ramp[a][b] if k else 0.0
                         for a, b, k in zip(c, i, kind, strict=True)])
        z = np.array(self.z_col)[c] + i
        w = np.array(self.w_col)[c] + i - kind
        r = np.arange(len(cuts))
        has_w = w >= np.array(self.w_col)[c]
        rows = sparse.csr_matrix((np.concatenate([-np.ones(len(r)), -beta[has_w]]),
                                  (np.concatenate([r, r[has_w]]),
                                   np.concatenate([z, w[has_w]]))),
                                 shape=(len(cuts), self.columns))
        return rows, -alpha + beta * ramp

    def _violated(self, x: NDArray[np.float64]) -> list[tuple[int, int, int, int]]:
        """The piece that h is on where z lies below it, at each class's W at the interval's
        end or (if lower) at W at its start plus the ramp."""
        fresh = []
        for c, (_, r0, _) in enumerate(self.classes):
            alpha, beta, before = self.pieces[c]
            span = self.n - r0
            used = x[self.w_col[c]:self.w_col[c] + span]
            level = x[self.z_col[c]:self.z_col[c] + span]
            early = np.concatenate([[0.0], used[:-1]]) + self.ramp[c]
            kind = (early < used).astype(int)
            point = np.minimum(used, early)
            piece = np.clip(np.searchsorted(before, point, side="right") - 1, 0, len(alpha) - 1)
            gap = alpha[piece] - beta[piece] * point - level
            for i in np.flatnonzero(gap > 1e-7 * max(1.0, float(alpha[0]))):
                fresh.append((c, int(i), int(piece[i]), int(kind[i])))
        return fresh
