"""A schedule: which team works which hazard from when to when, and how much it clears; read
from and written to CSV (`team,hazard,start_day,end_day,area_m2`)."""

from __future__ import annotations

import csv
import io
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from demine.model.problems import InputError, Problem

HEADER = ("team", "hazard", "start_day", "end_day", "area_m2")


@dataclass(frozen=True)
class Row:
    team: str
    hazard: str
    start_day: float
    end_day: float
    area_m2: float


def write_schedule(rows: list[Row], path: str | Path) -> None:
    """The schedule as CSV, written whole or not at all (a temporary file renamed over)."""
    path = Path(path)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(HEADER)
    for r in rows:
        writer.writerow([r.team, r.hazard, repr(r.start_day), repr(r.end_day), repr(r.area_m2)])
    handle, temporary = tempfile.mkstemp(dir=path.parent or Path("."), prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text.getvalue())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_schedule(path: str | Path) -> list[Row]:
    """A schedule CSV, or an InputError naming each bad line (the header is line 1)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Problem(None, None, f"{path}: cannot be read ({exc})")]) from None
    reader = csv.reader(io.StringIO(text))
    header = tuple(h.strip() for h in next(reader, []))
    if header != HEADER:
        raise InputError([Problem(None, None, f"{path}: the header must be {','.join(HEADER)} "
                                              f"(found {','.join(header) or 'nothing'})")])
    rows, problems = [], []
    for line, fields in enumerate(reader, start=2):
        if not any(f.strip() for f in fields):
            continue
        where = f"{path} line {line}"
        if len(fields) != len(HEADER):
            problems.append(Problem(None, None, f"{where}: expected 5 values, found "
                                                f"{len(fields)}"))
            continue
        team, hazard, *numbers = (f.strip() for f in fields)
        try:
            start, end, area = (float(v) for v in numbers)
        except ValueError:
            problems.append(Problem(None, None, f"{where}: start_day, end_day and area_m2 must "
                                                "be numbers"))
            continue
        if not (math.isfinite(start + end + area) and 0 <= start <= end and area >= 0):
            problems.append(Problem(None, None, f"{where}: needs 0 <= start_day <= end_day and "
                                                "area_m2 >= 0"))
            continue
        rows.append(Row(team, hazard, start, end, area))
    if problems:
        raise InputError(problems)
    return rows
