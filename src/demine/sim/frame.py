"""The local metric frame a region is generated in, and smooth random fields over it.

Regions are built in metres (x east, y north from the south-west corner), where distances and
areas are plain, then moved to WGS84 longitude/latitude in one vectorised pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import Transformer


@lru_cache(maxsize=8)
def _transformer(lon0: float, lat0: float, to_wgs84: bool) -> Transformer:
    proj = f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +datum=WGS84 +units=m"
    pair = (proj, "EPSG:4326") if to_wgs84 else ("EPSG:4326", proj)
    return Transformer.from_crs(*pair, always_xy=True)


@dataclass(frozen=True)
class Frame:
    """An azimuthal equidistant frame centred on the region's origin."""

    lon0: float
    lat0: float

    def _to_wgs84(self) -> Transformer:
        return _transformer(self.lon0, self.lat0, True)

    def _from_wgs84(self) -> Transformer:
        return _transformer(self.lon0, self.lat0, False)

    def to_lonlat(self, geoms: NDArray[np.object_]) -> NDArray[np.object_]:
        """Geometries in metres as geometries in longitude/latitude."""
        t = self._to_wgs84()
        return shapely.transform(geoms, lambda xy: np.column_stack(t.transform(xy[:, 0],
                                                                                xy[:, 1])))

    def points_lonlat(self, x: NDArray[np.float64], y: NDArray[np.float64]
                      ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        lon, lat = self._to_wgs84().transform(x, y)
        return np.asarray(lon), np.asarray(lat)

    def points_xy(self, lon: NDArray[np.float64], lat: NDArray[np.float64]
                  ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        x, y = self._from_wgs84().transform(lon, lat)
        return np.asarray(x), np.asarray(y)



def wave_1d(rng: np.random.Generator, length: float, amplitude: float, waves: int = 4
            ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Parameters of a smooth random curve: a sum of sines of long wavelengths."""
    wavelengths = length / rng.uniform(0.5, 4.0, waves)
    phases = rng.uniform(0, 2 * np.pi, waves)
    amps = amplitude * rng.uniform(0.3, 1.0, waves) / waves
    return wavelengths, phases, amps


def eval_wave(params: tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]],
              x: NDArray[np.float64]) -> NDArray[np.float64]:
    wavelengths, phases, amps = params
    return np.sum(amps[:, None] * np.sin(2 * np.pi * x[None, :] / wavelengths[:, None]
                                          + phases[:, None]), axis=0)


def noise_2d(rng: np.random.Generator, scale_m: float, waves: int = 12
             ) -> Callable[[NDArray[np.float64], NDArray[np.float64]], NDArray[np.float64]]:
    """A smooth random field over the plane (random plane waves), for forest and the like."""
    angles = rng.uniform(0, np.pi, waves)
    k = 2 * np.pi / (scale_m * rng.uniform(0.5, 2.0, waves))
    kx, ky = k * np.cos(angles), k * np.sin(angles)
    phases = rng.uniform(0, 2 * np.pi, waves)

    def field(x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.sum(np.cos(np.outer(x, kx) + np.outer(y, ky) + phases), axis=1) / np.sqrt(waves)

    return field


def ellipse(cx: float, cy: float, a: float, b: float, angle: float, n: int = 32) -> shapely.Polygon:
    """An ellipse of semi-axes a, b turned by `angle` radians."""
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    ex, ey = a * np.cos(t), b * np.sin(t)
    c, s = np.cos(angle), np.sin(angle)
    return shapely.Polygon(np.column_stack([cx + c * ex - s * ey, cy + s * ex + c * ey]))


def blob(rng: np.random.Generator, cx: float, cy: float, radius: float, n: int = 14,
         stretch: float = 1.0) -> shapely.Polygon:
    """An irregular polygon of about `radius`, as a surveyor sketches a suspected area."""
    t = np.sort(rng.uniform(0, 2 * np.pi, n))
    r = radius * rng.uniform(0.65, 1.2, n)
    angle = rng.uniform(0, np.pi)
    ex, ey = r * np.cos(t) * stretch, r * np.sin(t) / stretch
    c, s = np.cos(angle), np.sin(angle)
    poly = shapely.Polygon(np.column_stack([cx + c * ex - s * ey, cy + s * ex + c * ey]))
    return poly if poly.is_valid else shapely.make_valid(poly).buffer(0)
