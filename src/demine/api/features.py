"""Reading features for the web service, with no web framework in sight.

Queries go through the store's spatial index (the GeoPackage R-tree, or PostGIS's GIST index with
`&&`), geometries are decoded in one vectorised pass and written as GeoJSON text directly, so a
page of a hundred polygons costs a few milliseconds.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import shapely
from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    func,
    literal_column,
    select,
    text,
    type_coerce,
)
from sqlalchemy.sql import Select

from demine.api.collections import Collection
from demine.store.types import RawGeometry, decode_geometries

MAX_LIMIT = 10_000
DEFAULT_LIMIT = 100


class QueryError(ValueError):
    """A query parameter that cannot be used; `parameter` names it."""

    def __init__(self, parameter: str, reason: str):
        self.parameter = parameter
        super().__init__(f"{parameter}: {reason}")


@dataclass(frozen=True)
class Query:
    """What a client asked of a collection's items."""

    bbox: tuple[float, float, float, float] | None = None
    start: date | None = None
    end: date | None = None
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    where: ColumnElement[bool] | None = None


def parse_bbox(value: str | None) -> tuple[float, float, float, float] | None:
    if value is None or value == "":
        return None
    try:
        parts = [float(v) for v in value.split(",")]
    except ValueError:
        raise QueryError("bbox", "must be four numbers: minlon,minlat,maxlon,maxlat") from None
    if len(parts) == 6:  # 3D box: drop the heights
        parts = [parts[0], parts[1], parts[3], parts[4]]
    if len(parts) != 4 or not all(np.isfinite(parts)):
        raise QueryError("bbox", "must be four numbers: minlon,minlat,maxlon,maxlat")
    minx, miny, maxx, maxy = parts
    if miny > maxy or not (-90 <= miny <= 90 and -90 <= maxy <= 90):
        raise QueryError("bbox", "latitudes must lie in [-90, 90] with the lower one first")
    return minx, miny, maxx, maxy


def _instant(text_value: str, parameter: str) -> date | None:
    if text_value in ("", ".."):
        return None
    try:
        return datetime.fromisoformat(text_value.replace("Z", "+00:00")).date()
    except ValueError:
        raise QueryError(parameter,
                         f"{text_value!r} is not an RFC 3339 date or date-time") from None


def parse_datetime(value: str | None) -> tuple[date | None, date | None]:
    """An instant or an interval (`a/b`, either end open with `..`) as a closed date range."""
    if value is None or value == "":
        return None, None
    if "/" in value:
        a, b = value.split("/", 1)
        start, end = _instant(a, "datetime"), _instant(b, "datetime")
        if start and end and start > end:
            raise QueryError("datetime", "the interval's start comes after its end")
        return start, end
    day = _instant(value, "datetime")
    return day, day


def parse_limit(value: str | int | None) -> int:
    if value is None or value == "":
        return DEFAULT_LIMIT
    try:
        limit = int(value)
    except ValueError:
        raise QueryError("limit", "must be a whole number") from None
    if limit < 1:
        raise QueryError("limit", "must be at least 1")
    return min(limit, MAX_LIMIT)


def _filtered(conn: Connection, coll: Collection, q: Query, stmt: Select[Any]) -> Select[Any]:
    table = coll.table
    conditions: list[ColumnElement[bool]] = []
    if q.bbox is not None and coll.geometry is not None:
        minx, miny, maxx, maxy = q.bbox
        if conn.dialect.name == "sqlite":
            rtree = f"rtree_{table.name}_{coll.geometry.name}"
            conditions.append(table.c.fid.in_(text(
                f'SELECT id FROM "{rtree}" WHERE minx <= :maxx AND maxx >= :minx '
                "AND miny <= :maxy AND maxy >= :miny"
            ).bindparams(minx=minx, miny=miny, maxx=maxx, maxy=maxy)))
        else:
            conditions.append(coll.geometry.op("&&")(
                func.ST_MakeEnvelope(minx, miny, maxx, maxy, 4326)))
    if coll.temporal and (q.start or q.end):
        column = table.c[coll.temporal]
        if q.start:
            conditions.append(column >= q.start)
        if q.end:
            conditions.append(column <= q.end)
    if q.where is not None:
        conditions.append(q.where)
    return stmt.where(and_(*conditions)) if conditions else stmt


def count(conn: Connection, coll: Collection, q: Query) -> int:
    stmt = _filtered(conn, coll, q, select(func.count()).select_from(coll.table))
    return int(conn.execute(stmt).scalar_one())


def items(conn: Connection, coll: Collection, q: Query,
          hidden: frozenset[str] = frozenset()) -> list[str]:
    """The features of one page as GeoJSON text, in row order."""
    stmt = _columns(coll, hidden)
    stmt = _filtered(conn, coll, q, stmt).order_by(coll.table.c.fid).limit(q.limit).offset(q.offset)
    return feature_texts(conn, coll, conn.execute(stmt).all(), hidden)


def rows_where(conn: Connection, coll: Collection, condition: Any,
               hidden: frozenset[str] = frozenset()) -> Sequence[Any]:
    """Rows (as `items` selects them) meeting a condition, in row order."""
    return conn.execute(_columns(coll, hidden).where(condition).order_by(coll.table.c.fid)).all()


def one(conn: Connection, coll: Collection, feature_id: str,
        hidden: frozenset[str] = frozenset()) -> str | None:
    """One feature by its id (code, or row number for layers without codes)."""
    key: Any = feature_id
    if coll.key.name == "fid":
        try:
            key = int(feature_id)
        except ValueError:
            return None
        if not -(2**63) <= key < 2**63:  # no row number is that large (and SQLite would refuse it)
            return None
    rows = conn.execute(_columns(coll, hidden).where(coll.key == key)).all()
    found = feature_texts(conn, coll, rows, hidden)
    return found[0] if found else None


def version(conn: Connection, coll: Collection, feature_id: str) -> int | None:
    """The record's version, for ETags (layers that keep one)."""
    if "version" not in coll.table.c:
        return None
    found = conn.execute(select(coll.table.c.version).where(coll.key == feature_id)).scalar()
    return None if found is None else int(found)


def _columns(coll: Collection, hidden: frozenset[str]) -> Select[Any]:
    cols: list[Any] = [coll.table.c.fid]
    cols += [c for c in coll.properties if c.name not in hidden]
    geom = coll.geometry
    cols.append(type_coerce(geom, RawGeometry()).label("geom") if geom is not None
                else literal_column("NULL").label("geom"))
    return select(*cols)


def feature_texts(conn: Connection, coll: Collection, rows: Sequence[Any],
              hidden: frozenset[str], bounds: list[Any] | None = None) -> list[str]:
    """Rows as GeoJSON feature text; with `bounds`, each feature's envelope is appended to it."""
    if not rows:
        return []
    names = ["fid", *(c.name for c in coll.properties if c.name not in hidden), "geom"]
    raw = [r[-1] for r in rows]
    present = [i for i, v in enumerate(raw) if v is not None]
    geometry = ["null"] * len(rows)
    if present:
        shapes = decode_geometries(conn.dialect.name, [raw[i] for i in present])
        for i, text_value in zip(present, shapely.to_geojson(shapes), strict=True):
            geometry[i] = text_value
        if bounds is not None:
            envelopes = np.full((len(rows), 4), np.nan)
            envelopes[present] = shapely.bounds(shapes)
            bounds.extend(envelopes)
    elif bounds is not None:
        bounds.extend(np.full((len(rows), 4), np.nan))
    key = coll.key.name
    shown = names[1:-1]
    out = []
    for k, r in enumerate(rows):
        props = dict(zip(shown, r[1:-1], strict=True))
        fid = props.get("code") if key == "code" else r[0]
        props.pop("id", None)
        out.append('{"type":"Feature","id":' + json.dumps(fid) + ',"geometry":' + geometry[k]
                   + ',"properties":' + json.dumps(props, ensure_ascii=False, default=_plain)
                   + "}")
    return out


def _plain(value: Any) -> Any:
    """JSON for the values json cannot write itself (dates)."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def extent(conn: Connection, coll: Collection) -> dict[str, Any]:
    """The collection's spatial and temporal extent, as OGC API collections report it."""
    out: dict[str, Any] = {}
    geom = coll.geometry
    if geom is not None:
        if conn.dialect.name == "sqlite":
            rtree = f"rtree_{coll.table.name}_{geom.name}"
            box = conn.execute(text(
                f'SELECT min(minx), min(miny), max(maxx), max(maxy) FROM "{rtree}"')).one()
        else:
            box = conn.execute(select(
                func.ST_XMin(func.ST_Extent(geom)), func.ST_YMin(func.ST_Extent(geom)),
                func.ST_XMax(func.ST_Extent(geom)), func.ST_YMax(func.ST_Extent(geom)))).one()
        bbox = [float(v) for v in box] if box[0] is not None else [-180.0, -90.0, 180.0, 90.0]
        out["spatial"] = {"bbox": [bbox], "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}
    if coll.temporal:
        column = coll.table.c[coll.temporal]
        low, high = conn.execute(select(func.min(column), func.max(column))).one()
        out["temporal"] = {"interval": [[_stamp(low), _stamp(high)]],
                           "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"}
    return out


def _stamp(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return f"{value.isoformat()}T00:00:00Z"
