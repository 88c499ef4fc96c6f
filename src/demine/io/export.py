"""Writing a layer of the registry to a file, whole or not at all.

The format follows the file's extension. GeoJSON is RFC 7946 (WGS84, counter-clockwise shells).
Victims' names and dates of birth are personal data and stay out unless asked for.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
from sqlalchemy import Connection, select, type_coerce

from demine.io.styles import write_styles
from demine.model.problems import InputError, Problem
from demine.store.frames import query_frame
from demine.store.schema import LAYERS, geometry_column, layer_table
from demine.store.types import RawGeometry, decode_geometries

FORMATS = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GPKG", ".fgb": "FlatGeobuf",
           ".csv": "CSV", ".kml": "LIBKML", ".kmz": "LIBKML", ".zip": "ESRI Shapefile"}
"""Export formats by file extension (`.shp.zip` and `.zip` are zipped Shapefiles)."""
LAYER_OPTIONS = {"GeoJSON": {"RFC7946": "YES"}, "CSV": {"GEOMETRY": "AS_WKT"},
                 "ESRI Shapefile": {"ENCODING": "UTF-8"}}
PERSONAL = {"victims": ("name", "birth_date")}
INTERNAL = ("fingerprint", "fid")
"""Bookkeeping columns no file needs (a GeoPackage makes its own `fid`)."""


def driver_for(path: Path) -> str:
    driver = FORMATS.get(path.suffix.lower())
    if driver is None:
        raise InputError([Problem(None, None, f"{path}: unknown export format "
                                  f"{path.suffix or '(no extension)'} (expected one of "
                                  f"{', '.join(sorted(FORMATS))})")])
    return driver


def layer_frame(conn: Connection, layer: str, include_personal: bool = False) -> gpd.GeoDataFrame:
    """A layer's rows as a GeoDataFrame in WGS84 (no geometry column for attribute layers)."""
    table = layer_table(layer)
    hidden = set(INTERNAL)
    if not include_personal:
        hidden |= set(PERSONAL.get(table.name, ()))
    geom = geometry_column(table)
    columns = [
        type_coerce(c, RawGeometry()).label(c.name) if c is geom else c
        for c in table.columns if c.name not in hidden
    ]
    order = table.c.seq if "seq" in table.c else table.c.fid
    frame = query_frame(conn, select(*columns).order_by(order))
    for col in frame.columns:
        sample = frame[col].dropna()
        if frame[col].dtype == object and len(sample) and hasattr(sample.iloc[0], "isoformat"):
            frame[col] = [v.isoformat() if v is not None else None for v in frame[col]]
    if geom is None:
        return gpd.GeoDataFrame(frame)
    geometries = decode_geometries(conn.dialect.name, frame.pop(geom.name).tolist())
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometries, crs="EPSG:4326"))


def export_layer(conn: Connection, layer: str, path: str | Path,
                 include_personal: bool = False) -> int:
    """Write one layer to `path` atomically; returns the number of features written."""
    path = Path(path)
    driver = driver_for(path)
    table = layer_table(layer)
    frame = layer_frame(conn, layer, include_personal)
    if not path.parent.exists():
        raise InputError([Problem(None, None, f"{path.parent}: no such directory")])
    fd, tmp = tempfile.mkstemp(suffix=path.suffix, dir=path.parent, prefix=".demine-")
    os.close(fd)
    os.unlink(tmp)
    try:
        if driver == "ESRI Shapefile":
            write_zipped_shapefile(frame, str(table.name), Path(tmp))
        else:
            write_frame(frame, tmp, str(table.name), driver)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return len(frame)


def write_frame(frame: gpd.GeoDataFrame, path: str, layer: str, driver: str) -> None:
    options = LAYER_OPTIONS.get(driver, {})
    has_geometry = "geometry" in frame.columns and frame.geometry is not None
    if driver == "CSV" and not has_geometry:
        options = {}
    pyogrio.write_dataframe(frame, path, layer=layer, driver=driver, layer_options=options)


def write_zipped_shapefile(frame: gpd.GeoDataFrame, layer: str, path: Path) -> None:
    """A Shapefile's parts in one zip (its field names are cut to 10 characters on the way)."""
    folder = Path(tempfile.mkdtemp(prefix=".demine-shp-", dir=path.parent))
    try:
        with warnings.catch_warnings():  # GDAL says it cuts names to 10 characters: we know
            warnings.simplefilter("ignore", RuntimeWarning)
            write_frame(frame, str(folder / f"{layer}.shp"), layer, "ESRI Shapefile")
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for part in sorted(folder.iterdir()):
                archive.write(part, part.name)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


FIELD_PACKAGE_SKIPS = ("audit_log",)
"""Layers a field package leaves out (the audit log stays with the registry)."""


def export_all(conn: Connection, path: str | Path) -> dict[str, int]:
    """Every layer into one GeoPackage with QGIS styles (a field package), whole or not at all."""
    path = Path(path)
    if path.suffix.lower() != ".gpkg":
        raise InputError([Problem(None, None, f"{path}: --all writes a GeoPackage (.gpkg)")])
    if not path.parent.exists():
        raise InputError([Problem(None, None, f"{path.parent}: no such directory")])
    fd, tmp = tempfile.mkstemp(suffix=".gpkg", dir=path.parent, prefix=".demine-")
    os.close(fd)
    os.unlink(tmp)
    counts: dict[str, int] = {}
    kinds: dict[str, str] = {}
    try:
        for name, table in LAYERS.items():
            if name in FIELD_PACKAGE_SKIPS:
                continue
            frame = layer_frame(conn, name)
            write_frame(frame, tmp, str(name), "GPKG")
            counts[str(name)] = len(frame)
            geom = geometry_column(table)
            if geom is not None:
                kinds[str(name)] = STYLE_KINDS.get(getattr(geom.type, "geometry_type", ""), "fill")
        write_styles(Path(tmp), kinds)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return counts


STYLE_KINDS = {"POINT": "marker", "LINESTRING": "line", "POLYGON": "fill",
               "MULTIPOLYGON": "fill", "GEOMETRY": "fill"}
