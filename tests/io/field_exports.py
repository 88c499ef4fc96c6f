"""Exports of field-form submissions written as KoboToolbox and ODK Central write them."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from demine.io.xlsform import SELECT_MULTIPLE, Form, Question


@dataclass
class Submission:
    """One filled-in form: answers by question name, and each repeat's instances."""

    key: str
    answers: dict[str, Any]
    repeats: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def _parts(value: Any) -> list[str]:
    """A geopoint answer's latitude, longitude, altitude and accuracy ('' when missing)."""
    return [*str(value or "").split(), "", "", "", ""][:4]


def _label(q: Question, value: Any) -> Any:
    """An answer as a label export writes it: each choice by its label."""
    labels = {name: label for label, name in q.choices.items() if label != name}
    if q.type == SELECT_MULTIPLE and value:
        return " ".join(labels.get(v, v) for v in str(value).split())
    return labels.get(value, value) if isinstance(value, str) else value


def _kobo_columns(q: Question, value: Any, labels: bool = False) -> dict[str, Any]:
    header = "/".join((*q.path, q.name))
    chosen = str(value or "").split()
    if labels:
        header, value = (q.labels[0] if q.labels else q.name), _label(q, value)
    out = {header: "" if value is None else value}
    if q.type == "geopoint":
        parts = _parts(value)
        for part, name in zip(parts, ("latitude", "longitude", "altitude", "precision"),
                              strict=True):
            out["/".join((*q.path, f"_{q.name}_{name}"))] = part
    if q.type == SELECT_MULTIPLE:
        for label, option in q.choices.items():
            if (label != option) == labels:
                out[f"{header}/{label}"] = 1 if option in chosen else 0
    return out


def kobo_xlsx(path: Path, form: Form, submissions: list[Submission],
              labels: bool = False) -> Path:
    """A KoboToolbox XLSX export: XML names and group paths joined by '/' (or, with `labels`,
    labels for questions and choices), one sheet per repeat."""
    book = Workbook()
    main = book.active
    main.title = re.sub(r"[\[\]:*?/\\]", "", form.title)[:31]
    rows = []
    for index, s in enumerate(submissions, start=1):
        row: dict[str, Any] = {}
        for q in form.questions:
            if q.name != "instanceID":
                row.update(_kobo_columns(q, s.answers.get(q.name), labels))
        row.update({"meta/instanceID": f"uuid:{s.key}", "_id": 1000 + index, "_uuid": s.key,
                    "_submission_time": "2026-11-20T10:00:00", "_index": index})
        rows.append(row)
    _sheet(main, rows)
    for name, repeat in form.repeats.items():
        sheet = book.create_sheet(name[:31])
        rows, n = [], 0
        for index, s in enumerate(submissions, start=1):
            for answers in s.repeats.get(name, []):
                n += 1
                row = {}
                for q in repeat.questions:
                    row.update(_kobo_columns(q, answers.get(q.name), labels))
                row.update({"_index": n, "_parent_table_name": main.title,
                            "_parent_index": index, "_submission__id": 1000 + index,
                            "_submission__uuid": s.key})
                rows.append(row)
        _sheet(sheet, rows, [*("/".join((*q.path, q.name)) for q in repeat.questions),
                             "_index", "_parent_table_name", "_parent_index"])
    book.save(path)
    return path


def _sheet(sheet: Any, rows: list[dict[str, Any]], empty: list[str] | None = None) -> None:
    header = list(dict.fromkeys(k for r in rows for k in r)) or empty or []
    sheet.append(header)
    for r in rows:
        sheet.append([r.get(h, "") for h in header])


def _odk_columns(q: Question, value: Any, base: tuple[str, ...]) -> dict[str, Any]:
    header = "-".join((*q.path[len(base):], q.name))
    if q.type == "geopoint":
        parts = _parts(value)
        return {f"{header}-{c}": p for c, p in
                zip(("Latitude", "Longitude", "Altitude", "Accuracy"), parts, strict=True)}
    return {header: "" if value is None else value}


def odk_zip(path: Path, form: Form, submissions: list[Submission]) -> Path:
    """An ODK Central CSV export: FORM.csv and FORM-REPEAT.csv in a ZIP, linked by KEY."""
    files = {}
    rows = []
    for s in submissions:
        row: dict[str, Any] = {"SubmissionDate": "2026-11-20T10:00:00.000Z"}
        for q in form.questions:
            if q.name != "instanceID":
                row.update(_odk_columns(q, s.answers.get(q.name), ()))
        for name in form.repeats:
            row[f"SET-OF-{name}"] = f"uuid:{s.key}/{name}"
        row.update({"meta-instanceID": f"uuid:{s.key}", "KEY": f"uuid:{s.key}",
                    "SubmitterName": "field1", "ReviewState": ""})
        rows.append(row)
    files[f"{form.form_id}.csv"] = rows
    for name, repeat in form.repeats.items():
        rows = []
        for s in submissions:
            for n, answers in enumerate(s.repeats.get(name, []), start=1):
                row = {}
                for q in repeat.questions:
                    row.update(_odk_columns(q, answers.get(q.name), repeat.path))
                row.update({"PARENT_KEY": f"uuid:{s.key}", "KEY": f"uuid:{s.key}/{name}[{n}]",
                            f"SET-OF-{name}": f"uuid:{s.key}/{name}"})
                rows.append(row)
        files[f"{form.form_id}-{name}.csv"] = rows
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, table in files.items():
            text = io.StringIO()
            header = list(dict.fromkeys(k for r in table for k in r)) or ["PARENT_KEY", "KEY"]
            writer = csv.DictWriter(text, header)
            writer.writeheader()
            writer.writerows(table)
            archive.writestr(name, text.getvalue())
    return path
