"""A one-tile raster PMTiles archive (version 3), written from the specification for the tests.

The tile is a plain 256 x 256 PNG of one colour at zoom 0; the archive's directories and metadata
are stored uncompressed, which the format allows.
"""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

HEADER_BYTES = 127
NO_COMPRESSION = 1
PNG_TILES = 2


def solid_png(rgb: tuple[int, int, int], size: int = 256) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * size
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * size))
            + chunk(b"IEND", b""))


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def write_raster_pmtiles(path: Path, rgb: tuple[int, int, int]) -> Path:
    """An archive holding one zoom-0 tile of colour `rgb` that covers the world."""
    tile = solid_png(rgb)
    # One entry: tile id 0, run length 1, its length, its offset + 1 in the tile data.
    directory = varint(1) + varint(0) + varint(1) + varint(len(tile)) + varint(1)
    metadata = json.dumps({"name": "test basemap"}).encode()
    root_at = HEADER_BYTES
    metadata_at = root_at + len(directory)
    tiles_at = metadata_at + len(metadata)
    header = (b"PMTiles" + bytes([3])
              + struct.pack("<QQQQQQQQ", root_at, len(directory), metadata_at, len(metadata),
                            0, 0, tiles_at, len(tile))
              + struct.pack("<QQQ", 1, 1, 1)
              + bytes([1, NO_COMPRESSION, NO_COMPRESSION, PNG_TILES, 0, 0])
              + struct.pack("<iiii", -1_800_000_000, -850_000_000, 1_800_000_000, 850_000_000)
              + bytes([0]) + struct.pack("<ii", 0, 0))
    assert len(header) == HEADER_BYTES
    path.write_bytes(header + directory + metadata + tile)
    return path
