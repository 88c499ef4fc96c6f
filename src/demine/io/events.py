"""Events of a mine-action source (accidents, finds, seizures, suspicions) read through a mapping.

`read_events` reads a file or a directory of files as the mapping says and returns every event
placed in its layer, with one problem per row that cannot be taken: an unreadable row, a type
code the mapping does not place, missing or out-of-range coordinates, a bad date. Nothing is
dropped silently: a batch with problems is refused whole by `import_events`.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import Transformer

from demine.geo.crs import WGS84, is_wgs84
from demine.io.mapping import (
    ROW_FIELDS,
    EventMapping,
    load_mapping,
    source_key,
    template_fields,
)
from demine.model.problems import InputError, Problem
from demine.store.events import import_events

__all__ = ["EventBatch", "import_events", "read_events"]

NOTICE_EXAMPLES = 10
"""How many events a notice names before it says 'and N more'."""


@dataclass
class EventBatch:
    """Events read from one file or directory, column by column, in file and row order."""

    mapping: EventMapping
    codes: list[str] = field(default_factory=list)
    layers: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    dates: list[date] = field(default_factory=list)
    lon: list[float] = field(default_factory=list)
    lat: list[float] = field(default_factory=list)
    descriptions: list[str | None] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.codes)

    def count_by_layer(self) -> dict[str, int]:
        return dict(sorted(Counter(self.layers).items()))

    def count_by_type(self) -> dict[str, int]:
        return dict(sorted(Counter(self.types).items()))

    def where(self, i: int) -> str:
        """How messages name the i-th event (0-based): its file and row."""
        return f"{self.files[i]} feature {self.rows[i]}"

    def points(self, chosen: list[int] | None = None) -> NDArray[np.object_]:
        """The events' positions as shapely points (all, or the `chosen` ones)."""
        lon, lat = np.asarray(self.lon), np.asarray(self.lat)
        if chosen is not None:
            lon, lat = lon[chosen], lat[chosen]
        return np.asarray(shapely.points(lon, lat), dtype=object)


class FileProblem(Exception):
    """A file that cannot be read at all (corrupt, truncated, not the format named)."""


Record = tuple[int, dict[str, Any], Any, Any, str | None]
"""A row as read: its number (from 1), its properties, x, y, and why it is unreadable."""


def read_events(path: str | Path, mapping: EventMapping | str | Path) -> EventBatch:
    """Every event of a file, or of a directory's files named by the mapping, with problems."""
    chosen = mapping if isinstance(mapping, EventMapping) else load_mapping(mapping)
    reader = _Reader(chosen)
    for file in event_files(Path(path), chosen):
        reader.read_file(file)
    return reader.finish()


def event_files(path: Path, mapping: EventMapping) -> list[Path]:
    """The file itself, or the directory's files matching the mapping's `files`, sorted."""
    if path.is_file():
        return [path]
    if not path.exists():
        raise InputError([Problem(None, None, f"{path}: no such file or directory")])
    files = sorted(p for p in path.glob(mapping.files) if p.is_file())
    if not files:
        raise InputError([Problem(None, None, f"{path}: holds no file matching "
                                  f"{mapping.files!r} (the mapping's [source] files)")])
    return files


class _Reader:
    """Turns rows into events, one file after another, keeping every problem."""

    def __init__(self, mapping: EventMapping):
        self.mapping = mapping
        self.batch = EventBatch(mapping)
        self.dates: dict[Any, date | str] = {}
        fields = template_fields(mapping.description) if mapping.description else []
        self.columns_named = {f for f in fields if f not in ROW_FIELDS}
        self.columns_seen: set[str] = set()
        self.to_wgs84 = None if is_wgs84(mapping.crs) else Transformer.from_crs(
            mapping.crs, WGS84, always_xy=True)

    def read_file(self, path: Path) -> None:
        """Take a file's events; a file that cannot be read at all is one problem."""
        records = _geojson(path) if self.mapping.format == "geojson" else _csv(
            path, self.mapping.coordinates)
        try:
            rows = list(records)
        except FileProblem as exc:
            self.batch.problems.append(Problem(None, None, f"{path}: {exc}"))
            return
        readable = [r for r in rows if r[4] is None]
        problems = [Problem(row, path.name, reason) for row, *_, reason in rows if reason]
        lon, lat = self._wgs84(readable)
        for (row, props, *_), x, y in zip(readable, lon.tolist(), lat.tolist(), strict=True):
            problems.extend(self._event(path, row, props, x, y))
        self.batch.problems.extend(sorted(problems, key=lambda p: p.index or 0))

    def _wgs84(self, rows: list[Record]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        x = np.array([r[2] for r in rows], dtype=float)
        y = np.array([r[3] for r in rows], dtype=float)
        if self.to_wgs84 is None or not len(rows):
            return x, y
        lon, lat = self.to_wgs84.transform(x, y)
        return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)

    def _event(
        self, path: Path, row: int, props: dict[str, Any], lon: float, lat: float
    ) -> list[Problem]:
        """Add one row's event to the batch, or say why it cannot be taken."""
        m, b = self.mapping, self.batch
        misplaced = _position(lon, lat, self.to_wgs84 is not None)
        reasons = [misplaced] if misplaced else []
        kind = _text(props.get(m.type_column))
        placed = m.types.get(kind) if kind is not None else None
        if kind is None:
            reasons.append(f"no event type (column {m.type_column} is empty or missing)")
        elif placed is None:
            reasons.append(f"event type {kind!r} is not placed by the mapping "
                           f"(it places {', '.join(m.types)})")
        when = self._date(props.get(m.date_column))
        if isinstance(when, str):
            reasons.append(when)
        own_id = _text(props.get(m.id_column)) if m.id_column else None
        if m.id_column and own_id is None:
            reasons.append(f"no identifier (column {m.id_column} is empty or missing)")
        self.columns_seen.update(c for c in self.columns_named if c in props)
        if reasons or kind is None or placed is None or not isinstance(when, date):
            return [Problem(row, path.name, r) for r in reasons]
        try:
            code = m.code_of(placed.layer, path.stem, row, own_id)
            text = m.description.format_map(_Values(
                props, label=placed.label, type=kind, layer=placed.layer, file=path.name,
                row=row)) if m.description else None
        except (ValueError, TypeError, IndexError) as exc:
            return [Problem(row, path.name, f"cannot be coded or described: {exc}")]
        b.codes.append(code)
        b.layers.append(placed.layer)
        b.types.append(kind)
        b.dates.append(when)
        b.lon.append(lon)
        b.lat.append(lat)
        b.descriptions.append(text)
        b.files.append(path.name)
        b.rows.append(row)
        return []

    def _date(self, raw: Any) -> date | str:
        """The event's date, or the reason it has none (parsed once per distinct value)."""
        key = raw if isinstance(raw, (str, int, float)) or raw is None else repr(raw)
        if key not in self.dates:
            self.dates[key] = parse_event_date(raw, self.mapping.date_format,
                                               self.mapping.date_column)
        return self.dates[key]

    def finish(self) -> EventBatch:
        """The batch, with the checks that need every file read: columns, codes, extent."""
        b, m = self.batch, self.mapping
        missing = sorted(self.columns_named - self.columns_seen)
        if missing and len(b):
            b.problems.append(Problem(None, None, (
                f"{m.source}: [columns] description names column(s) {', '.join(missing)}, "
                "which no event of the files has")))
        seen: dict[str, int] = {}
        for i, code in enumerate(b.codes):
            own = source_key(code)
            if own in seen:
                b.problems.append(Problem(b.rows[i], b.files[i], (
                    f"code {own!r} is also that of {b.where(seen[own])} (the mapping's "
                    "[source] code must tell events apart)")))
            else:
                seen[own] = i
        if m.extent is not None and len(b):
            self._outside(m.extent)
        return b

    def _outside(self, extent: tuple[float, float, float, float]) -> None:
        """Point out events outside the mapping's extent (often a coordinate's lost sign)."""
        b = self.batch
        lon, lat = np.asarray(b.lon), np.asarray(b.lat)
        west, south, east, north = extent
        out = np.flatnonzero((lon < west) | (lon > east) | (lat < south) | (lat > north))
        if not len(out):
            return
        named = ", ".join(f"{b.where(int(i))} ({b.lon[i]:.6f}, {b.lat[i]:.6f})"
                          for i in out[:NOTICE_EXAMPLES])
        more = f" and {len(out) - NOTICE_EXAMPLES} more" if len(out) > NOTICE_EXAMPLES else ""
        b.notices.append(
            f"{len(out)} event(s) lie outside the extent the mapping expects "
            f"[{west:g}, {south:g}, {east:g}, {north:g}] and are imported where the source puts "
            f"them: {named}{more}")


class _Values(dict[str, Any]):
    """A row's values for a description template: a missing or null column reads as ''."""

    def __init__(self, props: dict[str, Any], **known: Any):
        super().__init__({k: "" if v is None else v for k, v in props.items()})
        self.update(known)

    def __missing__(self, key: str) -> str:
        return ""


def _text(value: Any) -> str | None:
    """A value as stripped text (whole numbers without '.0'), None when blank."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def parse_event_date(raw: Any, date_format: str, column: str) -> date | str:
    """The date of a raw value under the mapping's date format, or the reason it is bad."""
    text = _text(raw)
    if text is None:
        return f"no date (column {column} is empty or missing)"
    try:
        if date_format == "year":
            if not (len(text) == 4 and text.isdigit()):
                return f"date {text!r} is not a year (YYYY)"
            when = date(int(text), 1, 1)
        elif date_format == "iso":
            when = date.fromisoformat(text[:10])
        else:
            when = datetime.strptime(text, date_format).date()
    except ValueError:
        return f"date {text!r} does not match the mapping's date format {date_format!r}"
    if when > date.today():
        return f"date {when.isoformat()} is in the future"
    return when


def _position(lon: float, lat: float, reprojected: bool) -> str | None:
    """Why a position cannot be stored, if it cannot."""
    if not (np.isfinite(lon) and np.isfinite(lat)):
        if reprojected:
            return "coordinates cannot be placed in WGS84 from the mapping's CRS"
        return f"coordinates ({lon}, {lat}) are not finite numbers"
    if not -180 <= lon <= 180:
        return f"coordinates out of range: longitude {lon:g} is outside [-180, 180]"
    if not -90 <= lat <= 90:
        return f"coordinates out of range: latitude {lat:g} is outside [-90, 90]"
    return None


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _geojson(path: Path) -> Iterator[Record]:
    """The features of a GeoJSON FeatureCollection of points."""
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))  # RFC 7946: UTF-8
    except json.JSONDecodeError as exc:
        raise FileProblem(f"not valid JSON, corrupt or truncated ({exc})") from None
    except UnicodeDecodeError as exc:
        raise FileProblem(f"not UTF-8 text, corrupt ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise FileProblem(f"cannot be read ({exc.strerror or exc})") from None
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list) or data.get("type") != "FeatureCollection":
        raise FileProblem("not a GeoJSON FeatureCollection")
    for row, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            yield row, {}, None, None, "not a GeoJSON Feature"
            continue
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            yield row, {}, None, None, "its properties are not an object"
            continue
        geometry = feature.get("geometry")
        if not isinstance(geometry, dict):
            yield row, props, None, None, "no coordinates (the feature has no geometry)"
            continue
        if geometry.get("type") != "Point":
            yield row, props, None, None, f"geometry is a {geometry.get('type')}, not a Point"
            continue
        xy = geometry.get("coordinates")
        if not (isinstance(xy, list) and len(xy) >= 2 and _number(xy[0]) and _number(xy[1])):
            yield row, props, None, None, f"coordinates {xy!r} are not a pair of numbers"
            continue
        yield row, props, xy[0], xy[1], None


def _csv(path: Path, coordinates: str | tuple[str, str]) -> Iterator[Record]:
    """The rows of a CSV file with a header; rows are counted from 1 after the header."""
    x_col, y_col = coordinates if isinstance(coordinates, tuple) else ("", "")
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
    except UnicodeDecodeError as exc:
        raise FileProblem(f"not UTF-8 text, corrupt ({exc.reason} at byte {exc.start})") from None
    except csv.Error as exc:
        raise FileProblem(f"not valid CSV, corrupt or truncated ({exc})") from None
    except OSError as exc:
        raise FileProblem(f"cannot be read ({exc.strerror or exc})") from None
    if not rows:
        raise FileProblem("empty: no header row")
    header = [h.strip() for h in rows[0]]
    absent = [c for c in (x_col, y_col) if c not in header]
    if absent:
        raise FileProblem(f"has no column {', '.join(absent)} (the mapping's coordinates)")
    for row, cells in enumerate(rows[1:], start=1):
        if len(cells) != len(header):
            yield row, {}, None, None, (
                f"unreadable row: {len(cells)} fields where the header has {len(header)}")
            continue
        props: dict[str, Any] = {h: (c.strip() or None) for h, c in zip(header, cells, strict=True)}
        raw = (props[x_col], props[y_col])
        if raw[0] is None or raw[1] is None:
            yield row, props, None, None, f"no coordinates (column {x_col} or {y_col} is empty)"
            continue
        try:
            x, y = float(raw[0]), float(raw[1])
        except ValueError:
            yield row, props, None, None, f"coordinates {raw[0]!r}, {raw[1]!r} are not numbers"
            continue
        yield row, props, x, y, None
