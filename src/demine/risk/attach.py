"""Evidence features for the rows of a table, from an event file read through an interchange
mapping (`--evidence PATH [--evidence-mapping MAPPING] --lon COLUMN --lat COLUMN`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from demine.io.events import read_events
from demine.model.problems import InputError
from demine.risk.evidence import (
    CLASSES,
    DEFAULT_CELL_DEG,
    OUTCOME,
    RADII_KM,
    Events,
    EvidenceIndex,
    cell_units,
    event_class,
    feature_names,
)
from demine.risk.table import RiskError

DEFAULT_MAPPING = "colombia_events"
SHOWN_PROBLEMS = 5


@dataclass
class EvidenceSource:
    """Where the events are, how to read them, and where each row is."""

    path: Path
    mapping: str = DEFAULT_MAPPING
    lon: str | None = None
    lat: str | None = None
    cell_deg: float = DEFAULT_CELL_DEG

    def document(self) -> dict[str, Any]:
        return {"mapping": self.mapping, "lon": self.lon, "lat": self.lat,
                "cell_deg": self.cell_deg, "classes": list(CLASSES), "outcome_class": OUTCOME,
                "radii_km": list(RADII_KM), "features": feature_names()}


def read_evidence(source: EvidenceSource) -> Events:
    """Every event of the file or directory, classed; a file with unreadable rows is refused."""
    try:
        batch = read_events(source.path, source.mapping)
    except InputError as exc:
        raise RiskError([f"--evidence {source.path}: {p}" for p in exc.problems]) from None
    if batch.problems:
        shown = [f"--evidence {source.path}: {p}" for p in batch.problems[:SHOWN_PROBLEMS]]
        more = len(batch.problems) - SHOWN_PROBLEMS
        raise RiskError(shown + ([f"and {more} more problem(s)"] if more > 0 else []))
    kinds = np.array([event_class(layer, batch.mapping.types[code].values.get("kind"))
                      for layer, code in zip(batch.layers, batch.types, strict=True)], dtype=str)
    return Events(np.asarray(batch.lon, dtype=float), np.asarray(batch.lat, dtype=float), kinds)


def row_points(source_path: Path, table: pd.DataFrame, evidence: EvidenceSource
               ) -> tuple[np.ndarray, np.ndarray]:
    """Each row's longitude and latitude from the --lon and --lat columns, checked."""
    problems = []
    for option, column in (("--lon", evidence.lon), ("--lat", evidence.lat)):
        if column is None:
            problems.append(f"{option} COLUMN is needed with --evidence (where each row is)")
        elif column not in table.columns:
            problems.append(f"{source_path}: column '{column}' (given to {option}) is not in "
                            "the table")
    if problems:
        raise RiskError(problems)
    assert evidence.lon is not None and evidence.lat is not None
    lon = pd.to_numeric(table[evidence.lon], errors="coerce").to_numpy(dtype=float)
    lat = pd.to_numeric(table[evidence.lat], errors="coerce").to_numpy(dtype=float)
    for option, column, values, limit in (("--lon", evidence.lon, lon, 180.0),
                                          ("--lat", evidence.lat, lat, 90.0)):
        bad = ~np.isfinite(values) | (np.abs(values) > limit)
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            problems.append(f"{source_path}: column '{column}' (given to {option}) must hold "
                            f"degrees within +-{limit:g} in every row; row {first + 2} holds "
                            f"{table[column].iloc[first]!r}")
    if problems:
        raise RiskError(problems)
    return lon, lat


def clashes(source_path: Path, table: pd.DataFrame) -> list[str]:
    return [f"{source_path}: column '{c}' already exists; --evidence would overwrite it"
            for c in feature_names() if c in table.columns]


def training_index(source_path: Path, table: pd.DataFrame, units: np.ndarray,
                   evidence: EvidenceSource) -> EvidenceIndex:
    """The index for training: finds attributed to the units whose cells hold them."""
    if problems := clashes(source_path, table):
        raise RiskError(problems)
    if not evidence.cell_deg > 0:
        raise RiskError([f"--cell-deg must be positive (got {evidence.cell_deg})"])
    lon, lat = row_points(source_path, table, evidence)
    events = read_evidence(evidence)
    return EvidenceIndex(events, lon, lat, cell_units(events, lon, lat, units, evidence.cell_deg))


def prediction_features(source_path: Path, table: pd.DataFrame, evidence: EvidenceSource
                        ) -> pd.DataFrame:
    """Evidence features from exactly the events given, none left out."""
    if problems := clashes(source_path, table):
        raise RiskError(problems)
    lon, lat = row_points(source_path, table, evidence)
    features = EvidenceIndex(read_evidence(evidence), lon, lat).features()
    features.index = table.index
    return features
