"""Scenarios: TOML files that describe a region, its contamination and its operations.

A scenario file is checked whole before anything is generated: an unknown section or key, a value
out of its range or a missing required value is refused with the file, the key and the reason.
A user's file may start from a shipped scenario with `extends = "border"` and change a few keys.
The keys, their meaning and their ranges are `SPEC` below (documented in the README).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Any

from demine.model.config import read_toml, shipped
from demine.model.problems import ConfigError

SHIPPED = "demine.sim.scenarios"


class ScenarioError(ConfigError):
    """A scenario that cannot be used, with every reason found."""


@dataclass(frozen=True)
class Kind:
    """What one key accepts: a number (int or float) in [lo, hi], a [low, high] pair, a date."""

    kind: str
    lo: float = float("-inf")
    hi: float = float("inf")

    def check(self, value: Any) -> tuple[Any, str | None]:
        if self.kind == "date":
            if isinstance(value, date):
                return value, None
            try:
                return date.fromisoformat(str(value)), None
            except ValueError:
                return None, f"{value!r} is not a date (YYYY-MM-DD)"
        if self.kind == "text":
            return (value, None) if isinstance(value, str) and value else (
                None, "must be non-empty text")
        if self.kind == "pair":
            if (not isinstance(value, list) or len(value) != 2
                    or not all(_number(v) for v in value)):
                return None, "must be a pair [low, high] of numbers"
            low, high = float(value[0]), float(value[1])
            if low > high:
                return None, f"low {low:g} is above high {high:g}"
            return (low, high), self._bounds(low) or self._bounds(high)
        if not _number(value):
            return None, f"{value!r} is not a number"
        if self.kind == "int" and float(value) != int(value):
            return None, f"{value!r} is not a whole number"
        number = int(value) if self.kind == "int" else float(value)
        return number, self._bounds(number)

    def _bounds(self, number: float) -> str | None:
        if number < self.lo or number > self.hi:
            return f"{number:g} is outside [{self.lo:g}, {self.hi:g}]"
        return None


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def Int(lo: float = 0, hi: float = float("inf")) -> Kind:
    return Kind("int", lo, hi)


def Num(lo: float = 0, hi: float = float("inf")) -> Kind:
    return Kind("float", lo, hi)


def Pair(lo: float = 0, hi: float = float("inf")) -> Kind:
    return Kind("pair", lo, hi)


PROBABILITY = Num(0, 1)
DATE = Kind("date")
TEXT = Kind("text")

SPEC: dict[str, dict[str, Kind]] = {
    "scenario": {
        "name": TEXT, "description": TEXT,
        "origin_lon": Num(-180, 180), "origin_lat": Num(-80, 80),
        "length_km": Num(5, 1000), "width_km": Num(2, 200),
        "conflict_end": DATE, "start_date": DATE,
    },
    "region": {
        "districts": Int(1, 100), "settlements": Int(2, 2000),
        "population": Pair(10, 10_000_000), "forest_share": Num(0, 0.9),
        "rivers": Int(0, 50), "front_line_from_border_km": Pair(0.5, 500),
        "positions_per_km": Num(0, 10), "artillery_positions": Int(0, 10_000),
    },
    "contamination": {
        "minefields": Int(0, 100_000), "minefield_length_m": Pair(10, 20_000),
        "rows": Pair(1, 20), "mine_spacing_m": Pair(0.5, 100), "row_spacing_m": Pair(1, 100),
        "at_minefield_share": PROBABILITY, "missing_mine_share": Pair(0, 1),
        "position_minefields": Int(0, 100_000), "uxo_clusters": Int(0, 100_000),
        "uxo_per_cluster": Pair(1, 10_000), "uxo_spread_m": Pair(1, 10_000),
        "aircraft_bombs": Int(0, 100_000), "submunition_strikes": Int(0, 100_000),
        "strike_semi_major_m": Pair(1, 10_000), "strike_shape": Pair(0.01, 1),
        "submunitions_per_strike": Pair(1, 10_000),
    },
    "knowledge": {
        "contaminated_share": Pair(0.001, 1), "known_share": PROBABILITY,
        "confirmed_share": PROBABILITY, "margin_m": Pair(0, 5_000),
        "false_area_m2": Pair(100, 1e8), "min_hazard_areas": Int(0, 1_000_000),
    },
    "teams": {
        "operators": Int(1, 100), "deminers": Pair(1, 1_000_000),
        "manual_team_size": Pair(1, 100), "manual_rate_m2_per_deminer_day": Pair(0.1, 10_000),
        "hard_ground_factor": Num(0.01, 1),
        "mdd_teams": Int(0, 10_000), "mdd_rate_m2_per_day": Pair(1, 100_000),
        "mechanical_teams": Int(0, 10_000), "mechanical_rate_m2_per_hour": Pair(1, 100_000),
        "survey_teams": Int(0, 10_000), "nts_days": Pair(0.1, 365),
        "ts_rate_m2_per_day": Pair(1, 1_000_000), "hours_per_day": Num(1, 24),
        "late_start_days": Pair(0, 3650),
    },
    "operations": {
        "work_months": Pair(1, 12), "work_days_per_week": Int(1, 7),
        "detection_probability": PROBABILITY, "deep_detection_probability": PROBABILITY,
        "clearance_depth_cm": Int(1, 10_000), "sector_m": Num(10, 10_000),
        "nts_detection_probability": PROBABILITY, "ts_detection_probability": PROBABILITY,
        "nts_margin_m": Num(0, 10_000), "ts_margin_m": Num(0, 10_000),
        "demining_accident_probability": PROBABILITY,
        "travel_km_per_day": Num(1, 100_000),
    },
    "civilians": {
        "accidents_per_year": Num(0, 100_000), "marked_exposure": Num(0, 10),
        "released_exposure": Num(0, 10), "winter_exposure": Num(0, 10),
        "victims_per_accident": Pair(1, 100), "killed_share": PROBABILITY,
        "child_share": PROBABILITY, "female_share": PROBABILITY,
    },
}
"""Every section and key a scenario may hold, with what it accepts."""


@dataclass(frozen=True)
class Scenario:
    """A checked scenario: its name, source and values by section and key."""

    name: str
    source: str
    values: dict[str, dict[str, Any]]

    def __getitem__(self, section: str) -> dict[str, Any]:
        return self.values[section]

    @property
    def start_date(self) -> date:
        return self.values["scenario"]["start_date"]


def shipped_names() -> list[str]:
    return shipped(resources.files(SHIPPED))


def _read(name_or_path: str) -> tuple[dict[str, Any], str]:
    """The raw table of a shipped name or a file path, with `extends` resolved."""
    raw, source, _ = read_toml(name_or_path, resources.files(SHIPPED), "scenario", ScenarioError)
    return raw, source


def load_scenario(name_or_path: str = "border") -> Scenario:
    """A shipped scenario by name, or a user's TOML file, checked against `SPEC`."""
    raw, source = _read(name_or_path)
    return check_scenario(raw, source)


def scenario_json(scenario: Scenario) -> dict[str, Any]:
    """The scenario's values as JSON-ready data (dates as text, pairs as lists)."""
    return {section: {k: v.isoformat() if isinstance(v, date) else
                      list(v) if isinstance(v, tuple) else v for k, v in table.items()}
            for section, table in scenario.values.items()}


def check_scenario(raw: dict[str, Any], source: str) -> Scenario:
    """Check a scenario's raw tables against `SPEC`: every problem at once, or the scenario."""
    problems: list[str] = []
    values: dict[str, dict[str, Any]] = {}
    for section, table in raw.items():
        if section not in SPEC:
            problems.append(f"[{section}]: unknown section (expected {', '.join(SPEC)})")
        elif not isinstance(table, dict):
            problems.append(f"{section}: must be a table [{section}]")
    for section, keys in SPEC.items():
        table = raw.get(section, {})
        if not isinstance(table, dict):
            continue
        values[section] = {}
        for key in table:
            if key not in keys:
                problems.append(f"[{section}] {key}: unknown key")
        for key, kind in keys.items():
            if key not in table:
                problems.append(f"[{section}] {key}: missing required value")
                continue
            value, reason = kind.check(table[key])
            if reason:
                problems.append(f"[{section}] {key}: {reason}")
            values[section][key] = value
    if not problems:
        problems = _consistency(values)
    if problems:
        raise ScenarioError(source, problems)
    return Scenario(values["scenario"]["name"], source, values)


def _consistency(values: dict[str, dict[str, Any]]) -> list[str]:
    """Rules that tie keys together."""
    problems = []
    s = values["scenario"]
    if s["start_date"] <= s["conflict_end"]:
        problems.append("[scenario] start_date: must come after conflict_end")
    if values["region"]["front_line_from_border_km"][1] >= s["width_km"]:
        problems.append("[region] front_line_from_border_km: must lie inside width_km")
    t = values["teams"]
    if t["deminers"][0] < t["manual_team_size"][0]:
        problems.append("[teams] deminers: fewer than one manual team")
    return problems
