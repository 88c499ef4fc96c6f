"""Planning instances drawn at random with the proportions of a real programme, for tests,
benchmarks and trying the planner: areas of a few hundred square metres to a few square
kilometres (log-normal, median 20,000 m2), risk weights independent of size, manual teams
everywhere, dogs on most land and machines on open flat land only, team rates from the
productivities the simulator uses, some teams arriving later."""

from __future__ import annotations

from typing import Any

import numpy as np

CENTRE = (36.5, 49.5)
SPAN_DEG = (2.0, 0.7)
TEAM_KINDS = (("manual", 0.6, (200.0, 480.0)), ("mdd", 0.25, (600.0, 1200.0)),
              ("mechanical", 0.15, (2000.0, 5000.0)))
"""Team type, share of teams and range of rates in m2 a day."""


def random_instance(hazards: int, teams: int, seed: int = 0,
                    travel_km_per_day: float = 80.0) -> dict[str, Any]:
    """An instance as the JSON file holds it."""
    rng = np.random.default_rng(seed)
    lon = CENTRE[0] + (rng.random(hazards) - 0.5) * SPAN_DEG[0]
    lat = CENTRE[1] + (rng.random(hazards) - 0.5) * SPAN_DEG[1]
    area = np.clip(rng.lognormal(np.log(20_000), 1.2, hazards), 500, 2_000_000)
    weight = np.round(rng.lognormal(0.0, 1.0, hazards) * 10, 3)
    mdd = rng.random(hazards) < 0.8
    machine = rng.random(hazards) < 0.4
    out_hazards = []
    for i in range(hazards):
        allowed = ["manual"] + (["mdd"] if mdd[i] else []) + (["mechanical"] if machine[i] else [])
        out_hazards.append({"code": f"HA-{i + 1:06d}", "lon": round(float(lon[i]), 6),
                            "lat": round(float(lat[i]), 6), "area_m2": round(float(area[i]), 1),
                            "weight": float(weight[i]), "allowed": allowed})
    kinds = rng.choice(len(TEAM_KINDS), size=teams, p=[k[1] for k in TEAM_KINDS])
    out_teams = []
    for k in range(teams):
        name, _, (low, high) = TEAM_KINDS[int(kinds[k])]
        out_teams.append({
            "id": f"T-{k + 1:03d}", "type": name,
            "rate_m2_per_day": round(float(rng.uniform(low, high)), 1),
            "lon": round(float(CENTRE[0] + (rng.random() - 0.5) * SPAN_DEG[0]), 6),
            "lat": round(float(CENTRE[1] + (rng.random() - 0.5) * SPAN_DEG[1]), 6),
            "available_from": 0.0 if rng.random() < 0.8 else round(float(rng.uniform(0, 60)), 1),
        })
    return {"travel_km_per_day": travel_km_per_day, "hazards": out_hazards, "teams": out_teams}
