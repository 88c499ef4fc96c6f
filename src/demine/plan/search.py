"""Local search over each team's sequence of work, for the optimiser.

A plan is, for each team, the pieces of areas it works in order: a piece is an area and how
many square metres of it the team clears. A team starts a piece once it has travelled there
and the area is released, and works it at its rate; an area is done when its last piece ends.
Changing a plan touches one or two teams, so a move is priced by replaying only those teams
from the changed position on, and only the areas they work are re-summed: thousands of moves a
second where rebuilding the whole plan allows a few. Moves:

- **relocate** a piece next to a piece of a nearby area (on any team that may work it), or a
  few places earlier or later in its own team's order;
- **swap** two pieces of nearby areas;
- **balance** an area shared by two teams: clear more of it by the one that ends earlier, so
  that both end together, or all of it, dropping the other team's trip there.

A move is kept when the harm does not rise (equal moves let the search drift across plateaus).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from demine.plan.instance import EARTH_RADIUS_KM, Instance
from demine.plan.schedule import Row

NEIGHBOURS = 12
"""Nearby areas a piece is moved next to."""
EPSILON = 1e-9
"""Relative change in harm below which a move counts as equal."""


Changes = dict[int, tuple[list["Piece"], int]]
"""Team -> its new sequence and the first position that differs."""
Priced = tuple[Changes, dict[int, list[float]], dict[int, float]]
"""Changes with the teams' new end days and the areas' new completion days."""


@dataclass(frozen=True)
class Piece:
    hazard: int
    area: float


class Search:
    """A plan held as team sequences, with the times and harm of each, changed move by move."""

    def __init__(self, instance: Instance, sequences: list[list[Piece]]):
        self.instance = instance
        hazards, teams = instance.hazards, instance.teams
        self.weight = [h.weight for h in hazards]
        self.release = [h.available_from for h in hazards]
        self.rate = [t.rate_m2_per_day for t in teams]
        self.free = [t.available_from for t in teams]
        self.speed = instance.travel_km_per_day
        lat = np.radians([h.lat for h in hazards] + [t.lat for t in teams])
        lon = np.radians([h.lon for h in hazards] + [t.lon for t in teams])
        self.lat, self.lon, self.cos = lat.tolist(), lon.tolist(), np.cos(lat).tolist()
        eligible = instance.eligible()
        self.may = [set(np.flatnonzero(eligible[h]).tolist()) for h in range(len(hazards))]
        self.near = self._neighbours()
        self.seq = sequences
        self.ends = [self.replay(k, s, 0) for k, s in enumerate(sequences)]
        self.where: dict[int, dict[int, list[int]]] = {}
        self._index()
        self.done = [0.0] * len(hazards)
        for h in range(len(hazards)):
            self.done[h] = self._completion(h, {})
        self.harm = sum(w * c for w, c in zip(self.weight, self.done, strict=True))

    def _neighbours(self) -> list[list[int]]:
        """The nearest areas to each (on a local flat projection, good enough to pick moves)."""
        n = len(self.weight)
        if n < 2:
            return [[] for _ in range(n)]
        lat = np.asarray(self.lat[:n])
        points = np.column_stack([np.asarray(self.lon[:n]) * np.cos(lat.mean()), lat])
        _, idx = cKDTree(points).query(points, k=min(NEIGHBOURS + 1, n))
        return [[int(j) for j in row if j != i] for i, row in enumerate(idx)]

    def _index(self) -> None:
        """where[h][k]: the positions of area h's pieces in team k's sequence."""
        self.where = {}
        for k, sequence in enumerate(self.seq):
            for i, piece in enumerate(sequence):
                self.where.setdefault(piece.hazard, {}).setdefault(k, []).append(i)

    def days(self, a: int, b: int) -> float:
        """Travel days between two places (area index, or a team's start as n + team)."""
        if a == b:
            return 0.0
        s = math.sin((self.lat[b] - self.lat[a]) / 2) ** 2 + self.cos[a] * self.cos[b] * \
            math.sin((self.lon[b] - self.lon[a]) / 2) ** 2
        return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, s))) / self.speed

    def replay(self, k: int, sequence: list[Piece], begin: int) -> list[float]:
        """End day of each piece of team k's `sequence` from position `begin` on (the pieces
        before it as they are now)."""
        ends = []
        if begin == 0:
            t, here = self.free[k], len(self.weight) + k
        else:
            t, here = self.ends[k][begin - 1], sequence[begin - 1].hazard
        rate, release = self.rate[k], self.release
        for piece in sequence[begin:]:
            h = piece.hazard
            if h != here:
                t += self.days(here, h)
                here = h
            if t < release[h]:
                t = release[h]
            t += piece.area / rate
            ends.append(t)
        return ends

    def _completion(self, h: int, latest: dict[int, dict[int, float]]) -> float:
        """When area h is done: its pieces on teams not in `latest` as they are, and those on
        the teams in it as `latest` (team -> area -> last end) says."""
        last = 0.0
        for k, positions in self.where.get(h, {}).items():
            if k in latest:
                continue
            ends = self.ends[k]
            for i in positions:
                if ends[i] > last:
                    last = ends[i]
        for own in latest.values():
            end = own.get(h, 0.0)
            if end > last:
                last = end
        return last

    def price(self, changes: Changes) -> tuple[float, Priced]:
        """Harm change of giving teams new sequences (each the same as now up to a position)."""
        ends: dict[int, list[float]] = {}
        latest: dict[int, dict[int, float]] = {}
        touched: set[int] = set()
        for k, (sequence, begin) in changes.items():
            ends[k] = self.ends[k][:begin] + self.replay(k, sequence, begin)
            own: dict[int, float] = {}
            for piece, end in zip(sequence, ends[k], strict=True):
                if end > own.get(piece.hazard, 0.0):
                    own[piece.hazard] = end
            latest[k] = own
            touched.update(p.hazard for p in self.seq[k][begin:])
            touched.update(p.hazard for p in sequence[begin:])
        delta = 0.0
        done = {}
        for h in touched:
            done[h] = self._completion(h, latest)
            delta += self.weight[h] * (done[h] - self.done[h])
        return delta, (changes, ends, done)

    def apply(self, priced: Priced) -> None:
        """Make a priced change."""
        changes, ends, done = priced
        for k, (sequence, _) in changes.items():
            for piece in self.seq[k]:
                self.where[piece.hazard].pop(k, None)
            self.seq[k] = sequence
            self.ends[k] = ends[k]
            for i, piece in enumerate(sequence):
                self.where.setdefault(piece.hazard, {}).setdefault(k, []).append(i)
        for h, c in done.items():
            self.harm += self.weight[h] * (c - self.done[h])
            self.done[h] = c

    def rows(self) -> list[Row]:
        """The plan as schedule rows."""
        out = []
        for k, sequence in enumerate(self.seq):
            team = self.instance.teams[k].id
            for piece, end in zip(sequence, self.ends[k], strict=True):
                out.append(Row(team, self.instance.hazards[piece.hazard].code,
                               float(end - piece.area / self.rate[k]), float(end),
                               float(piece.area)))
        return out


def improve(search: Search, rng: np.random.Generator, deadline: float) -> None:
    """Random moves, kept when the harm does not rise, until the deadline."""
    moves = (_relocate, _relocate, _shift, _swap, _balance)
    tries = 0
    while True:
        if tries % 64 == 0 and time.perf_counter() >= deadline:
            return
        tries += 1
        move = moves[int(rng.integers(len(moves)))]
        changes = move(search, rng)
        if changes is None:
            continue
        delta, state = search.price(changes)
        if delta <= EPSILON * search.harm:
            search.apply(state)


def _random_piece(search: Search, rng: np.random.Generator) -> tuple[int, int] | None:
    k = int(rng.integers(len(search.seq)))
    if not search.seq[k]:
        return None
    return k, int(rng.integers(len(search.seq[k])))


def _near_piece(search: Search, h: int, rng: np.random.Generator) -> tuple[int, int] | None:
    """A piece of an area near h: its team and position."""
    near = search.near[h]
    if not near:
        return None
    g = near[int(rng.integers(len(near)))]
    places = search.where.get(g)
    if not places:
        return None
    teams = list(places)
    k = teams[int(rng.integers(len(teams)))]
    positions = places[k]
    return k, positions[int(rng.integers(len(positions)))]


def _piece_and_neighbour(search: Search, rng: np.random.Generator
                         ) -> tuple[int, int, int, int] | None:
    """A random piece (team a, place i) and a piece of a nearby area (team b, place j)."""
    picked = _random_piece(search, rng)
    if picked is None:
        return None
    a, i = picked
    target = _near_piece(search, search.seq[a][i].hazard, rng)
    return None if target is None else (a, i, *target)


def _relocate(search: Search, rng: np.random.Generator) -> Changes | None:
    """A piece moved next to a piece of a nearby area, on that piece's team."""
    pair = _piece_and_neighbour(search, rng)
    if pair is None:
        return None
    a, i, b, j = pair
    piece = search.seq[a][i]
    if b not in search.may[piece.hazard]:
        return None
    j += int(rng.integers(2))
    if a == b:
        return _move_within(search, a, i, j)
    source = search.seq[a][:i] + search.seq[a][i + 1:]
    destination = [*search.seq[b][:j], piece, *search.seq[b][j:]]
    return {a: (source, i), b: (destination, j)}


def _move_within(search: Search, k: int, i: int, j: int) -> Changes | None:
    sequence = search.seq[k]
    if j in (i, i + 1):
        return None
    piece = sequence[i]
    rest = sequence[:i] + sequence[i + 1:]
    at = j if j < i else j - 1
    return {k: ([*rest[:at], piece, *rest[at:]], min(i, at))}


def _shift(search: Search, rng: np.random.Generator) -> Changes | None:
    """A piece a few places earlier or later in its own team's order."""
    picked = _random_piece(search, rng)
    if picked is None:
        return None
    k, i = picked
    j = int(np.clip(i + rng.integers(-6, 8), 0, len(search.seq[k])))
    return _move_within(search, k, i, j)


def _swap(search: Search, rng: np.random.Generator) -> Changes | None:
    """Two pieces of nearby areas trade places (and teams)."""
    pair = _piece_and_neighbour(search, rng)
    if pair is None:
        return None
    a, i, b, j = pair
    p, q = search.seq[a][i], search.seq[b][j]
    if a == b:
        if i == j:
            return None
        sequence = list(search.seq[a])
        sequence[i], sequence[j] = q, p
        return {a: (sequence, min(i, j))}
    if b not in search.may[p.hazard] or a not in search.may[q.hazard]:
        return None
    first, second = list(search.seq[a]), list(search.seq[b])
    first[i], second[j] = q, p
    return {a: (first, i), b: (second, j)}


def _balance(search: Search, rng: np.random.Generator) -> Changes | None:
    """Area shifted between two teams' pieces of one area so that they end together (or all of
    it to the one, when that is not enough)."""
    picked = _random_piece(search, rng)
    if picked is None:
        return None
    a, i = picked
    p = search.seq[a][i]
    places = search.where.get(p.hazard, {})
    others = [(k, j) for k, positions in places.items() for j in positions
              if (k, j) != (a, i)]
    if not others:
        return None
    b, j = others[int(rng.integers(len(others)))]
    if b == a:
        return None
    q = search.seq[b][j]
    late, early = search.ends[a][i], search.ends[b][j]
    if late < early:
        return None
    moved = (late - early) / (1 / search.rate[a] + 1 / search.rate[b])
    if rng.random() < 0.25 or moved >= p.area * (1 - 1e-9):
        moved = p.area
    first = list(search.seq[a])
    second = list(search.seq[b])
    second[j] = Piece(q.hazard, q.area + moved)
    if moved >= p.area:
        del first[i]
    else:
        first[i] = Piece(p.hazard, p.area - moved)
    return {a: (first, i), b: (second, j)}
