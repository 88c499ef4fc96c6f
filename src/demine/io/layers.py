"""Any other layer of the registry from a file: columns typed by the schema, values checked by
the vocabularies, geometries checked against the layer's type; all rows or none.

Hazard areas and releases have their own readers (they carry land-release accounting); every
other layer goes through here, so `demine import LAYER FILE` takes each layer of DESIGN.md §3.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyogrio
import shapely
from sqlalchemy import Boolean, Connection, Date, Float, Integer, Table, select

from demine.geo.validity import coordinate_problem
from demine.io.columns import parse_count, parse_date
from demine.io.vector import FeatureTable, read_features
from demine.model import vocab
from demine.model.problems import InputError, Problem
from demine.store import Store
from demine.store.base import now_iso
from demine.store.records import insert_records
from demine.store.schema import LAYERS, RISK_LAYERS, geometry_column

VOCABULARIES: dict[tuple[str, str], type[vocab.Vocabulary]] = {
    ("organisations", "kind"): vocab.OrganisationKind, ("locations", "level"): vocab.LocationLevel,
    ("activities", "type"): vocab.ActivityType, ("activities", "status"): vocab.ActivityStatus,
    ("finds", "category"): vocab.OrdnanceCategory, ("finds", "condition"): vocab.DeviceCondition,
    ("finds", "disposal"): vocab.Disposal, ("evidence", "kind"): vocab.EvidenceKind,
    ("accidents", "category"): vocab.OrdnanceCategory, ("victims", "sex"): vocab.Sex,
    ("victims", "outcome"): vocab.VictimOutcome, ("victims", "role"): vocab.VictimRole,
    ("teams", "type"): vocab.TeamType, ("tasks", "activity_type"): vocab.ActivityType,
    ("tasks", "status"): vocab.TaskStatus, ("inspections", "result"): vocab.InspectionResult,
    ("education_sessions", "method"): vocab.EducationMethod,
}
"""Columns whose values come from a vocabulary (DESIGN.md §2)."""
DEFAULTS = {("victims", "role"): "civilian", ("victims", "sex"): "unknown",
            ("activities", "status"): "completed", ("tasks", "status"): "planned",
            ("accidents", "demining"): False, ("organisations", "kind"): "other",
            ("education_sessions", "girls"): 0, ("education_sessions", "boys"): 0,
            ("education_sessions", "women"): 0, ("education_sessions", "men"): 0}
SKIPPED = {"fid", "id", "created_at", "updated_at", "created_by", "geom"}
GEOMETRY_KINDS = {"POINT": ("Point",), "LINESTRING": ("LineString",),
                  "MULTIPOLYGON": ("Polygon", "MultiPolygon"),
                  "GEOMETRY": ("Point", "Polygon", "MultiPolygon", "LineString")}
PREFIXES = {"activities": "ACT", "finds": "F", "evidence": "EV", "accidents": "ACC",
            "victims": "V", "teams": "T", "tasks": "TK", "progress_reports": "PR",
            "inspections": "QC", "education_sessions": "RE", "locations": "LOC",
            "organisations": "ORG"}
NOT_IMPORTED = {"audit_log", *RISK_LAYERS}
"""Layers demine writes itself: the audit log, and the risk map (`demine risk`)."""
SPECIAL = {"hazard_areas", "releases", *NOT_IMPORTED}


@dataclass
class LayerBatch:
    """A file's rows for one layer, ready for the store, or the problems that stop them."""

    layer: str
    rows: list[dict[str, Any]]
    problems: list[Problem] = field(default_factory=list)


def _boolean(value: Any) -> bool:
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "y", "t"):
        return True
    if text in ("0", "false", "no", "n", "f"):
        return False
    raise ValueError(f"{value!r} is not yes or no")


def _number(value: Any) -> float:
    number = float(str(value).strip().replace(",", "."))
    if not np.isfinite(number):
        raise ValueError(f"{value!r} is not a finite number")
    return number


def _parser(table: Table, column: Any) -> Any:
    kind = VOCABULARIES.get((table.name, column.name))
    if kind is not None:
        return lambda v: kind.parse(str(v)).value
    if column.name in ("finds_by_category", "non_conformities"):
        return lambda v: json.dumps(json.loads(v)) if isinstance(v, str) else json.dumps(v)
    if isinstance(column.type, Date):
        return parse_date
    if isinstance(column.type, Boolean):
        return _boolean
    if isinstance(column.type, Integer):
        return parse_count
    if isinstance(column.type, Float):
        return _number
    return lambda v: str(v).strip()


def _properties(path: Path, table: Table) -> FeatureTable:
    """The file's features (or plain rows, for layers without geometry or files without one,
    where the layer's geometry is optional)."""
    geom = geometry_column(table)
    if geom is not None:
        try:
            return read_features(path, (table.name,))
        except InputError as exc:
            no_geometry = [p for p in exc.problems if p.reason.endswith("has no geometry column")]
            if not (no_geometry and geom.nullable):
                raise
    source = f"/vsizip/{path.resolve()}" if path.suffix.lower() == ".zip" else str(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            frame = pyogrio.read_dataframe(source, read_geometry=False)
    except Exception as exc:
        raise InputError([Problem(None, None, f"{path}: cannot be read ({exc})")]) from exc
    return FeatureTable(np.full(len(frame), None, dtype=object), pd.DataFrame(frame))


def read_layer(path: str | Path, layer: str) -> LayerBatch:
    """Rows of `layer` from a file, typed and checked, with every problem found."""
    path = Path(path)
    if layer not in LAYERS or layer in SPECIAL:
        choices = ", ".join(n for n in LAYERS if n not in NOT_IMPORTED)
        raise InputError([Problem(None, None, f"unknown layer {layer!r} for this import "
                                              f"(expected one of {choices})")])
    return layer_from_table(_properties(path, LAYERS[layer]), layer, str(path))


def layer_from_table(features: FeatureTable, layer: str, source: str) -> LayerBatch:
    """Rows of `layer` from features already read (a file's, or a form's submissions)."""
    table = LAYERS[layer]
    frame = features.properties
    lower = {str(c).lower(): str(c) for c in frame.columns}
    codes: list[str | None] = [None] * len(frame)
    if "code" in lower:
        codes = [None if pd.isna(v) or str(v).strip() == "" else str(v).strip()
                 for v in frame[lower["code"]]]
    problems = list(features.problems)
    rows: list[dict[str, Any]] = [{} for _ in range(len(frame))]
    for column in table.columns:
        if column.name in SKIPPED:
            continue
        found = lower.get(column.name) or lower.get(column.name[:10])
        default = DEFAULTS.get((layer, column.name))
        required = not column.nullable and default is None and column.name != "code"
        if found is None:
            if required and len(frame):
                problems.append(Problem(None, None, f"{source}: has no {column.name!r} column "
                                                    f"(required in {layer})"))
            for row in rows:
                row[column.name] = default
            continue
        parse = _parser(table, column)
        for i, value in enumerate(frame[found].tolist()):
            blank = value is None or (isinstance(value, float) and np.isnan(value)) or \
                str(value).strip() == ""
            if blank:
                if required:
                    problems.append(Problem(i + 1, codes[i], f"{column.name} is missing"))
                rows[i][column.name] = default
                continue
            try:
                rows[i][column.name] = parse(value)
            except (TypeError, ValueError) as exc:
                problems.append(Problem(i + 1, codes[i], f"{column.name}: {exc}"))
    geom = geometry_column(table)
    if geom is not None:
        kind = getattr(geom.type, "geometry_type", "GEOMETRY")
        allowed = GEOMETRY_KINDS.get(kind, ())
        for i, shape in enumerate(features.geometries):
            if shape is None:
                continue
            if shape.geom_type not in allowed:
                problems.append(Problem(i + 1, codes[i], f"a {shape.geom_type} cannot be a "
                                        f"{layer} geometry (expected {', '.join(allowed)})"))
                continue
            where = coordinate_problem(shape)
            if where is not None:
                problems.append(Problem(i + 1, codes[i], where))
                continue
            if shape.geom_type == "Polygon" and kind == "MULTIPOLYGON":
                shape = shapely.MultiPolygon([shape])
            rows[i]["geom"] = shape
    seen: dict[str, int] = {}
    for i, code in enumerate(codes):
        if code is not None:
            rows[i]["code"] = code
            if code in seen:
                problems.append(Problem(i + 1, code, f"duplicate code (also row {seen[code]})"))
            seen.setdefault(code, i + 1)
    problems.sort(key=lambda p: p.index or 0)
    return LayerBatch(layer, rows, problems)


def import_layer(store: Store, batch: LayerBatch, actor: str, source: str,
                 conn: Connection | None = None) -> tuple[int, int]:
    """Write a batch in one transaction (or in `conn`'s): (created, already in the store)."""
    if batch.problems:
        raise InputError(batch.problems)
    if not batch.rows:
        raise InputError([Problem(None, None, "the file holds no rows")])
    if conn is None:
        with store.write() as own:
            return import_layer(store, batch, actor, source, own)
    table = LAYERS[batch.layer]
    codes = [r.get("code") for r in batch.rows]
    known: set[str] = set()
    if "code" in table.c and any(codes):
        known = set(conn.execute(select(table.c.code).where(
            table.c.code.in_([c for c in codes if c]))).scalars())
    if known:
        if len(known) == len(batch.rows):
            return 0, len(known)
        raise InputError([Problem(i + 1, c, "already in the store; this file mixes new and "
                                            "already-imported rows, so nothing was imported")
                          for i, c in enumerate(codes) if c in known])
    insert_records(store, conn, table, batch.rows, actor, now_iso(),
                   PREFIXES.get(batch.layer))
    return len(batch.rows), 0
