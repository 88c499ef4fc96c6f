"""Hypothesis strategies shared by the property tests: random star-shaped polygons on Earth."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from pyproj import Geod

GEOD = Geod(ellps="WGS84")

RingShape = tuple[float, list[float], list[float]]

anywhere = st.tuples(st.floats(-179.0, 179.0), st.floats(-85.0, 85.0))
"""Centres (lon, lat) anywhere on Earth away from the antimeridian and the poles."""


@st.composite
def ring_shapes(draw: st.DrawFn, max_vertices: int = 16) -> RingShape:
    """Rotation, per-vertex azimuth jitter and per-vertex distance scale of a star ring."""
    n = draw(st.integers(6, max_vertices))
    rotation = draw(st.floats(0.0, 360.0))
    jitter = draw(st.lists(st.floats(0.0, 0.5), min_size=n, max_size=n))
    scale = draw(st.lists(st.floats(0.5, 1.0), min_size=n, max_size=n))
    return rotation, jitter, scale


def star_ring(lon: float, lat: float, radius: float, shape: RingShape) -> np.ndarray:
    """A star-shaped ring about (lon, lat): consecutive azimuths less than 90 degrees apart.

    Every vertex lies between radius/2 and radius from the centre (metres along geodesics), so
    the ring is simple and contains the disc of radius ~0.35 * radius about the centre.
    """
    rotation, jitter, scale = shape
    n = len(jitter)
    azimuths = (np.arange(n) + np.asarray(jitter)) * 360.0 / n + rotation
    lons, lats, _ = GEOD.fwd(np.full(n, lon), np.full(n, lat), azimuths,
                             radius * np.asarray(scale))
    lons = lon + (np.asarray(lons) - lon + 180.0) % 360.0 - 180.0  # unwrap about the centre
    return np.column_stack([lons, lats])
