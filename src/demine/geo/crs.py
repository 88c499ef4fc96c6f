"""Reprojection to WGS84 longitude/latitude, the one CRS demine stores."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import CRS, Transformer

WGS84 = CRS.from_epsg(4326)


@lru_cache(maxsize=64)
def _to_wgs84(source_wkt: str) -> Transformer:
    return Transformer.from_crs(CRS.from_user_input(source_wkt), WGS84, always_xy=True)


def is_wgs84(crs: CRS | str | None) -> bool:
    """True when `crs` is missing (assumed WGS84) or is geographic WGS84 / CRS84."""
    if crs is None:
        return True
    parsed = CRS.from_user_input(crs)
    return bool(parsed.equals(WGS84, ignore_axis_order=True)) or parsed.to_epsg() == 4326


def to_wgs84(geoms: NDArray[np.object_], crs: CRS | str | None) -> NDArray[np.object_]:
    """Geometries reprojected from `crs` to lon/lat WGS84 (unchanged when already there)."""
    if is_wgs84(crs):
        return geoms
    transformer = _to_wgs84(CRS.from_user_input(crs).to_wkt())

    def forward(xy: NDArray[np.float64]) -> NDArray[np.float64]:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geoms, forward)
