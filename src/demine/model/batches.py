"""Batches of hazard areas and releases as read from one file, on their way to the store.

A batch holds whole columns (100,000 features are handled as arrays, not as objects) with the
problems found in them; the store takes a batch only when it has none. A feature's fingerprint
(its code, geometry and attributes) tells a re-import of the same file from new data.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

from demine.model.problems import Problem

ATTRIBUTES = ("name", "classification", "contamination", "blocked_land_use", "reported_area_m2",
              "info_date", "organisation", "beneficiaries", "priority", "location")
"""The hazard attributes an import carries, in store column names."""


@dataclass
class HazardBatch:
    """Hazard areas read from one file, column by column, ready for the store."""

    codes: list[str]
    geometries: NDArray[np.object_]
    columns: dict[str, list[Any]]
    problems: list[Problem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.codes)

    def row(self, i: int) -> dict[str, Any]:
        """The attributes of the i-th hazard (0-based)."""
        return {k: v[i] for k, v in self.columns.items()}

    def fingerprints(self) -> list[str]:
        """Digests of each feature's code, geometry and attributes (for re-import checks)."""
        wkbs = shapely.to_wkb(to_multipolygons(self.geometries), output_dimension=2)
        rows = [self.row(i) for i in range(len(self))]
        return fingerprints(self.codes, wkbs, rows)


def to_multipolygons(geoms: NDArray[np.object_]) -> NDArray[np.object_]:
    """Every polygon as a one-part MultiPolygon: one geometry type per layer."""
    out = geoms.copy()
    single = shapely.get_type_id(out) == 3
    if single.any():
        out[single] = shapely.multipolygons(out[single], indices=np.arange(int(single.sum())))
    return out


def fingerprints(
    codes: list[str], wkbs: Any, attributes: list[dict[str, Any]]
) -> list[str]:
    """What makes each feature the same on re-import: its code, geometry and attributes
    (attribute keys in sorted order, values as text)."""
    if not attributes:
        return []
    keys = sorted(attributes[0])
    sha = hashlib.sha256
    out = []
    for code, wkb, attrs in zip(codes, wkbs, attributes, strict=True):
        text = "\x1f".join([code, *(str(attrs[k]) for k in keys)])
        out.append(sha(text.encode() + b"\x1e" + wkb).hexdigest())
    return out


@dataclass
class ReleaseBatch:
    """Releases read from one file, in file order."""

    hazards: list[str]
    geometries: NDArray[np.object_]
    attributes: list[dict[str, Any]]
    fingerprints: list[str]
    problems: list[Problem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.hazards)

    def label(self, i: int) -> str:
        """How messages name the i-th release (0-based): its own code, else its hazard's."""
        return str(self.attributes[i].get("code") or self.hazards[i])
