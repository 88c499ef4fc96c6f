"""Hazard areas from a vector file: validated columns and (multi)polygons, or problems."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

from demine.geo.validity import polygon_problems, repair_polygon
from demine.io.columns import (
    parse_area,
    parse_column,
    parse_count,
    parse_date,
    text_column,
    vocab_list,
)
from demine.io.vector import FeatureTable, read_features
from demine.model.problems import Problem
from demine.model.vocab import Classification, LandUse, OrdnanceCategory, Vocabulary

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


def fingerprint(code: str, wkb: bytes, attributes: dict[str, Any]) -> str:
    """What makes a feature the same on re-import: its code, geometry and attributes."""
    return fingerprints([code], [wkb], [attributes])[0]


def fingerprints(
    codes: list[str], wkbs: Any, attributes: list[dict[str, Any]]
) -> list[str]:
    """`fingerprint` of many features (attribute keys in sorted order, values as text)."""
    if not attributes:
        return []
    keys = sorted(attributes[0])
    sha = hashlib.sha256
    out = []
    for code, wkb, attrs in zip(codes, wkbs, attributes, strict=True):
        text = "\x1f".join([code, *(str(attrs[k]) for k in keys)])
        out.append(sha(text.encode() + b"\x1e" + wkb).hexdigest())
    return out


def geometry_checks(
    table: FeatureTable, codes: list[str | None], repair: bool, notices: list[str]
) -> list[Problem]:
    """Problems of the polygons (repairing what `repair` allows), counted from 1."""
    problems = [Problem(p.index, codes[p.index - 1] if p.index else None, p.reason)
                for p in table.problems]
    unreadable = {p.index for p in table.problems}
    for i, reason in enumerate(polygon_problems(table.geometries)):
        if reason is None or (i + 1) in unreadable:
            continue
        if repair and reason.startswith("invalid polygon"):
            fixed, change = repair_polygon(table.geometries[i])
            if change is not None:
                table.geometries[i] = fixed
                notices.append(f"feature {i + 1} ({codes[i]}): {change}")
                continue
        problems.append(Problem(i + 1, codes[i], reason))
    return problems


def read_hazards(path: str | Path, repair: bool = False) -> HazardBatch:
    """Hazard areas of a file with every problem found in it (nothing is dropped silently)."""
    table = read_features(path, ("hazard_areas", "hazards"))
    frame = table.properties
    codes = text_column(frame, "code", "hazard_code", "id_code")
    notices: list[str] = []
    problems = geometry_checks(table, codes, repair, notices)
    for i, code in enumerate(codes):
        if code is None:
            problems.append(Problem(i + 1, None, "code is missing"))
    seen: dict[str, int] = {}
    for i, code in enumerate(codes):
        if code is None:
            continue
        if code in seen:
            problems.append(
                Problem(i + 1, code, f"duplicate code {code!r} (also feature {seen[code]})")
            )
        else:
            seen[code] = i + 1
    columns = {
        "name": text_column(frame, "name"),
        "classification": [
            (c or Classification.SHA.value) for c in parse_column(
                frame, ("classification", "classifica", "class"),
                lambda v: Classification.parse(v).value, problems, codes)
        ],
        "contamination": parse_column(frame, ("contamination", "categories", "contaminat"),
                                      joined(OrdnanceCategory), problems, codes),
        "blocked_land_use": parse_column(frame, ("blocked_land_use", "land_use", "blocked_la"),
                                         joined(LandUse), problems, codes),
        "reported_area_m2": parse_column(frame, ("reported_area_m2", "reported_area",
                                                 "reported_a"), parse_area, problems, codes),
        "info_date": parse_column(frame, ("date", "info_date"), parse_date, problems, codes),
        "organisation": text_column(frame, "organisation", "organization", "organisati", "org"),
        "beneficiaries": parse_column(frame, ("beneficiaries", "beneficiar"), parse_count,
                                      problems, codes),
        "priority": parse_column(frame, ("priority",), parse_count, problems, codes),
        "location": text_column(frame, "location", "admin"),
    }
    problems.sort(key=lambda p: (p.index or 0))
    return HazardBatch([c or "" for c in codes], table.geometries, columns, problems, notices)


def joined(vocab: type[Vocabulary]) -> Any:
    """A parser of a comma-separated vocabulary list into its stored form ('AP_MINE,UXO')."""
    parse = vocab_list(vocab)
    return lambda text: ",".join(v.value for v in parse(text)) or None
