"""A planning instance: hazard areas to clear and teams to clear them, as the planner reads it
from a JSON file (or builds it from the registry).

The file: {"travel_km_per_day": float, "hazards": [{"code", "lon", "lat", "area_m2", "weight",
"allowed": [team types], optionally "available_from"}], "teams": [{"id", "type",
"rate_m2_per_day", "lon", "lat", "available_from"}]}; days are floats from day 0.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from demine.model.problems import InputError, Problem
from demine.model.vocab import TeamType

EARTH_RADIUS_KM = 6371.0088
"""Mean Earth radius (IUGG), the one the schedule's travel times are measured with."""
TEAM_TYPES = tuple(t.value for t in TeamType)


@dataclass(frozen=True)
class Hazard:
    code: str
    lon: float
    lat: float
    area_m2: float
    weight: float
    allowed: frozenset[str]
    available_from: float = 0.0
    """First day work may start on it (after its survey, say); 0 unless the file says."""


@dataclass(frozen=True)
class Team:
    id: str
    type: str
    rate_m2_per_day: float
    lon: float
    lat: float
    available_from: float


@dataclass
class Instance:
    """Hazards, teams and the travel speed between them."""

    travel_km_per_day: float
    hazards: list[Hazard]
    teams: list[Team]

    def eligible(self) -> NDArray[np.bool_]:
        """eligible[h, k]: team k may work hazard h."""
        types = np.array([t.type for t in self.teams])
        return np.array([[t in h.allowed for t in types] for h in self.hazards], dtype=bool) \
            if self.hazards and self.teams else np.zeros((len(self.hazards), len(self.teams)),
                                                         dtype=bool)


def haversine_km(lon1: Any, lat1: Any, lon2: Any, lat2: Any) -> NDArray[np.float64]:
    """Great-circle distance (haversine, mean Earth radius) in km."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))))


def _number(item: dict[str, Any], key: str, where: str, problems: list[Problem],
            low: float | None = None, strict: bool = False, high: float | None = None) -> float:
    value = item.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            not math.isfinite(float(value)):
        problems.append(Problem(None, None, f"{where}: {key} must be a number (got {value!r})"))
        return math.nan
    number = float(value)
    if low is not None and (number <= low if strict else number < low):
        relation = ">" if strict else ">="
        problems.append(Problem(None, None, f"{where}: {key} must be {relation} {low:g} "
                                            f"(got {value!r})"))
    if high is not None and number > high:
        problems.append(Problem(None, None, f"{where}: {key} must be <= {high:g} "
                                            f"(got {value!r})"))
    return number


def _text(item: dict[str, Any], key: str, where: str, problems: list[Problem]) -> str:
    value = item.get(key)
    if not isinstance(value, (str, int)) or isinstance(value, bool) or str(value).strip() == "":
        problems.append(Problem(None, None, f"{where}: {key} is missing"))
        return ""
    return str(value).strip()


def _objects(data: dict[str, Any], key: str, source: str, problems: list[Problem]
             ) -> Iterator[tuple[int, dict[str, Any], str]]:
    """The objects of the list `key`, each with its index and how messages name it."""
    for i, item in enumerate(data.get(key) or []):
        where = f"{source}: {key}[{i}]"
        if isinstance(item, dict):
            yield i, item, where
        else:
            problems.append(Problem(None, None, f"{where}: must be an object"))


def parse_instance(data: Any, source: str) -> Instance:
    """An instance from parsed JSON, with every problem found named by item and key."""
    problems: list[Problem] = []
    if not isinstance(data, dict):
        raise InputError([Problem(None, None, f"{source}: must hold a JSON object")])
    speed = _number(data, "travel_km_per_day", source, problems, 0, strict=True)
    hazards, teams = [], []
    for key in ("hazards", "teams"):
        if not isinstance(data.get(key), list):
            problems.append(Problem(None, None, f"{source}: {key} must be a list"))
    for i, item, where in _objects(data, "hazards", source, problems):
        code = _text(item, "code", where, problems)
        where = f"{source}: hazard {code or i}"
        allowed = item.get("allowed")
        if not isinstance(allowed, list) or not allowed:
            problems.append(Problem(None, None, f"{where}: allowed must be a non-empty list of "
                                                f"team types ({', '.join(TEAM_TYPES)})"))
            allowed = []
        for kind in allowed:
            if kind not in TEAM_TYPES:
                problems.append(Problem(None, None, f"{where}: unknown team type {kind!r} in "
                                                    f"allowed (expected {', '.join(TEAM_TYPES)})"))
        hazards.append(Hazard(code, _number(item, "lon", where, problems, -180, high=180),
                              _number(item, "lat", where, problems, -90, high=90),
                              _number(item, "area_m2", where, problems, 0, strict=True),
                              _number(item, "weight", where, problems, 0),
                              frozenset(str(a) for a in allowed),
                              _number(item, "available_from", where, problems, 0)
                              if "available_from" in item else 0.0))
    for i, item, where in _objects(data, "teams", source, problems):
        ident = _text(item, "id", where, problems)
        where = f"{source}: team {ident or i}"
        kind = item.get("type")
        if kind not in TEAM_TYPES:
            problems.append(Problem(None, None, f"{where}: unknown team type {kind!r} "
                                                f"(expected {', '.join(TEAM_TYPES)})"))
        teams.append(Team(ident, str(kind), _number(item, "rate_m2_per_day", where, problems, 0,
                                                    strict=True),
                          _number(item, "lon", where, problems, -180, high=180),
                          _number(item, "lat", where, problems, -90, high=90),
                          _number(item, "available_from", where, problems, 0)
                          if "available_from" in item else 0.0))
    for what, codes in (("hazard code", [h.code for h in hazards]),
                        ("team id", [t.id for t in teams])):
        seen: set[str] = set()
        for code in codes:
            if code and code in seen:
                problems.append(Problem(None, None, f"{source}: duplicate {what} {code!r}"))
            seen.add(code)
    types = {t.type for t in teams}
    for h in hazards:
        if h.allowed and not h.allowed & types:
            problems.append(Problem(None, None, f"{source}: hazard {h.code}: no team may work it "
                                                f"(allowed {', '.join(sorted(h.allowed))}; the "
                                                f"teams are {', '.join(sorted(types)) or 'none'})"))
    if problems:
        raise InputError(problems)
    return Instance(speed, hazards, teams)


def load_instance(path: str | Path) -> Instance:
    """An instance from its JSON file, or an InputError naming each problem."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError([Problem(None, None, f"{path}: cannot be read ({exc.strerror})")]) \
            from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError([Problem(None, None, f"{path}: not valid JSON ({exc})")]) from None
    return parse_instance(data, str(path))
