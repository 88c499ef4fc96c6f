"""Field forms in XLSForm, read with pyxform: which question fills which registry field.

A form says where its answers go in a `demine` column of its survey sheet: `layer.column` for a
question (`finds.category`, `accidents.geom`; `progress_reports.finds_by_category.AP_MINE` for one
key of a JSON count), and a layer name on a `begin_repeat` row, whose every instance becomes one
record of that layer. Questions outside repeats fill the form's main record; such a question
naming a repeat's layer gives every record of that repeat its value. KoboToolbox and ODK Central
keep the extra column to themselves, so the forms deploy as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from demine.model.problems import InputError, Problem
from demine.store.schema import LAYERS, geometry_column

SHIPPED = ("nts", "eo_spot", "clearance_daily", "accident")
"""The forms shipped in the package (and in `forms/` of the source tree)."""
WRITABLE = {"activities", "hazard_areas", "releases", "finds", "evidence", "accidents",
            "victims", "progress_reports", "inspections", "education_sessions", "teams",
            "tasks", "locations"}
"""Layers a form may write (not the audit log, nor context layers)."""
GEOMETRY_TYPES = {"geopoint", "geoshape", "geotrace"}
SELECT_ONE, SELECT_MULTIPLE = "select one", "select all that apply"
SKIPPED_TYPES = {"note", "start", "end", "today", "deviceid", "username", "phonenumber",
                 "simserial", "subscriberid", "audit", "email", "start-geopoint"}


@dataclass
class Question:
    """One answer a submission carries, with where it goes in the registry."""

    name: str
    type: str
    path: tuple[str, ...]
    labels: tuple[str, ...] = ()
    layer: str | None = None
    column: str | None = None
    key: str | None = None
    choices: dict[str, str] = field(default_factory=dict)
    """Choice name by each of its labels (and by its own name)."""
    constant: str | None = None
    """The value of a calculation that is a quoted literal ('NTS'), known without the export."""
    required: bool = False


@dataclass
class Repeat:
    """A repeat group: each of its instances is one record of `layer`."""

    name: str
    path: tuple[str, ...]
    layer: str | None
    questions: list[Question] = field(default_factory=list)
    labels: tuple[str, ...] = ()


@dataclass
class Form:
    """A form's main record, its repeats, and what identifies it."""

    source: str
    form_id: str
    title: str
    layer: str
    questions: list[Question]
    repeats: dict[str, Repeat]


def form_path(name: str) -> Path:
    """The XLSForm of a shipped form's name, or a path as given."""
    if name in SHIPPED:
        return Path(str(resources.files("demine.io") / "forms" / f"{name}.xlsx"))
    path = Path(name)
    if path.suffix.lower() not in (".xlsx", ".xls") or not path.is_file():
        raise InputError([Problem(None, None, f"unknown form {name!r}: neither a shipped form "
                                              f"({', '.join(SHIPPED)}) nor an XLSForm file")])
    return path


def _labels(value: Any) -> tuple[str, ...]:
    if isinstance(value, dict):
        return tuple(str(v).strip() for v in value.values() if v)
    return (str(value).strip(),) if value else ()


def _target(text: str, where: str, problems: list[Problem]) -> tuple[str, str, str | None]:
    """(layer, column, JSON key) of a `demine` target, checked against the schema."""
    layer, _, rest = text.strip().partition(".")
    column, _, key = rest.partition(".")
    if layer not in WRITABLE:
        choices = ", ".join(sorted(WRITABLE))
        problems.append(Problem(None, None, f"{where}: {layer!r} is not a layer a form may "
                                            f"write (expected one of {choices})"))
    elif column not in LAYERS[layer].c or column in ("fid", "id", "created_at", "updated_at",
                                                     "created_by", "version"):
        problems.append(Problem(None, None, f"{where}: {layer} has no field {column!r}"))
    elif key and column not in ("finds_by_category", "non_conformities"):
        problems.append(Problem(None, None, f"{where}: {layer}.{column} takes no key"))
    return layer, column, key or None


def _question(node: dict[str, Any], path: tuple[str, ...], source: str,
              problems: list[Problem]) -> Question:
    kind = str(node.get("type", ""))
    question = Question(node["name"], kind, path, _labels(node.get("label")),
                        required=str(node.get("bind", {}).get("required", "")).lower()
                        in ("yes", "true", "true()"))
    if kind in (SELECT_ONE, SELECT_MULTIPLE):
        for choice in node.get("choices", []) or []:
            question.choices[str(choice["name"])] = str(choice["name"])
            for label in _labels(choice.get("label")):
                question.choices.setdefault(label, str(choice["name"]))
    calculation = str(node.get("bind", {}).get("calculate", "")).strip()
    if len(calculation) >= 2 and calculation[0] == calculation[-1] and calculation[0] in "'\"":
        question.constant = calculation[1:-1]
    target = str(node.get("demine", "") or "").strip()
    if target:
        where = f"{source}: question {question.name!r}"
        question.layer, question.column, question.key = _target(target, where, problems)
        geom = geometry_column(LAYERS[question.layer]) if question.layer in LAYERS else None
        if (kind in GEOMETRY_TYPES) != (geom is not None and question.column == geom.name):
            problems.append(Problem(None, None, f"{where}: a {kind or 'question'} cannot fill "
                                                f"{target}"))
    return question


def _walk(nodes: list[dict[str, Any]], path: tuple[str, ...], out: list[Question],
          repeats: dict[str, Repeat], source: str, problems: list[Problem],
          in_repeat: bool) -> None:
    for node in nodes:
        kind = str(node.get("type", ""))
        name = str(node.get("name", ""))
        if kind == "repeat":
            if in_repeat:
                problems.append(Problem(None, None, f"{source}: repeat {name!r} is inside "
                                                    "another repeat (not supported)"))
                continue
            layer = str(node.get("demine", "") or "").strip() or None
            if layer is not None and layer not in WRITABLE:
                problems.append(Problem(None, None, f"{source}: repeat {name!r}: {layer!r} is "
                                                    "not a layer a form may write"))
            repeat = Repeat(name, (*path, name), layer, labels=_labels(node.get("label")))
            repeats[name] = repeat
            _walk(node.get("children", []), (*path, name), repeat.questions, repeats, source,
                  problems, True)
        elif kind == "group":
            _walk(node.get("children", []), (*path, name), out, repeats, source, problems,
                  in_repeat)
        elif kind not in SKIPPED_TYPES and name:
            out.append(_question(node, path, source, problems))


def load_form(name: str) -> Form:
    """A form by shipped name or path, parsed by pyxform and checked against the registry."""
    from pyxform.errors import PyXFormError
    from pyxform.xls2json import parse_file_to_json

    path = form_path(name)
    source = name if name in SHIPPED else str(path)
    try:
        tree = parse_file_to_json(str(path))
    except (PyXFormError, ValueError, KeyError, OSError) as exc:
        raise InputError([Problem(None, None, f"{source}: not a valid XLSForm ({exc})")]) from None
    problems: list[Problem] = []
    questions: list[Question] = []
    repeats: dict[str, Repeat] = {}
    _walk(tree.get("children", []), (), questions, repeats, source, problems, False)
    main = {q.layer for q in questions if q.layer} - {r.layer for r in repeats.values()}
    for repeat in repeats.values():
        if repeat.layer is None:
            repeat.layer = next((q.layer for q in repeat.questions if q.layer), None)
        stray = {q.layer for q in repeat.questions if q.layer} - {repeat.layer}
        if stray:
            problems.append(Problem(None, None, f"{source}: repeat {repeat.name!r} writes "
                                                f"{repeat.layer} but its questions name "
                                                f"{', '.join(sorted(str(s) for s in stray))}"))
    if len(main) != 1:
        found = ", ".join(sorted(main)) or "none"
        problems.append(Problem(None, None, f"{source}: the questions outside repeats must "
                                            f"fill exactly one layer (found: {found}); say "
                                            "which in the survey sheet's 'demine' column"))
    if problems:
        raise InputError(problems)
    return Form(source, str(tree.get("id_string", "")), str(tree.get("title", "")),
                main.pop(), questions, repeats)
