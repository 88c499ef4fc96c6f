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


def _blank_mask(series: pd.Series) -> np.ndarray:
    """True where a value is missing or only blanks, computed on the whole column."""
    missing = series.isna().to_numpy().copy()
    if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
        stripped = series.astype(str).str.strip()
        missing |= (stripped == "").to_numpy()
    return missing


def text_column(frame: pd.DataFrame, *names: str) -> list[str | None]:
    """Stripped text values, None where blank or where the column is absent."""
    col = find_column(frame, *names)
    if col is None:
        return [None] * len(frame)
    series = frame[col]
    missing = _blank_mask(series)
    values = series.astype(str).str.strip().to_numpy(dtype=object)
    values[missing] = None
    return list(values)


def parse_column(
    frame: pd.DataFrame,
    names: tuple[str, ...],
    parse: Callable[[Any], Any],
    problems: list[Problem],
    codes: list[str | None],
) -> list[Any]:
    """Parsed values (None where blank); a parse failure becomes a problem of its feature.

    Each distinct value is parsed once (pandas.factorize), then spread back to the rows.
    """
    col = find_column(frame, *names)
    if col is None:
        return [None] * len(frame)
    series = frame[col]
    missing = _blank_mask(series)
    labels, uniques = pd.factorize(series, use_na_sentinel=True)
    parsed = np.empty(len(uniques) + 1, dtype=object)  # the last slot stands for "blank"
    parsed[-1] = None
    errors: dict[int, str] = {}
    for k, raw in enumerate(uniques):
        try:
            parsed[k] = parse(raw.strip() if isinstance(raw, str) else raw)
        except (ValueError, TypeError) as exc:
            parsed[k] = None
            errors[k] = f"{names[0]}: {exc}"
    labels = np.where(missing | (labels < 0), len(uniques), labels)
    for k, message in errors.items():
        for i in np.flatnonzero(labels == k):
            problems.append(Problem(int(i) + 1, codes[i], message))
    return list(parsed[labels])


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
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value).date()
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
