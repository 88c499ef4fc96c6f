"""Typed columns from a properties table, vectorised, with one problem per bad value.

Field files spell columns in many ways (`Code`, `CODE`, `reported_a` from a shapefile); each
canonical name lists the spellings it accepts. Values are parsed once per distinct value, so a
column of 100,000 repeated categories costs a handful of parses.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from demine.model.problems import Problem
from demine.model.vocab import Vocabulary

V = TypeVar("V", bound=Vocabulary)


def find_column(frame: pd.DataFrame, *names: str) -> str | None:
    """The frame's column matching any of `names`, ignoring case."""
    lower = {str(c).lower(): str(c) for c in frame.columns}
    for name in names:
        if name.lower() in lower:
            return lower[name.lower()]
    return None


def blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def text_column(frame: pd.DataFrame, *names: str) -> list[str | None]:
    """Stripped text values, None where blank or where the column is absent."""
    col = find_column(frame, *names)
    if col is None:
        return [None] * len(frame)
    return [None if blank(v) else str(v).strip() for v in frame[col].tolist()]


def parse_column(
    frame: pd.DataFrame,
    names: tuple[str, ...],
    parse: Callable[[str], Any],
    problems: list[Problem],
    codes: list[str | None],
) -> list[Any]:
    """Parsed values (None where blank); a parse failure becomes a problem of its feature."""
    col = find_column(frame, *names)
    if col is None:
        return [None] * len(frame)
    cache: dict[Any, tuple[Any, str | None]] = {}
    out: list[Any] = []
    for i, raw in enumerate(frame[col].tolist()):
        if blank(raw):
            out.append(None)
            continue
        key = raw if isinstance(raw, (str, int, float)) else str(raw)
        if key not in cache:
            try:
                cache[key] = (parse(str(raw).strip() if isinstance(raw, str) else raw), None)
            except (ValueError, TypeError) as exc:
                cache[key] = (None, f"{names[0]}: {exc}")
        value, error = cache[key]
        if error:
            problems.append(Problem(i + 1, codes[i], error))
        out.append(value)
    return out


def vocab_list(vocab: type[V]) -> Callable[[str], tuple[V, ...]]:
    """A parser of comma- or semicolon-separated vocabulary values."""

    def parse(text: str) -> tuple[V, ...]:
        tokens = [t for t in str(text).replace(";", ",").split(",") if t.strip()]
        return tuple(dict.fromkeys(vocab.parse(t) for t in tokens))  # type: ignore[misc]

    return parse


def parse_date(value: Any) -> date:
    """An ISO date (YYYY-MM-DD, or a date-time of which the date is taken)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise ValueError(f"{text!r} is not a date (expected YYYY-MM-DD)") from None


def parse_area(value: Any) -> float:
    """A non-negative area in m2."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{value!r} is not a number") from None
    if not np.isfinite(number) or number < 0:
        raise ValueError(f"{value!r} is not a non-negative area")
    return number


def parse_count(value: Any) -> int:
    """A non-negative whole number."""
    number = parse_area(value)
    if number != int(number):
        raise ValueError(f"{value!r} is not a whole number")
    return int(number)
