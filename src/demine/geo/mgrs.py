"""MGRS grid references, as field teams write them ("37U DQ 12345 67890"), to lon/lat.

The Military Grid Reference System names a UTM zone and latitude band, a 100 km square by two
letters, and an easting and northing within it (1 to 5 digits each, so 10 km to 1 m). The
square's letters repeat every 2,000 km of northing, so the band's latitude settles which cycle is
meant. Polar (UPS) references, bands A, B, Y and Z, are not used in mine action and are refused.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pyproj import Transformer

BANDS = "CDEFGHJKLMNPQRSTUVWX"
"""Latitude bands of 8 degrees from 80 S (X is 12 degrees)."""
COLUMNS = ("ABCDEFGH", "JKLMNPQR", "STUVWXYZ")
ROWS = "ABCDEFGHJKLMNPQRSTUV"
PATTERN = re.compile(r"^(\d{1,2})([C-HJ-NP-X])([A-HJ-NP-Z])([A-HJ-NP-V])(\d*)$")


class MGRSError(ValueError):
    """A grid reference that cannot be read, with the reason."""


@lru_cache(maxsize=120)
def _utm(zone: int, south: bool) -> Transformer:
    crs = f"EPSG:{32700 + zone if south else 32600 + zone}"
    return Transformer.from_crs(crs, "EPSG:4326", always_xy=True)


@lru_cache(maxsize=120)
def _to_utm(zone: int, south: bool) -> Transformer:
    crs = f"EPSG:{32700 + zone if south else 32600 + zone}"
    return Transformer.from_crs("EPSG:4326", crs, always_xy=True)


def parse(reference: str) -> tuple[float, float]:
    """(lon, lat) of a reference: the south-west corner of its precision square."""
    text = re.sub(r"\s+", "", reference).upper()
    m = PATTERN.match(text)
    if not m:
        raise MGRSError(f"{reference!r} is not an MGRS reference (e.g. 37UDQ1234567890)")
    zone, band, col, row, digits = int(m[1]), m[2], m[3], m[4], m[5]
    if not 1 <= zone <= 60:
        raise MGRSError(f"{reference!r}: zone {zone} is not 1 to 60")
    if len(digits) % 2 or len(digits) > 10:
        raise MGRSError(f"{reference!r}: easting and northing need the same number of digits "
                        "(2, 4, 6, 8 or 10 in all)")
    half = len(digits) // 2
    scale = 10 ** (5 - half)
    east_in = int(digits[:half]) * scale if half else 0
    north_in = int(digits[half:]) * scale if half else 0
    columns = COLUMNS[(zone - 1) % 3]
    if col not in columns:
        raise MGRSError(f"{reference!r}: column letter {col} does not occur in zone {zone}")
    easting = (columns.index(col) + 1) * 100_000 + east_in
    offset = 5 if zone % 2 == 0 else 0
    row_north = ((ROWS.index(row) - offset) % 20) * 100_000 + north_in
    south = band < "N"
    lat_low = -80 + 8 * BANDS.index(band)
    lon_mid = -183 + 6 * zone
    _, band_north = _to_utm(zone, south).transform(lon_mid, lat_low)
    northing = row_north
    while northing < band_north - 100_000:
        northing += 2_000_000
    lon, lat = _utm(zone, south).transform(easting, northing)
    if not (lat_low - 0.5 <= lat <= lat_low + (12 if band == "X" else 8) + 0.5):
        raise MGRSError(f"{reference!r}: the square {col}{row} does not lie in band {band}")
    return float(lon), float(lat)
