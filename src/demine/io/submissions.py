"""Field-form submissions into the registry: answers read, typed, linked and written at once.

Each submission becomes one record of the form's main layer, and each repeat instance one record
of its repeat's layer, linked to it (a victim to its accident, a find to its activity). Records
get codes from the submission's instance ID, so a tool's export, which grows with every
submission, can be imported again and again: submissions already in the store are left alone.
The answers go through the same readers as files of each layer, so a form is held to the same
vocabularies and geometry checks; one bad answer refuses the whole import.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import select

from demine.io.exports import Table, read_export
from demine.io.hazards import hazards_from_table
from demine.io.layers import PREFIXES, import_layer, layer_from_table
from demine.io.releases import releases_from_table
from demine.io.vector import FeatureTable
from demine.io.xlsform import SELECT_MULTIPLE, SELECT_ONE, Form, Question, load_form
from demine.model.problems import InputError, Problem
from demine.store import Store
from demine.store.imports import import_hazards, import_releases
from demine.store.schema import LAYERS

CODE_PREFIXES = {**PREFIXES, "hazard_areas": "HA", "releases": "REL"}
INHERITED: dict[str, dict[str, tuple[str, ...]]] = {
    "victims": {"accident": ("accidents.code",)},
    "finds": {"activity": ("activities.code",), "hazard": ("activities.hazard",),
              "find_date": ("activities.start_date", "progress_reports.report_date")},
    "releases": {"activity": ("activities.code",), "hazard": ("activities.hazard",),
                 "organisation": ("activities.organisation",),
                 "release_date": ("activities.end_date", "activities.start_date")},
    "hazard_areas": {"organisation": ("activities.organisation",),
                     "info_date": ("activities.end_date", "activities.start_date")},
    "evidence": {"evidence_date": ("activities.start_date", "accidents.accident_date"),
                 "source": ("activities.code", "accidents.code")},
    "activities": {"end_date": ("activities.start_date",)},
    "inspections": {"activity": ("activities.code",)},
}
"""What a repeat's record takes from its submission's record when it does not say itself."""
REFERENCES = {("activities", "hazard"): "hazard_areas", ("finds", "hazard"): "hazard_areas",
              ("finds", "activity"): "activities", ("progress_reports", "task"): "tasks",
              ("progress_reports", "team"): "teams", ("activities", "team"): "teams"}
"""Fields that name a record in the store (or one made by the same import)."""
ENFORCED = {("activities", "hazard")}
"""References the store enforces: naming no record refuses the import (others are noted, and
`demine check` reports them as orphans)."""
ORDER = ("hazard_areas", "activities", "releases", "tasks", "teams", "finds", "evidence",
         "accidents", "victims", "progress_reports", "inspections", "education_sessions",
         "locations")


@dataclass
class Rows:
    """One layer's records from the export, with where each came from."""

    layer: str
    values: list[dict[str, Any]] = field(default_factory=list)
    geometries: list[Any] = field(default_factory=list)
    places: list[str] = field(default_factory=list)


@dataclass
class SubmissionImport:
    """What an import of submissions did."""

    submissions: int = 0
    already: int = 0
    created: dict[str, int] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)


def _headers(table: Table, questions: list[Question], base: tuple[str, ...]) -> dict[str, str]:
    """The column of each question (by name), whichever way the tool wrote its headers:
    XML name, group path joined by '/' or '-', or label."""
    columns = list(table.frame.columns)
    found: dict[str, str] = {}
    for q in questions:
        rel = q.path[len(base):]
        ids = ["-".join((*rel, q.name)), "/".join((*q.path, q.name)),
               "/".join((*rel, q.name)), q.name]
        column = next((c for i in ids for c in columns if c == i), None)
        if column is None:
            column = next((c for c in columns if c.split("/")[-1] == q.name), None)
        if column is None:
            column = next((c for c in columns for lab in q.labels
                           if lab and c.split("/")[-1] == lab), None)
        if column is not None:
            found[q.name] = column
    return found


def _component(table: Table, q: Question, part: str) -> str | None:
    """A geopoint's latitude or longitude column (Kobo `_name_latitude`, ODK `name-Latitude`)."""
    for c in table.frame.columns:
        last = c.split("/")[-1].lower()
        if last in (f"_{q.name.lower()}_{part}", f"{q.name.lower()}-{part}"):
            return c
    return None


def _pairs(text: str, what: str) -> list[tuple[float, float]]:
    """(lon, lat) of each 'lat lon [alt acc]' vertex of an ODK geometry value."""
    points = []
    for vertex in (v for v in text.split(";") if v.strip()):
        parts = vertex.split()
        try:
            lat, lon = float(parts[0]), float(parts[1])
        except (IndexError, ValueError):
            raise ValueError(f"{text!r} is not a {what} (expected 'latitude longitude "
                             "[altitude accuracy]' per point, points separated by ';')") from None
        points.append((lon, lat))
    return points


def parse_geometry(kind: str, text: str) -> Any:
    """A geopoint, geotrace or geoshape answer as a lon/lat shapely geometry."""
    points = _pairs(text, kind)
    if kind == "geopoint":
        if len(points) != 1:
            raise ValueError(f"{text!r} is not one point")
        return shapely.Point(points[0])
    if kind == "geotrace":
        if len(points) < 2:
            raise ValueError(f"a line needs at least 2 points ({len(points)} given)")
        return shapely.LineString(points)
    if points and points[0] != points[-1]:
        points.append(points[0])
    if len(set(points)) < 3:
        raise ValueError(f"a shape needs at least 3 distinct points ({len(set(points))} given)")
    return shapely.Polygon(points)


def _choice(q: Question, text: str) -> str:
    if text in q.choices:
        return q.choices[text]
    raise ValueError(f"{text!r} is not a choice of {q.name} (expected one of "
                     f"{', '.join(dict.fromkeys(q.choices.values()))})")


class Reader:
    """Answers of one table, question by question, with the problems met."""

    def __init__(self, table: Table, questions: list[Question], base: tuple[str, ...],
                 problems: list[Problem], source: str):
        self.table, self.questions, self.problems, self.source = table, questions, problems, \
            source
        self.columns = _headers(table, questions, base)

    def blame(self, row: int, q: Question | None, reason: str) -> None:
        what = f"{q.name}: " if q else ""
        self.problems.append(Problem(None, None, f"{self.source}: {self.table.place(row)} "
                                                 f"({self.table.keys[row]}): {what}{reason}"))

    def cell(self, q: Question, row: int) -> str:
        column = self.columns.get(q.name)
        return self.table.value(row, column) if column is not None else ""

    def answer(self, q: Question, row: int) -> Any:
        """The typed answer (None when blank) or None with a problem recorded."""
        text = self.cell(q, row)
        try:
            if q.type in ("geopoint", "geoshape", "geotrace"):
                if not text and q.type == "geopoint":
                    lat, lon = _component(self.table, q, "latitude"), \
                        _component(self.table, q, "longitude")
                    if lat and lon and self.table.value(row, lat):
                        text = f"{self.table.value(row, lat)} {self.table.value(row, lon)}"
                return parse_geometry(q.type, text) if text else None
            if q.type == SELECT_ONE:
                return _choice(q, text) if text else None
            if q.type == SELECT_MULTIPLE:
                return self._multiple(q, row, text)
        except ValueError as exc:
            self.blame(row, q, str(exc))
            return None
        if not text and q.constant is not None:
            return q.constant
        return text or None

    def _multiple(self, q: Question, row: int, text: str) -> str | None:
        """Names chosen: from the space-separated names, else from the tool's one 0/1 column per
        option (`question/option`, by name or label, as label exports write them)."""
        tokens = text.split()
        if tokens and all(t in q.choices for t in tokens):
            return ",".join(dict.fromkeys(q.choices[t] for t in tokens)) or None
        owners = {q.name, *q.labels}
        flags = [(c.split("/")[-1], self.table.value(row, c)) for c in self.table.frame.columns
                 if len(c.split("/")) > 1 and c.split("/")[-2] in owners]
        if flags and all(option in q.choices for option, _ in flags):
            chosen = [q.choices[o] for o, v in flags if v.lower() in ("1", "true", "yes")]
            return ",".join(dict.fromkeys(chosen)) or None
        if text in q.choices:
            return q.choices[text]
        return ",".join(_choice(q, t) for t in tokens) or None


def _fill(rows: Rows, q: Question, value: Any, record: dict[str, Any]) -> None:
    if q.column == "geom":
        return
    if q.key:
        counts = record.setdefault(str(q.column), {})
        if value not in (None, "", "0"):
            counts[q.key] = value
    else:
        record[str(q.column)] = value


def _code(layer: str, key: str, n: int | None = None) -> str:
    short = re.sub(r"[^0-9a-zA-Z]", "", key)[:12].upper()
    return f"{CODE_PREFIXES.get(layer, layer[:3].upper())}-{short}" + (f"-{n}" if n else "")


def _counts(record: dict[str, Any], reader: Reader, row: int) -> None:
    """JSON counts ({'AP_MINE': 3}) as whole numbers, zeros left out."""
    for column in ("finds_by_category", "non_conformities"):
        counts = record.get(column)
        if isinstance(counts, dict):
            out = {}
            for key, value in counts.items():
                try:
                    number = float(value)
                    if number < 0 or not number.is_integer():
                        raise ValueError
                except ValueError:
                    reader.blame(row, None, f"{column} {key}: {value!r} is not a whole number")
                    continue
                if number:
                    out[key] = int(number)
            record[column] = out


def collect(form: Form, main: Table, repeats: dict[str, Table], source: str,
            skip: set[str]) -> tuple[dict[str, Rows], list[Problem], list[str]]:
    """Every layer's records from the export (submissions whose key is in `skip` left out)."""
    problems: list[Problem] = []
    layers: dict[str, Rows] = {}
    roots: dict[str, dict[str, Any]] = {}
    defaults: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    reader = Reader(main, form.questions, (), problems, source)
    seen: dict[str, int] = {}
    order: list[str] = []
    for row, key in enumerate(main.keys):
        if key in seen:
            reader.blame(row, None, f"the same submission as {main.place(seen[key])}")
            continue
        seen[key] = row
        if key in skip:
            continue
        order.append(key)
        record: dict[str, Any] = {}
        geometry = None
        for q in form.questions:
            if q.layer is None:
                continue
            value = reader.answer(q, row)
            if q.required and value is None and q.name not in reader.columns \
                    and q.constant is None:
                reader.blame(row, q, "is required but the export has no column for it")
            if q.layer != form.layer:
                if value is not None:
                    defaults[key].setdefault(q.layer, {})[str(q.column)] = value
                continue
            if q.column == "geom":
                geometry = value
            _fill(layers.setdefault(form.layer, Rows(form.layer)), q, value, record)
        _counts(record, reader, row)
        record["code"] = record.get("code") or _code(form.layer, key)
        roots[key] = record
        _inherit(form.layer, record, {form.layer: record})
        rows = layers.setdefault(form.layer, Rows(form.layer))
        rows.values.append(record)
        rows.geometries.append(geometry)
        rows.places.append(f"{main.place(row)} ({key})")
    for name, repeat in form.repeats.items():
        table = repeats.get(name)
        if table is None or repeat.layer is None:
            continue
        reader = Reader(table, repeat.questions, repeat.path, problems, source)
        numbers: dict[str, int] = defaultdict(int)
        for row, key in enumerate(table.keys):
            if key in skip:
                continue
            numbers[key] += 1
            record, geometry = {}, None
            for q in repeat.questions:
                if q.layer is None:
                    continue
                value = reader.answer(q, row)
                if q.column == "geom":
                    geometry = value
                _fill(layers.setdefault(repeat.layer, Rows(repeat.layer)), q, value, record)
            _counts(record, reader, row)
            for column, value in defaults[key].get(repeat.layer, {}).items():
                if record.get(column) is None:
                    record[column] = value
            record["code"] = record.get("code") or _code(repeat.layer, key, numbers[key])
            _inherit(repeat.layer, record, {form.layer: roots.get(key, {})})
            rows = layers.setdefault(repeat.layer, Rows(repeat.layer))
            rows.values.append(record)
            rows.geometries.append(geometry)
            rows.places.append(f"{table.place(row)} ({key})")
    missing = [r.name for r in form.repeats.values()
               if r.name not in repeats and any(q.required for q in r.questions)]
    notices = [f"{source}: no sheet or file for repeat group {m!r}; none of its records were "
               "imported" for m in missing if len(main.keys)]
    return layers, problems, notices


def _inherit(layer: str, record: dict[str, Any], parents: dict[str, dict[str, Any]]) -> None:
    for column, sources in INHERITED.get(layer, {}).items():
        if record.get(column) is not None:
            continue
        for source in sources:
            parent_layer, _, parent_column = source.partition(".")
            value = parents.get(parent_layer, {}).get(parent_column)
            if value is not None:
                record[column] = value
                break


def _features(rows: Rows) -> FeatureTable:
    geometries = np.empty(len(rows.values), dtype=object)
    geometries[:] = rows.geometries
    return FeatureTable(geometries, pd.DataFrame(rows.values))


def _placed(problems: list[Problem], rows: Rows, source: str) -> list[Problem]:
    """A layer reader's problems (numbered by record) told by the export's sheet and row."""
    out = []
    for p in problems:
        if p.index is None:
            out.append(p)
        else:
            out.append(Problem(None, None, f"{source}: {rows.places[p.index - 1]}: "
                                           f"{rows.layer}: {p.reason}"))
    return out


@dataclass
class Export:
    """A form and its submissions as exported, read before the store is touched."""

    form: Form
    main: Table
    repeats: dict[str, Table]
    source: str


def read_submissions(form_name: str, path: str | Path) -> Export:
    """The form (shipped name or XLSForm path) and its tool's export, both checked."""
    form = load_form(form_name)
    main, repeats = read_export(path, list(form.repeats))
    return Export(form, main, repeats, str(path))


def import_submissions(store: Store, export: Export, actor: str) -> SubmissionImport:
    """Write the export's new submissions in one transaction."""
    form, main, repeats, source = export.form, export.main, export.repeats, export.source
    result = SubmissionImport()
    with store.write() as conn:
        root = LAYERS[form.layer]
        codes = _root_codes(form, main)
        stored = set(conn.execute(select(root.c.code).where(
            root.c.code.in_(list(codes.values())))).scalars()) if codes else set()
        skip = {k for k, c in codes.items() if c in stored}
        result.already = len(skip)
        layers, problems, notices = collect(form, main, repeats, source, skip)
        result.notices = notices
        batches: dict[str, Any] = {}
        for layer, rows in layers.items():
            table = _features(rows)
            if layer == "hazard_areas":
                batch: Any = hazards_from_table(table)
            elif layer == "releases":
                batch = releases_from_table(table)
            else:
                batch = layer_from_table(table, layer, source)
            problems += _placed(batch.problems, rows, source)
            batches[layer] = batch
        refused, noted = _references(conn, layers, source)
        problems += refused
        result.notices += noted
        if problems:
            raise InputError(problems)
        result.submissions = len(layers.get(form.layer, Rows(form.layer)).values)
        for layer in sorted(batches, key=ORDER.index):
            try:
                result.created[layer] = _write(store, conn, layer, batches[layer], actor,
                                               source, result)
            except InputError as exc:  # found while writing: clipping, overlaps, codes taken
                raise InputError(_placed(exc.problems, layers[layer], source)) from None
    return result


def _write(store: Store, conn: Any, layer: str, batch: Any, actor: str, source: str,
           result: SubmissionImport) -> int:
    if layer in ("hazard_areas", "releases"):
        write = import_hazards if layer == "hazard_areas" else import_releases
        done = write(store, batch, actor, source, conn)
        result.notices += done.notices
        return done.created
    return import_layer(store, batch, actor, source, conn)[0]


def _root_codes(form: Form, main: Table) -> dict[str, str]:
    """The main record's code of each submission: its own answer, else made from its key."""
    given = next((q for q in form.questions if q.layer == form.layer and q.column == "code"),
                 None)
    column = _headers(main, [given], ()).get(given.name) if given else None
    codes: dict[str, str] = {}
    for row, key in enumerate(main.keys):
        own = main.value(row, column) if column else ""
        codes.setdefault(key, own or _code(form.layer, key))
    return codes


def _references(conn: Any, layers: dict[str, Rows], source: str
                ) -> tuple[list[Problem], list[str]]:
    """Codes a record names that are neither in the store nor made by this import: problems
    where the store enforces the reference, notes elsewhere."""
    problems: list[Problem] = []
    notes: list[str] = []
    for (layer, column), target in REFERENCES.items():
        rows = layers.get(layer)
        if rows is None:
            continue
        wanted = {r.get(column) for r in rows.values if r.get(column)}
        if not wanted:
            continue
        made = {r.get("code") for r in layers.get(target, Rows(target)).values}
        table = LAYERS[target]
        known = set(conn.execute(select(table.c.code).where(
            table.c.code.in_(list(wanted)))).scalars())
        for record, place in zip(rows.values, rows.places, strict=True):
            code = record.get(column)
            if code and code not in known and code not in made:
                message = f"{source}: {place}: {column} {code!r} is not a code in {target}"
                if (layer, column) in ENFORCED:
                    problems.append(Problem(None, None, message))
                else:
                    notes.append(message)
    return problems, notes
