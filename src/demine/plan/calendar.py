"""Working days and calendar days: teams stand down in winter, so a plan counted in working days
is laid on the calendar by skipping the stand-down months."""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray

from demine.plan.schedule import Row

WINTER_MONTHS = (12, 1, 2)
"""Months teams stand down in, when the winter stop is on."""


def working_calendar(start: date, winter_stop: bool, days: int) -> NDArray[Any]:
    """The calendar date of each working day from `start` (winter months skipped if asked)."""
    out: list[date] = []
    day = start
    while len(out) < days:
        if not (winter_stop and day.month in WINTER_MONTHS):
            out.append(day)
        day += timedelta(days=1)
    return np.array(out, dtype=object)


def calendar_rows(rows: list[Row], start: date, winter_stop: bool) -> list[Row]:
    """Rows counted in working days, re-counted in calendar days from `start` (a row that spans
    a winter keeps its work and gains the stand-down in between)."""
    if not winter_stop or not rows:
        return rows
    horizon = math.ceil(max(r.end_day for r in rows)) + 2
    offsets = np.array([(d - start).days for d in working_calendar(start, True, horizon)],
                       dtype=float)

    def shift(day: float) -> float:
        whole = min(math.floor(day), horizon - 1)
        return float(offsets[whole] + (day - whole))

    return [Row(r.team, r.hazard, shift(r.start_day), shift(r.end_day), r.area_m2)
            for r in rows]
