"""A schedule: which team works which hazard from when to when, and how much it clears; read
from and written to CSV (`team,hazard,start_day,end_day,area_m2`)."""

from __future__ import annotations

import csv
import io
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
    """A schedule CSV, or an InputError naming each bad line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Problem(None, None, f"{path}: cannot be read ({exc})")]) from None
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header) != HEADER:
        raise InputError([Problem(None, None, f"{path}: the header must be {','.join(HEADER)}")])
    rows, problems = [], []
    for line, fields in enumerate(reader, start=2):
        if not fields:
            continue
        try:
            team, hazard, start, end, area = fields
            rows.append(Row(team.strip(), hazard.strip(), float(start), float(end), float(area)))
        except ValueError:
            problems.append(Problem(None, None, f"{path} line {line}: expected team, hazard and "
                                                f"three numbers (got {','.join(fields)!r})"))
    if problems:
        raise InputError(problems)
    return rows
