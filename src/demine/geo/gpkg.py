"""GeoPackage geometry blobs (OGC 12-128r18 §2.1.3): a small header, an envelope, then ISO WKB.

demine writes these itself so that the embedded store needs no SpatiaLite and GDAL, QGIS and ArcGIS
read its layers as they are.
"""

from __future__ import annotations

import struct

import numpy as np
import shapely
from numpy.typing import NDArray

MAGIC = b"GP"
WGS84_SRS_ID = 4326
_FLAGS_XY_LE = 0b0000_0011  # envelope [minx, maxx, miny, maxy], little-endian
_FLAGS_EMPTY_LE = 0b0001_0001  # empty geometry, no envelope, little-endian
_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def encode(geom: shapely.Geometry | None, srs_id: int = WGS84_SRS_ID) -> bytes | None:
    """One geometry as a GeoPackage blob."""
    if geom is None:
        return None
    return encode_many(np.array([geom], dtype=object), srs_id)[0]


_HEADER = np.dtype([("magic", "S2"), ("version", "u1"), ("flags", "u1"), ("srs_id", "<i4"),
                    ("envelope", "<f8", 4)])
MULTI_PREFIX = b"\x01\x06\x00\x00\x00\x01\x00\x00\x00"
"""Little-endian WKB of a MultiPolygon of one part, up to that part's own WKB."""


def encode_many(
    geoms: NDArray[np.object_], srs_id: int = WGS84_SRS_ID, multi: bool = False
) -> list[bytes | None]:
    """Many geometries as GeoPackage blobs, the WKB and envelopes computed on the whole array.

    With `multi`, polygons are written as one-part multipolygons (at the byte level, no copy).
    """
    wkbs = shapely.to_wkb(geoms, byte_order=1, flavor="iso", output_dimension=2)
    bounds = shapely.bounds(geoms)
    empty = shapely.is_empty(geoms) | ~np.isfinite(bounds).all(axis=1)
    headers = np.zeros(len(geoms), dtype=_HEADER)
    headers["magic"] = MAGIC
    headers["flags"] = np.where(empty, _FLAGS_EMPTY_LE, _FLAGS_XY_LE)
    headers["srs_id"] = srs_id
    headers["envelope"] = bounds[:, [0, 2, 1, 3]]
    raw = headers.tobytes()
    size = _HEADER.itemsize
    promote = (shapely.get_type_id(geoms) == 3) if multi else np.zeros(len(geoms), dtype=bool)
    out: list[bytes | None] = []
    for i, (wkb, is_empty, lift) in enumerate(zip(wkbs, empty, promote, strict=True)):
        if wkb is None:
            out.append(None)
            continue
        body = MULTI_PREFIX + wkb if lift else wkb
        if is_empty:
            out.append(raw[i * size : i * size + 8] + body)
        else:
            out.append(raw[i * size : (i + 1) * size] + body)
    return out


def wkb_offset(blob: bytes) -> int:
    """Where the WKB starts inside a GeoPackage blob."""
    if blob[:2] != MAGIC:
        raise ValueError("not a GeoPackage geometry blob")
    envelope = (blob[3] >> 1) & 0b111
    return 8 + _ENVELOPE_BYTES[envelope]


def decode(blob: bytes | None) -> shapely.Geometry | None:
    """The geometry in a GeoPackage blob."""
    if blob is None:
        return None
    return shapely.from_wkb(bytes(blob[wkb_offset(blob) :]))


def decode_many(blobs: list[bytes | None] | NDArray[np.object_]) -> NDArray[np.object_]:
    """Many GeoPackage blobs decoded at once (the headers stripped, the WKB parsed as an array)."""
    wkbs = np.empty(len(blobs), dtype=object)
    wkbs[:] = [None if b is None else bytes(b[wkb_offset(b):]) for b in blobs]
    return shapely.from_wkb(wkbs)


def is_empty_blob(blob: bytes | None) -> int | None:
    """ST_IsEmpty for the R-tree triggers: 1 when the blob's empty flag is set."""
    if blob is None:
        return None
    return 1 if blob[3] & 0b0001_0000 else 0


def envelope(blob: bytes | None) -> tuple[float, float, float, float] | None:
    """(minx, maxx, miny, maxy) from the header, or from the geometry when there is none."""
    if blob is None or is_empty_blob(blob):
        return None
    if (blob[3] >> 1) & 0b111:
        order = "<" if blob[3] & 1 else ">"
        minx, maxx, miny, maxy = struct.unpack_from(order + "4d", blob, 8)
        return minx, maxx, miny, maxy
    geom = decode(blob)
    minx, miny, maxx, maxy = shapely.bounds(geom)
    return float(minx), float(maxx), float(miny), float(maxy)
