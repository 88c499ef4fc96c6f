"""Argument checks shared by the design statistics: each names the argument and its range."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number (got {value!r})")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number (got {value!r})")
    return number


def open_unit(name: str, value: Any) -> float:
    """A probability strictly between 0 and 1."""
    number = _number(name, value)
    if not 0 < number < 1:
        raise ValueError(f"{name} must be in (0, 1) (got {value!r})")
    return number


def closed_unit(name: str, value: Any) -> float:
    """A probability or fraction from 0 to 1 inclusive."""
    number = _number(name, value)
    if not 0 <= number <= 1:
        raise ValueError(f"{name} must be in [0, 1] (got {value!r})")
    return number


def positive(name: str, value: Any) -> float:
    """A length (or other size) above zero."""
    number = _number(name, value)
    if number <= 0:
        raise ValueError(f"{name} must be positive, in (0, inf) (got {value!r})")
    return number


def shape_ratio(name: str, value: Any) -> float:
    """The ratio of an ellipse's minor to major axis."""
    number = _number(name, value)
    if not 0 < number <= 1:
        raise ValueError(f"{name} must be in (0, 1] (got {value!r})")
    return number


def whole(name: str, value: Any, least: int) -> int:
    """A whole number of at least `least`."""
    number = _number(name, value)
    if not number.is_integer() or number < least:
        raise ValueError(f"{name} must be a whole number >= {least} (got {value!r})")
    return int(number)


def largest_reaching(probability: Callable[[float], float], wanted: float, low: float,
                     high: float, tolerance: float) -> float:
    """The largest x in [low, high] with probability(x) >= wanted, for a probability that falls
    as x grows (a spacing), by bisection to a relative `tolerance`; `low` must reach it."""
    while high - low > tolerance * high:
        middle = (low + high) / 2
        if probability(middle) >= wanted:
            low = middle
        else:
            high = middle
    return low
