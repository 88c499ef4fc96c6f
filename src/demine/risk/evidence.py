"""Evidence features: how near, and how many, accidents, finds and suspicion reports lie around a
point.

Events fall into classes (`CLASSES`): accidents, finds (the outcome of clearance), suspicion
reports, and signs of armed groups' presence (seizures, arsenals, production sites). For each class
a point gets the great-circle distance to the nearest event and the number of events within each
of `RADII_KM`.

Finds are what clearance turned up, so they must not inform the prediction of the land they were
found in. `EvidenceIndex` therefore keeps finds apart by the units whose cells they lie in, and
computes each row's find features with the finds of chosen units left out: in validation, those of
the unit left out and of the row's own unit, so that a training row sees its neighbourhood as a
row of a never-seen unit would.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.spatial import cKDTree

EARTH_RADIUS_KM = 6371.0088
RADII_KM = (1.0, 3.0, 10.0)
CLASSES = ("accident", "find", "suspicion", "presence")
OUTCOME = "find"
"""The class that is the outcome of clearance, kept apart by unit."""
KIND_CLASS = {"suspicion_report": "suspicion", "community_report": "suspicion",
              "seizure": "presence", "arsenal": "presence", "production_site": "presence",
              "other": "presence"}
DEFAULT_CELL_DEG = 0.008974
"""Side of a cell in degrees, as in the RELand grid (about 1 km)."""


def feature_names() -> list[str]:
    names = []
    for kind in CLASSES:
        names.append(f"ev_{kind}_dist_km")
        names += [f"ev_{kind}_n_{radius:g}km" for radius in RADII_KM]
    return names


def event_class(layer: str, kind: str | None) -> str:
    """The evidence class of an event from its registry layer (and evidence kind)."""
    if layer == "accidents":
        return "accident"
    if layer == "finds":
        return "find"
    return KIND_CLASS.get(kind or "other", "presence")


@dataclass
class Events:
    """Event points and their classes."""

    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    kind: NDArray[np.str_]

    def __len__(self) -> int:
        return len(self.lon)

    def subset(self, mask: NDArray[np.bool_]) -> Events:
        return Events(self.lon[mask], self.lat[mask], self.kind[mask])


def unit_sphere(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> NDArray[np.float64]:
    lam, phi = np.radians(lon), np.radians(lat)
    return np.column_stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])


def _chord(km: float) -> float:
    return float(2 * np.sin(km / (2 * EARTH_RADIUS_KM)))


def _arc_km(chord: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.clip(chord / 2, 0, 1)))


def cell_units(events: Events, lon: NDArray[np.float64], lat: NDArray[np.float64],
               units: NDArray[np.str_], cell_deg: float) -> list[frozenset[str]]:
    """For each event, the units whose cells (squares of `cell_deg` around each row's point)
    hold it; empty where it lies in no row's cell."""
    if not len(events) or not len(lon):
        return [frozenset()] * len(events)
    tree = cKDTree(np.column_stack([lon, lat]))
    hits = tree.query_ball_point(np.column_stack([events.lon, events.lat]), r=cell_deg / 2,
                                 p=np.inf)
    return [frozenset(units[h].tolist()) for h in hits]


class _Near:
    """Nearest distance and counts within the radii from every query point to one event set."""

    def __init__(self, points: NDArray[np.float64]):
        self.tree = cKDTree(points) if len(points) else None

    def measure(self, queries: NDArray[np.float64]) -> NDArray[np.float64]:
        """(n, 1 + len(RADII_KM)): distance in km (inf when there is no event), counts."""
        out = np.zeros((len(queries), 1 + len(RADII_KM)))
        if self.tree is None:
            out[:, 0] = np.inf
            return out
        chord, _ = self.tree.query(queries)
        out[:, 0] = _arc_km(np.asarray(chord))
        for i, radius in enumerate(RADII_KM):
            out[:, 1 + i] = self.tree.query_ball_point(queries, r=_chord(radius),
                                                       return_length=True)
        return out


class EvidenceIndex:
    """The measures of every query point against every class, finds split by the set of units
    whose cells hold them, so that any units' finds can be left out cheaply."""

    def __init__(self, events: Events, lon: NDArray[np.float64], lat: NDArray[np.float64],
                 find_units: Sequence[frozenset[str]] | None = None):
        queries = unit_sphere(lon, lat)
        self.rows = len(lon)
        self.shared = {}
        for kind in CLASSES:
            if kind != OUTCOME:
                mine = events.kind == kind
                self.shared[kind] = _Near(unit_sphere(events.lon[mine], events.lat[mine])
                                          ).measure(queries)
        finds = np.flatnonzero(events.kind == OUTCOME)
        keys = [find_units[int(i)] if find_units is not None else frozenset() for i in finds]
        self.groups = sorted(set(keys), key=lambda s: sorted(s))
        self.by_group = np.empty((len(self.groups), self.rows, 1 + len(RADII_KM)))
        for g, key in enumerate(self.groups):
            mine = finds[[k == key for k in keys]]
            self.by_group[g] = _Near(unit_sphere(events.lon[mine], events.lat[mine])
                                     ).measure(queries)

    def features(self, left_out: Sequence[frozenset[str]] | None = None) -> pd.DataFrame:
        """The feature table, row by row leaving out the finds in the cells of the units given
        for that row (none when `left_out` is None)."""
        measures = {}
        for kind in CLASSES:
            if kind != OUTCOME:
                measures[kind] = self.shared[kind]
                continue
            usable = np.ones((self.rows, len(self.groups)), dtype=bool)
            if left_out is not None:
                for g, key in enumerate(self.groups):
                    if key:
                        usable[:, g] = [not (key & out) for out in left_out]
            by_group = np.moveaxis(self.by_group, 0, 1)   # rows, groups, measures
            dist = np.where(usable, by_group[:, :, 0], np.inf).min(axis=1, initial=np.inf)
            counts = np.where(usable[:, :, None], by_group[:, :, 1:], 0).sum(axis=1)
            measures[kind] = np.column_stack([dist, counts])
        columns = np.column_stack([measures[kind] for kind in CLASSES])
        columns[~np.isfinite(columns)] = np.nan
        return pd.DataFrame(columns, columns=feature_names())
