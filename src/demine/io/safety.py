"""Checks made before GDAL opens a file that could harm the machine or mislead the reader.

Archives are read from the inside by GDAL, so a zip bomb or a member path climbing out of the
archive is refused first; KML is XML, so a document type with entities (the "billion laughs"
and external-entity tricks) is refused; a CSV must be UTF-8, as the field forms and GDAL write it.
"""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

from demine.model.problems import InputError, Problem

MAX_UNPACKED = 2 * 1024**3
"""Largest total size an archive may unpack to."""
MAX_RATIO = 200
"""Largest compression ratio of a member over 1 MiB (zip bombs reach thousands)."""
XML_SNIFF = 64 * 1024


def refuse(path: Path, reason: str) -> InputError:
    return InputError([Problem(None, None, f"{path}: {reason}")])


def check_archive(path: Path) -> None:
    """A zip (or KMZ) whose members stay inside it and unpack to a sane size."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            total = 0
            for m in members:
                name = PurePosixPath(m.filename.replace("\\", "/"))
                if name.is_absolute() or ".." in name.parts:
                    raise refuse(path, f"member {m.filename!r} would be written outside the "
                                       "archive (path traversal)")
                total += m.file_size
                if m.file_size > 1024**2 and m.file_size > MAX_RATIO * max(m.compress_size, 1):
                    raise refuse(path, f"member {m.filename!r} unpacks {m.file_size:,} bytes "
                                       f"from {m.compress_size:,} (a zip bomb?)")
            if total > MAX_UNPACKED:
                raise refuse(path, f"unpacks to {total:,} bytes, more than {MAX_UNPACKED:,}")
            for m in members:
                if m.filename.lower().endswith(".kml"):
                    check_xml(path, archive.read(m.filename)[:XML_SNIFF], m.filename)
    except zipfile.BadZipFile as exc:
        raise refuse(path, f"not a readable zip archive ({exc}); truncated or corrupt?") from None


def check_xml(path: Path, head: bytes, member: str | None = None) -> None:
    """No document type declaration: KML never needs one, and entities can explode or leak."""
    text = head.decode("utf-8", errors="replace").upper()
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        where = f" (in {member})" if member else ""
        raise refuse(path, f"KML with a document type or entity declaration{where} is refused "
                           "(entity expansion)")


def check_encoding(path: Path) -> None:
    """CSV text must be UTF-8; a legacy code page is named so it can be saved again as UTF-8."""
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        row = data[:exc.start].count(b"\n") + 1
        raise refuse(path, f"is not UTF-8 text (byte {data[exc.start]:#x} on line {row}; "
                           "probably Windows-1252 or Latin-1): save it as UTF-8") from None


def check_file(path: Path) -> None:
    """The checks that apply to this file, by its extension."""
    suffix = path.suffix.lower()
    if suffix in (".zip", ".kmz"):
        check_archive(path)
    elif suffix == ".kml":
        with path.open("rb") as f:
            check_xml(path, f.read(XML_SNIFF))
    elif suffix == ".csv":
        check_encoding(path)
