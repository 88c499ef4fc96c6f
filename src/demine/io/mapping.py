"""Event mappings: TOML files that say how a source's event records become registry records.

A source of mine-action events (accidents, finds, seizures, suspected minefields ...) codes each
event with a type of its own. A mapping names the files and columns that hold an event's type,
date, position and description, and places every type code in one layer (accidents, finds or
evidence) with the vocabulary values its records get. The mapping is checked whole before any
data is read: an unknown section or key, a missing required key or a value outside its
vocabulary is refused with the file, the key and the reason. Shipped mappings live in
`demine.io.mappings`; `--mapping` takes a shipped mapping's name or a path to a user's file.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pyproj import CRS
from pyproj.exceptions import CRSError

from demine.model.config import read_toml, shipped
from demine.model.problems import InputError, Problem
from demine.model.vocab import (
    DeviceCondition,
    Disposal,
    EvidenceKind,
    OrdnanceCategory,
    Vocabulary,
)

SHIPPED = "demine.io.mappings"
PREFIXES = {"accidents": "ACC", "finds": "F", "evidence": "EV"}
"""The layers events land in, with the prefix of their records' codes."""
FORMATS = ("geojson", "csv")
DATE_FORMATS = ("year", "iso")
"""Besides these, a date format may be a strptime pattern such as "%d/%m/%Y"."""
CODE_FIELDS = ("file", "row", "id")
ROW_FIELDS = ("label", "type", "layer", "file", "row")
"""Fields a description may use besides the source's own columns."""


class MappingError(InputError):
    """A mapping that cannot be used: one problem per key, each naming the file and the key."""

    def __init__(self, source: str, reasons: list[str]):
        self.source = source
        self.reasons = reasons
        super().__init__([Problem(None, None, f"{source}: {r}") for r in reasons])


@dataclass(frozen=True)
class EventType:
    """Where events of one type code land: a layer and the values their records get."""

    code: str
    label: str
    layer: str
    values: dict[str, Any]
    """Stored columns fixed by the type: category, kind, demining, condition, disposal ..."""


@dataclass(frozen=True)
class EventMapping:
    """A checked mapping (see the module's docstring and the shipped colombia_events.toml)."""

    name: str
    source: str
    label: str
    format: str
    files: str
    crs: str
    code: str
    extent: tuple[float, float, float, float] | None
    type_column: str
    date_column: str
    date_format: str
    coordinates: str | tuple[str, str]
    description: str | None
    id_column: str | None
    types: dict[str, EventType]

    def code_of(self, layer: str, file: str, row: int, own_id: str | None) -> str:
        """The registry code of an event: the layer's prefix and the mapping's template."""
        return f"{PREFIXES[layer]}-{self.code.format(file=file, row=row, id=own_id)}"


def source_key(code: str) -> str:
    """A code without its layer's prefix: what identifies the event in its source."""
    return code.split("-", 1)[1]


# --- checks of single values: each returns (value, reason or None) ---------------------------

Check = Callable[[Any], tuple[Any, str | None]]


def _text(value: Any) -> tuple[Any, str | None]:
    ok = isinstance(value, str) and value.strip() != ""
    return (value.strip(), None) if ok else (None, "must be non-empty text")


def _flag(value: Any) -> tuple[Any, str | None]:
    return (value, None) if isinstance(value, bool) else (None, "must be true or false")


def _one_of(choices: tuple[str, ...]) -> Check:
    def check(value: Any) -> tuple[Any, str | None]:
        if isinstance(value, str) and value in choices:
            return value, None
        return None, f"{value!r} is not one of {', '.join(choices)}"
    return check


def _vocab(vocab: type[Vocabulary]) -> Check:
    def check(value: Any) -> tuple[Any, str | None]:
        if not isinstance(value, str):
            return None, f"must be text, one of {vocab.choices()}"
        try:
            return vocab.parse(value).value, None
        except ValueError as exc:
            return None, str(exc)
    return check


def _crs(value: Any) -> tuple[Any, str | None]:
    if not isinstance(value, str) or not value.strip():
        return None, "must be a CRS as text (EPSG:4326, say)"
    try:
        CRS.from_user_input(value)
    except CRSError:
        return None, f"{value!r} is not a CRS pyproj knows"
    return value, None


def _extent(value: Any) -> tuple[Any, str | None]:
    numbers = isinstance(value, list) and len(value) == 4 and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
    if not numbers:
        return None, "must be [west, south, east, north] in degrees"
    west, south, east, north = (float(v) for v in value)
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        return None, f"{value} is not a box of longitudes in [-180, 180] and latitudes in [-90, 90]"
    return (west, south, east, north), None


def _coordinates(value: Any) -> tuple[Any, str | None]:
    if value == "geometry":
        return value, None
    if (isinstance(value, list) and len(value) == 2
            and all(isinstance(v, str) and v.strip() for v in value)):
        return (value[0].strip(), value[1].strip()), None
    return None, 'must be "geometry" (GeoJSON) or ["x column", "y column"] (CSV)'


def _date_format(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, str) and (value in DATE_FORMATS or "%" in value):
        return value, None
    return None, f'{value!r} is not "year", "iso" nor a strptime pattern such as "%d/%m/%Y"'


def template_fields(template: str) -> list[str]:
    """The field names of a str.format template (ValueError when it is malformed)."""
    return [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]


def _template(allowed: tuple[str, ...] | None) -> Check:
    """A str.format template using only `allowed` fields (None: any named field)."""
    def check(value: Any) -> tuple[Any, str | None]:
        if not isinstance(value, str) or not value.strip():
            return None, "must be non-empty text"
        try:
            fields = template_fields(value)
        except ValueError as exc:
            return None, f"is not a template: {exc}"
        for name in fields:
            if not name or name.isdigit():
                return None, "every {field} must be named"
            if allowed is not None and name not in allowed:
                return None, f"{{{name}}} is not one of {', '.join(allowed)}"
        return value, None
    return check


# --- what each section accepts: key -> (required, check) -------------------------------------

SOURCE: dict[str, tuple[bool, Check]] = {
    "label": (True, _text), "format": (True, _one_of(FORMATS)), "files": (True, _text),
    "crs": (True, _crs), "code": (True, _template(CODE_FIELDS)), "extent": (False, _extent),
}
COLUMNS: dict[str, tuple[bool, Check]] = {
    "type": (True, _text), "date": (True, _text), "date_format": (True, _date_format),
    "coordinates": (True, _coordinates), "description": (False, _template(None)),
    "id": (False, _text),
}
TYPE_COMMON: dict[str, tuple[bool, Check]] = {
    "label": (True, _text), "layer": (True, _one_of(tuple(PREFIXES))),
}
TYPE_BY_LAYER: dict[str, dict[str, tuple[bool, Check]]] = {
    "accidents": {"category": (False, _vocab(OrdnanceCategory)), "demining": (False, _flag),
                  "activity_at_time": (False, _text)},
    "finds": {"category": (True, _vocab(OrdnanceCategory)),
              "condition": (False, _vocab(DeviceCondition)), "disposal": (False, _vocab(Disposal))},
    "evidence": {"kind": (True, _vocab(EvidenceKind))},
}
SECTIONS = ("source", "columns", "types")


def _check_table(
    table: dict[str, Any], spec: dict[str, tuple[bool, Check]], where: str, problems: list[str],
    known: set[str] | None = None,
) -> dict[str, Any]:
    """The checked values of one table; its problems appended as '[where] key: reason'."""
    values: dict[str, Any] = {}
    for key in table:
        if key not in spec and (known is None or key not in known):
            problems.append(f"[{where}] {key}: unknown key (expected {', '.join(spec)})")
    for key, (required, check) in spec.items():
        if key not in table:
            if required:
                problems.append(f"[{where}] {key}: missing required key")
            continue
        value, reason = check(table[key])
        if reason:
            problems.append(f"[{where}] {key}: {reason}")
        values[key] = value
    return values


def _check_type(code: str, table: Any, problems: list[str]) -> EventType | None:
    """One [types.CODE] table: its layer decides which further keys it takes."""
    where = f"types.{code}"
    if not isinstance(table, dict):
        problems.append(f"[{where}]: must be a table with label and layer")
        return None
    layer = table.get("layer") if table.get("layer") in TYPE_BY_LAYER else None
    if layer is None:  # its own problem below; the layer's other keys cannot be judged yet
        others = {k for spec in TYPE_BY_LAYER.values() for k in spec}
        _check_table(table, TYPE_COMMON, where, problems, known=others)
        return None
    own = TYPE_BY_LAYER[layer]
    for key in table:
        if key not in TYPE_COMMON and key not in own:
            problems.append(f"[{where}] {key}: unknown key for a type placed in {layer} "
                            f"(expected {', '.join([*TYPE_COMMON, *own])})")
    values = _check_table({k: v for k, v in table.items() if k in TYPE_COMMON or k in own},
                          {**TYPE_COMMON, **own}, where, problems)
    label = values.pop("label", None) or code
    values.pop("layer")
    if layer == "accidents":
        values.setdefault("demining", False)
    return EventType(code, label, layer, values)


def check_mapping(raw: dict[str, Any], source: str, name: str) -> EventMapping:
    """Check a mapping's raw tables: every problem at once, or the mapping."""
    problems: list[str] = []
    for section, table in raw.items():
        if section not in SECTIONS:
            problems.append(f"[{section}]: unknown section (expected {', '.join(SECTIONS)})")
        elif not isinstance(table, dict):
            problems.append(f"{section}: must be a table [{section}]")
    tables: dict[str, dict[str, Any]] = {
        s: raw[s] if isinstance(raw.get(s), dict) else {} for s in SECTIONS}
    for section in SECTIONS:
        if section not in raw:
            problems.append(f"[{section}]: missing required section")
    src = _check_table(tables["source"], SOURCE, "source", problems)
    cols = _check_table(tables["columns"], COLUMNS, "columns", problems)
    types: dict[str, EventType] = {}
    for code, table in tables["types"].items():
        checked = _check_type(str(code), table, problems)
        if checked is not None:
            types[checked.code] = checked
    if "types" in raw and not tables["types"]:
        problems.append("[types]: places no event type (add [types.CODE] tables)")
    problems.extend(_consistency(src, cols))
    if problems:
        raise MappingError(source, problems)
    coordinates = cols["coordinates"]
    return EventMapping(
        name=name, source=source, label=src["label"], format=src["format"], files=src["files"],
        crs=src["crs"], code=src["code"], extent=src.get("extent"),
        type_column=cols["type"], date_column=cols["date"], date_format=cols["date_format"],
        coordinates=coordinates, description=cols.get("description"), id_column=cols.get("id"),
        types=types,
    )


def _consistency(src: dict[str, Any], cols: dict[str, Any]) -> list[str]:
    """Rules that tie keys together."""
    problems = []
    fmt, coordinates, code = src.get("format"), cols.get("coordinates"), src.get("code")
    if fmt == "geojson" and isinstance(coordinates, tuple):
        problems.append('[columns] coordinates: a GeoJSON source takes "geometry"')
    if fmt == "csv" and coordinates == "geometry":
        problems.append('[columns] coordinates: a CSV source takes ["x column", "y column"]')
    if code is not None:
        literal = "".join(text for text, *_ in string.Formatter().parse(code))
        if not any(ch.isalpha() for ch in literal):
            problems.append("[source] code: must hold letters of its own (\"CO-{file}-{row}\", "
                            "say), so that imported codes never look like the registry's "
                            "ACC-000123")
        if "{id" in code and cols.get("id") is None:
            problems.append("[source] code: uses {id} but [columns] has no id column")
        if "{row" not in code and "{id" not in code:
            problems.append("[source] code: must use {row} or {id}, so that each event has "
                            "its own code")
    return problems


def shipped_mappings() -> list[str]:
    """Names of the mappings shipped with demine."""
    return shipped(resources.files(SHIPPED))


def load_mapping(name_or_path: str | Path) -> EventMapping:
    """A shipped mapping by name (`colombia_events`), or a user's TOML file, checked."""
    raw, source, name = read_toml(str(name_or_path), resources.files(SHIPPED), "mapping",
                                  MappingError, extends=False)
    return check_mapping(raw, source, name)
