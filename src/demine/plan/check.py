"""The feasibility checker: any schedule against its instance, independent of how it was made.

A schedule is feasible when every row names a known team and hazard the team's type may work,
starting no sooner than the hazard may be worked,
no row clears more than the team's rate allows in its time, a team's rows never overlap, each
move (from the team's start point on its first available day, or between two different hazards)
leaves at least the great-circle distance over the travel speed, and every hazard is cleared
completely. Its harm is the sum over hazards of weight x completion day (the last end_day).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from demine.plan.instance import Instance, haversine_km
from demine.plan.schedule import Row

TOLERANCE = 1e-6
"""Relative slack allowed for rounding in times and areas."""


@dataclass
class Verdict:
    """What the checker found: the problems (none when feasible), the harm and completions."""

    problems: list[str] = field(default_factory=list)
    harm: float = 0.0
    completion: dict[str, float] = field(default_factory=dict)

    @property
    def feasible(self) -> bool:
        return not self.problems


def check_schedule(instance: Instance, rows: list[Row]) -> Verdict:
    """Every rule a schedule must keep, checked row by row; the harm when all hold."""
    verdict = Verdict()
    teams = {t.id: t for t in instance.teams}
    hazards = {h.code: h for h in instance.hazards}
    by_team: dict[str, list[Row]] = defaultdict(list)
    cleared: dict[str, float] = defaultdict(float)
    for n, row in enumerate(rows, start=1):
        where = f"row {n} ({row.team}, {row.hazard})"
        team, hazard = teams.get(row.team), hazards.get(row.hazard)
        if team is None or hazard is None:
            verdict.problems.append(f"{where}: unknown {'team' if team is None else 'hazard'}")
            continue
        if team.type not in hazard.allowed:
            verdict.problems.append(f"{where}: a {team.type} team may not work this hazard "
                                    f"(allowed: {', '.join(sorted(hazard.allowed))})")
        if not row.end_day >= row.start_day or row.area_m2 < 0:
            verdict.problems.append(f"{where}: ends before it starts or clears a negative area")
        limit = team.rate_m2_per_day * (row.end_day - row.start_day)
        if row.area_m2 > limit * (1 + TOLERANCE) + TOLERANCE:
            verdict.problems.append(f"{where}: clears {row.area_m2:.1f} m2, more than the "
                                    f"{limit:.1f} m2 the team's rate allows in its time")
        by_team[row.team].append(row)
        cleared[row.hazard] += row.area_m2
        verdict.completion[row.hazard] = max(verdict.completion.get(row.hazard, 0.0),
                                             row.end_day)
    for ident, own in by_team.items():
        team = teams[ident]
        own.sort(key=lambda r: (r.start_day, r.end_day))
        here: tuple[str | None, float, float] = (None, team.lon, team.lat)
        free = team.available_from
        for row in own:
            hazard = hazards[row.hazard]
            travel = 0.0 if row.hazard == here[0] else float(
                haversine_km(here[1], here[2], hazard.lon, hazard.lat)
            ) / instance.travel_km_per_day
            if row.start_day < hazard.available_from - TOLERANCE * max(1.0, hazard.available_from):
                verdict.problems.append(f"team {ident}: starts {row.hazard} on day "
                                        f"{row.start_day:.4f}, before the area may be worked "
                                        f"(day {hazard.available_from:.4f})")
            if row.start_day < free + travel - TOLERANCE * max(1.0, free + travel):
                verdict.problems.append(
                    f"team {ident}: starts {row.hazard} on day {row.start_day:.4f}, before it "
                    f"can be there (free on day {free:.4f}, {travel:.4f} days of travel)")
            free = max(free, row.end_day)
            here = (row.hazard, hazard.lon, hazard.lat)
    for hazard in instance.hazards:
        done = cleared.get(hazard.code, 0.0)
        if done < hazard.area_m2 * (1 - TOLERANCE):
            verdict.problems.append(f"hazard {hazard.code}: {done:.1f} of {hazard.area_m2:.1f} "
                                    "m2 cleared")
    if not verdict.problems:
        verdict.harm = sum(h.weight * verdict.completion[h.code] for h in instance.hazards)
    return verdict
