"""Civilian exposure: how often people come upon each item still in the ground.

People move between their settlements, their fields and the forest, and along roads. An item's
exposure is a gravity sum over settlements (population, falling off with distance) weighted by
the land it lies in and by whether a road passes; its daily accident probability is that exposure
scaled so that the whole region, unmarked and uncleared, expects the scenario's
`accidents_per_year`. Marking (inside a recorded hazard area), release (land farmed again) and
winter change it day by day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

from demine.sim.region import Region
from demine.sim.truth import Truth

COVER_WEIGHT = {"farmland": 1.0, "forest": 0.7, "built_up": 1.6}
"""Relative presence of people by land cover: fields and village edges are walked most."""
ROAD_WEIGHT = 3.0
ROAD_REACH_M = 25.0
DISTANCE_SCALE_M = 2500.0
ACTIVITY = {"farmland": "farming", "forest": "collecting firewood", "built_up": "playing",
            "road": "travelling"}
VICTIMS_BY_CATEGORY = {"AT_MINE": (1, 4), "AIRCRAFT_BOMB": (1, 3), "PROJECTILE": (1, 3)}
KILLED_FACTOR = {"AT_MINE": 1.8, "AIRCRAFT_BOMB": 2.0, "AP_MINE": 0.8}


def item_exposure(region: Region, truth: Truth) -> tuple[NDArray[np.float64], NDArray[np.str_]]:
    """Each item's relative exposure, and where it lies (a land cover class or 'road')."""
    weight = np.zeros(len(truth))
    for (sx, sy), pop in zip(region.settlement_xy, region.settlement_pop, strict=True):
        d = np.hypot(truth.x - sx, truth.y - sy)
        weight += pop * np.exp(-d / DISTANCE_SCALE_M)
    cover = region.cover_at(truth.x, truth.y).astype(object)
    weight *= np.vectorize(COVER_WEIGHT.__getitem__, otypes=[float])(cover)
    roads = shapely.union_all([g for g, _ in region.roads])
    near = shapely.dwithin(roads, shapely.points(truth.x, truth.y), ROAD_REACH_M)
    weight[near] *= ROAD_WEIGHT
    cover[near] = "road"
    # anti-tank mines need a vehicle: on roads and fields, seldom in forest or by foot
    weight[truth.category == "AT_MINE"] *= np.where(near, 0.6, 0.15)[truth.category == "AT_MINE"]
    return weight, cover.astype(str)


@dataclass
class Exposure:
    """Daily accident probabilities of items, before the day's factors."""

    base: NDArray[np.float64]
    place: NDArray[np.str_]
    work_months: tuple[float, float]
    winter: float

    @classmethod
    def build(cls, region: Region, truth: Truth, civilians: dict[str, Any],
              operations: dict[str, Any]) -> Exposure:
        weight, place = item_exposure(region, truth)
        total = weight.sum()
        base = weight / total * civilians["accidents_per_year"] / 365.0 if total else weight
        return cls(base, place, operations["work_months"], civilians["winter_exposure"])

    def accidents(self, day: date, buried: NDArray[np.bool_], factor: NDArray[np.float64],
                  rng: np.random.Generator) -> NDArray[np.int64]:
        """Items that cause a civilian accident on `day`."""
        p = self.base * factor * season(day, self.work_months, self.winter)
        return draw_accidents(p, buried, rng)


def in_months(day: date, months: tuple[float, float]) -> bool:
    """Whether a day falls in the working months [first, last]."""
    return months[0] <= day.month <= months[1]


def season(day: date, work_months: tuple[float, float], winter: float) -> float:
    """People are out less in the winter months, when work also stands down."""
    return 1.0 if in_months(day, work_months) else winter


def draw_accidents(p: NDArray[np.float64], buried: NDArray[np.bool_],
                   rng: np.random.Generator) -> NDArray[np.int64]:
    """Items still in the ground that hurt someone today, each with its probability `p`."""
    return np.flatnonzero(buried & (rng.random(len(p)) < p))


@dataclass
class Casualty:
    sex: str
    age: int
    outcome: str


def civilian_victims(category: str, civilians: dict[str, Any], rng: np.random.Generator
                     ) -> list[Casualty]:
    """The people hurt by one civilian accident."""
    low, high = VICTIMS_BY_CATEGORY.get(category, civilians["victims_per_accident"])
    count = int(rng.integers(int(low), int(high) + 1)) if rng.random() < 0.35 else 1
    killed = min(0.95, civilians["killed_share"] * KILLED_FACTOR.get(category, 1.0))
    people = []
    for _ in range(count):
        child = rng.random() < civilians["child_share"]
        age = int(rng.integers(6, 18)) if child else int(rng.integers(18, 75))
        sex = "female" if rng.random() < civilians["female_share"] else "male"
        outcome = "killed" if rng.random() < killed else "injured"
        people.append(Casualty(sex, age, outcome))
    return people


def deminer_victim(rng: np.random.Generator) -> Casualty:
    """A deminer hurt at work: most survive, thanks to protective equipment."""
    sex = "female" if rng.random() < 0.12 else "male"
    outcome = "killed" if rng.random() < 0.15 else "injured"
    return Casualty(sex, int(rng.integers(21, 56)), outcome)
