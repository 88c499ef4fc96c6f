"""GeoPackage 1.4 bookkeeping for the embedded store: the file QGIS and ArcGIS open as it is.

Registers the spatial reference systems, every layer in gpkg_contents (features and attribute
tables), the geometry columns, and an R-tree spatial index per geometry layer kept current by the
standard triggers. Those triggers call ST_IsEmpty/ST_MinX/..., which GDAL provides to its own
connections and `register_functions` provides to demine's.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime

import shapely
from sqlalchemy import Connection, Table

from demine.geo import gpkg
from demine.store.schema import LAYERS, geometry_column

APPLICATION_ID = 0x47504B47  # "GPKG"
USER_VERSION = 10400  # GeoPackage 1.4.0

WGS84_WKT = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,'
    'AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,'
    'AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],'
    'AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]'
)

CORE_DDL = [
    """CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (
        srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
        organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT)""",
    """CREATE TABLE IF NOT EXISTS gpkg_contents (
        table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL,
        identifier TEXT UNIQUE, description TEXT DEFAULT '',
        last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
        CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))""",
    """CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (
        table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
        srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
        CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
        CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
        CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))""",
    """CREATE TABLE IF NOT EXISTS gpkg_extensions (
        table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL,
        definition TEXT NOT NULL, scope TEXT NOT NULL,
        CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))""",
]

SRS_ROWS = [
    ("Undefined cartesian SRS", -1, "NONE", -1, "undefined", "undefined cartesian"),
    ("Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic"),
    ("WGS 84 geodetic", 4326, "EPSG", 4326, WGS84_WKT, "longitude/latitude WGS 84"),
]

RTREE_EXTENSION = "http://www.geopackage.org/spec/#extension_rtree"


def register_functions(dbapi_connection: sqlite3.Connection) -> None:
    """The SQL functions the GeoPackage R-tree triggers call."""

    def bound(index: int) -> Callable[[bytes | None], float | None]:
        def fn(blob: bytes | None) -> float | None:
            env = gpkg.envelope(blob)
            return None if env is None else env[index]

        return fn

    dbapi_connection.create_function("ST_IsEmpty", 1, gpkg.is_empty_blob, deterministic=True)
    for i, name in enumerate(("ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY")):
        dbapi_connection.create_function(name, 1, bound(i), deterministic=True)
    dbapi_connection.create_function("ST_Intersects", 2, _intersects, deterministic=True)


def _intersects(blob: bytes | None, wkb: bytes | None) -> int | None:
    """Whether a stored geometry meets a WKB one (for spatial filters on the embedded store)."""
    if blob is None or wkb is None:
        return None
    return int(shapely.intersects(gpkg.decode(blob), shapely.from_wkb(wkb)))


def rtree_ddl(table: str, column: str, pk: str = "fid") -> list[str]:
    """The R-tree virtual table and its triggers (GeoPackage 1.4, Annex F.3)."""
    rt = f"rtree_{table}_{column}"
    values = (
        f"NEW.{pk}, ST_MinX(NEW.{column}), ST_MaxX(NEW.{column}), "
        f"ST_MinY(NEW.{column}), ST_MaxY(NEW.{column})"
    )
    not_empty = f"NEW.{column} NOT NULL AND NOT ST_IsEmpty(NEW.{column})"
    empty = f"NEW.{column} IS NULL OR ST_IsEmpty(NEW.{column})"
    return [
        f'CREATE VIRTUAL TABLE "{rt}" USING rtree(id, minx, maxx, miny, maxy)',
        f"""CREATE TRIGGER "{rt}_insert" AFTER INSERT ON "{table}"
            WHEN ({not_empty})
            BEGIN INSERT OR REPLACE INTO "{rt}" VALUES ({values}); END""",
        f"""CREATE TRIGGER "{rt}_update6" AFTER UPDATE OF "{column}" ON "{table}"
            WHEN OLD.{pk} = NEW.{pk} AND ({not_empty})
            BEGIN INSERT OR REPLACE INTO "{rt}" VALUES ({values}); END""",
        f"""CREATE TRIGGER "{rt}_update7" AFTER UPDATE OF "{column}" ON "{table}"
            WHEN OLD.{pk} = NEW.{pk} AND ({empty})
            BEGIN DELETE FROM "{rt}" WHERE id = OLD.{pk}; END""",
        f"""CREATE TRIGGER "{rt}_update5" AFTER UPDATE ON "{table}"
            WHEN OLD.{pk} != NEW.{pk} AND ({not_empty})
            BEGIN DELETE FROM "{rt}" WHERE id = OLD.{pk};
                  INSERT OR REPLACE INTO "{rt}" VALUES ({values}); END""",
        f"""CREATE TRIGGER "{rt}_update4" AFTER UPDATE ON "{table}"
            WHEN OLD.{pk} != NEW.{pk} AND ({empty})
            BEGIN DELETE FROM "{rt}" WHERE id IN (OLD.{pk}, NEW.{pk}); END""",
        f"""CREATE TRIGGER "{rt}_delete" AFTER DELETE ON "{table}"
            WHEN old.{column} NOT NULL
            BEGIN DELETE FROM "{rt}" WHERE id = OLD.{pk}; END""",
    ]


def register_layers(conn: Connection, layers: dict[str, Table] | None = None) -> None:
    """Make the freshly created tables a GeoPackage: registry rows, R-trees, file header."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    raw = conn.connection.driver_connection
    assert raw is not None
    for ddl in CORE_DDL:
        raw.execute(ddl)
    raw.executemany("INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES (?,?,?,?,?,?)", SRS_ROWS)
    for name, table in (LAYERS if layers is None else layers).items():
        _register(raw, name, table, now)
    raw.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    raw.execute(f"PRAGMA user_version = {USER_VERSION}")


def _register(raw: sqlite3.Connection, name: str, table: Table, now: str) -> None:
    geom = geometry_column(table)
    data_type = "features" if geom is not None else "attributes"
    raw.execute(
        "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description,"
        " last_change, min_x, min_y, max_x, max_y, srs_id) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (name, data_type, name, table.comment or "", now, -180, -90, 180, 90,
         4326 if geom is not None else None),
    )
    if geom is None:
        return
    raw.execute(
        "INSERT OR IGNORE INTO gpkg_geometry_columns VALUES (?,?,?,?,0,0)",
        (name, geom.name, getattr(geom.type, "geometry_type", "GEOMETRY"), 4326),
    )
    exists = raw.execute(
        "SELECT 1 FROM sqlite_master WHERE name = ?", (f"rtree_{name}_{geom.name}",)
    ).fetchone()
    if exists:
        return
    for ddl in rtree_ddl(name, geom.name):
        raw.execute(ddl)
    raw.execute(
        "INSERT OR IGNORE INTO gpkg_extensions VALUES (?,?,?,?,?)",
        (name, geom.name, "gpkg_rtree_index", RTREE_EXTENSION, "write-only"),
    )
