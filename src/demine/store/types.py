"""The geometry column type: GeoPackage blobs on SQLite, PostGIS geometry on PostgreSQL.

Values bound are shapely geometries (or values already encoded for the dialect by
`encode_geometries`, which bulk writes use); values read back are shapely geometries.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.types import UserDefinedType

from demine.geo import gpkg

SRID = 4326


class Geometry(UserDefinedType[Any]):
    """A geometry column of one OGC type (POINT, MULTIPOLYGON, GEOMETRY) in WGS84."""

    cache_ok = True

    def __init__(self, geometry_type: str = "GEOMETRY"):
        self.geometry_type = geometry_type.upper()

    def get_col_spec(self, **kw: Any) -> str:
        return self.geometry_type

    def bind_processor(self, dialect: Any) -> Any:
        postgis = dialect.name == "postgresql"

        def process(value: Any) -> Any:
            if value is None or isinstance(value, (bytes, str)):
                return value
            if postgis:
                return ewkb_hex(value)
            return gpkg.encode(value)

        return process

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        postgis = dialect.name == "postgresql"

        def process(value: Any) -> shapely.Geometry | None:
            if value is None:
                return None
            if postgis:
                return shapely.from_wkb(value)
            return gpkg.decode(value)

        return process


@compiles(Geometry, "postgresql")
def _postgis_col_spec(element: Geometry, compiler: Any, **kw: Any) -> str:
    return f"geometry({element.geometry_type}, {SRID})"


class RawGeometry(UserDefinedType[Any]):
    """A geometry column read as it is stored (blob or hex EWKB), for decoding in bulk."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "GEOMETRY"


def decode_geometries(dialect_name: str, values: list[Any]) -> NDArray[np.object_]:
    """Stored geometry values (see RawGeometry) as shapely geometries, in one pass."""
    if dialect_name == "postgresql":
        arr = np.empty(len(values), dtype=object)
        arr[:] = values
        return shapely.from_wkb(arr)
    return gpkg.decode_many(values)


def ewkb_hex(geom: shapely.Geometry) -> str:
    """Hex EWKB with SRID 4326, which PostGIS casts to geometry on input."""
    return str(shapely.to_wkb(shapely.set_srid(geom, SRID), hex=True, include_srid=True))


def encode_geometries(
    dialect_name: str, geoms: NDArray[np.object_], multi: bool = False
) -> list[Any]:
    """A whole array of geometries encoded for the dialect in one pass (bulk inserts).

    With `multi`, polygons are stored as one-part multipolygons.
    """
    if dialect_name == "postgresql":
        if multi:
            single = shapely.get_type_id(geoms) == 3
            if single.any():
                geoms = geoms.copy()
                geoms[single] = shapely.multipolygons(
                    geoms[single], indices=np.arange(int(single.sum())))
        srid = shapely.set_srid(geoms, SRID)
        return list(shapely.to_wkb(srid, hex=True, include_srid=True))
    return gpkg.encode_many(geoms, multi=multi)
