"""Reading any vector file GDAL reads into lon/lat geometries and a table of properties.

Geometries that GDAL passes through but GEOS refuses (an unclosed ring, say) become problems of
their feature instead of failing the whole file. CSV files carry their geometry in a `wkt` column
or `lon`/`lat` columns; files without a CRS are taken as WGS84.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyogrio
import shapely
from numpy.typing import NDArray

from demine.geo import mgrs
from demine.geo.crs import to_wgs84
from demine.io.safety import check_file
from demine.model.problems import InputError, Problem

CSV_OPTIONS = {
    "GEOM_POSSIBLE_NAMES": "wkt,WKT,geometry,geom,the_geom",
    "X_POSSIBLE_NAMES": "lon,longitude,x,LON,Longitude,X",
    "Y_POSSIBLE_NAMES": "lat,latitude,y,LAT,Latitude,Y",
    "KEEP_GEOM_COLUMNS": "NO",
    "AUTODETECT_TYPE": "NO",
}


@dataclass
class FeatureTable:
    """Features of one layer: lon/lat geometries (None where unreadable) and their properties."""

    geometries: NDArray[np.object_]
    properties: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.geometries)


def choose_layer(path: str | Path, wanted: tuple[str, ...]) -> str | None:
    """The layer to read: the only one, or the one named like what is imported."""
    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(str(path))]
    except Exception as exc:  # GDAL's errors carry their own explanation
        raise InputError([Problem(None, None, f"{path}: cannot be read ({exc})")]) from exc
    if len(layers) <= 1:
        return None
    for name in wanted:
        if name in layers:
            return name
    raise InputError(
        [Problem(None, None, f"{path}: holds layers {', '.join(layers)}; name one of "
                 f"{', '.join(wanted)} for the import")]
    )


def read_features(path: str | Path, wanted_layers: tuple[str, ...] = ()) -> FeatureTable:
    """All features of a vector file, reprojected to WGS84.

    A `.zip` is read as a zipped Shapefile; a CSV may give positions as MGRS references in an
    `mgrs` column instead of `wkt` or `lon`/`lat`.
    """
    path = Path(path)
    if not path.exists():
        raise InputError([Problem(None, None, f"{path}: no such file")])
    check_file(path)
    suffix = path.suffix.lower()
    options = CSV_OPTIONS if suffix == ".csv" else {}
    source = f"/vsizip/{path.resolve()}" if suffix == ".zip" else str(path)
    layer = choose_layer(source, wanted_layers)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            meta, table = pyogrio.raw.read_arrow(str(source), layer=layer, **options)
    except Exception as exc:
        raise InputError([Problem(None, None, f"{path}: cannot be read ({exc})")]) from exc
    names = [str(n) for n in meta["fields"]]
    geometry_name = meta.get("geometry_name") or "wkb_geometry"
    mgrs_column = next((n for n in names if n.lower() == "mgrs"), None)
    if geometry_name not in table.column_names and suffix == ".csv" and mgrs_column:
        properties = table.select(names).to_pandas()
        geometries, problems = mgrs_points(properties[mgrs_column].tolist())
        return FeatureTable(geometries, properties.drop(columns=[mgrs_column]), problems)
    if geometry_name not in table.column_names:
        raise InputError([Problem(None, None, f"{path}: has no geometry column")])
    properties = table.select(names).to_pandas()
    wkb = table.column(geometry_name).to_numpy(zero_copy_only=False)
    geometries, problems = decode_wkb(wkb)
    crs = meta.get("crs")
    try:
        geometries = to_wgs84(geometries, crs)
    except Exception as exc:
        raise InputError(
            [Problem(None, None, f"{path}: cannot reproject from {crs} ({exc})")]
        ) from exc
    return FeatureTable(geometries, properties, problems)


def mgrs_points(references: list[Any]) -> tuple[NDArray[np.object_], list[Problem]]:
    """Points of MGRS references; an unreadable one is a problem of its row (counted from 1)."""
    points = np.empty(len(references), dtype=object)
    problems = []
    for i, ref in enumerate(references):
        try:
            points[i] = shapely.Point(*mgrs.parse(str(ref or "")))
        except mgrs.MGRSError as exc:
            points[i] = None
            problems.append(Problem(i + 1, None, f"mgrs: {exc}"))
    return points, problems


def decode_wkb(wkb: NDArray[np.object_]) -> tuple[NDArray[np.object_], list[Problem]]:
    """Geometries from WKB, vectorised; features GEOS refuses get a problem and None."""
    try:
        return shapely.from_wkb(wkb), []
    except shapely.errors.GEOSException:
        pass
    geoms = np.empty(len(wkb), dtype=object)
    problems = []
    for i, blob in enumerate(wkb):
        try:
            geoms[i] = shapely.from_wkb(blob)
        except shapely.errors.GEOSException as exc:
            geoms[i] = None
            problems.append(Problem(i + 1, None, geos_reason(str(exc))))
    return geoms, problems


def geos_reason(message: str) -> str:
    """GEOS's message in the words a field user knows."""
    if "closed linestring" in message:
        return "invalid polygon: a ring is not closed (its first and last points differ)"
    if "at least 4 points" in message or "must have 0 or >= 4" in message:
        return "invalid polygon: a ring has fewer than 4 points"
    return f"unreadable geometry: {message.split(':', 1)[-1].strip()}"
