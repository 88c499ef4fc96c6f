"""Policies that send free teams to work: by recorded priority, to the nearest area, or as a
schedule file (the planner's CSV: team,hazard,start_day,end_day,area_m2) says.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from demine.geo.area import area_m2
from demine.model.problems import InputError, Problem
from demine.plan.schedule import Row
from demine.plan.schedule import read_schedule as read_rows

if TYPE_CHECKING:
    from demine.sim.engine import Simulation
    from demine.sim.state import Hazard, Team, World

STAGES = {"new": 0, "surveyed": 1, "ready": 2}


class Board:
    """The hazards' state as arrays, so that choosing among thousands is one numpy pass."""

    def __init__(self, world: World):
        self.codes = list(world.hazards)
        self.index = {c: i for i, c in enumerate(self.codes)}
        n = len(self.codes)
        hs = list(world.hazards.values())
        self.x = np.array([h.x for h in hs])
        self.y = np.array([h.y for h in hs])
        self.priority = np.array([h.priority for h in hs], dtype=float)
        self.farmland = np.array([h.cover == "farmland" for h in hs])
        self.stage = np.zeros(n, dtype=np.int8)
        self.busy = np.zeros(n, dtype=bool)
        self.cut = np.zeros(n, dtype=bool)
        self.pending = np.zeros(n, dtype=np.int64)
        self.closed = np.zeros(n, dtype=bool)
        self.cha = np.zeros(n, dtype=bool)
        for h in hs:
            self.refresh(h)

    def add(self, h: Hazard) -> None:
        """A hazard area recorded during the run."""
        self.index[h.code] = len(self.codes)
        self.codes.append(h.code)
        self.x = np.append(self.x, h.x)
        self.y = np.append(self.y, h.y)
        self.priority = np.append(self.priority, float(h.priority))
        self.farmland = np.append(self.farmland, h.cover == "farmland")
        for name in ("stage", "busy", "cut", "pending", "closed", "cha"):
            column = getattr(self, name)
            setattr(self, name, np.append(column, np.zeros(1, column.dtype)))
        self.refresh(h)

    def refresh(self, h: Hazard) -> None:
        i = self.index[h.code]
        self.stage[i] = STAGES[h.stage]
        self.busy[i] = h.surveyor is not None
        self.cut[i] = h.sectors_cut
        self.pending[i] = len(h.sectors)
        self.closed[i] = h.closed
        self.cha[i] = h.classification == "CHA"

    def work_for(self, team: Team, has_survey: bool) -> tuple[NDArray[np.bool_], str]:
        """Which hazards the team could work today, and as what activity."""
        open_ = ~self.closed & ~self.busy
        if team.type == "survey":  # non-technical survey first: it releases the most land
            fresh = open_ & ~self.cut & (self.stage == 0)
            if fresh.any():
                return fresh, "NTS"
            return open_ & ~self.cut & (self.stage == 1), "TS"
        if team.type == "mechanical":
            return open_ & ~self.cut & (self.stage == 1) & self.farmland, "TS"
        if team.type not in ("manual", "mdd"):
            return np.zeros(len(self.codes), dtype=bool), ""
        ready = open_ & (self.stage == 2) & (~self.cut | (self.pending > 0))
        if ready.any() or not has_survey:
            return ready, "CLEARANCE"
        return open_ & ~self.cut & self.cha, "CLEARANCE"


class Policy:
    """Sends a free team to work; `name` is how the CLI and the results call it."""

    name = "policy"
    board: Board

    def prepare(self, sim: Simulation) -> None:
        self.board = Board(sim.w)

    def assign(self, sim: Simulation, team: Team, day: date) -> None:
        raise NotImplementedError

    def launch(self, sim: Simulation, team: Team, code: str, kind: str, day: date) -> None:
        hazard = sim.w.hazards[code]
        if kind == "CLEARANCE" and hazard.stage != "ready":
            hazard.stage = "ready"
        sim.start(team, hazard, kind, day)
        self.board.refresh(hazard)


class RankedPolicy(Policy):
    def key(self, team: Team, mask: NDArray[np.bool_]) -> NDArray[np.float64]:
        raise NotImplementedError

    def assign(self, sim: Simulation, team: Team, day: date) -> None:
        mask, kind = self.board.work_for(team, sim.has_survey)
        if not mask.any():
            return
        score = np.where(mask, self.key(team, mask), np.inf)
        self.launch(sim, team, self.board.codes[int(np.argmin(score))], kind, day)


class PriorityPolicy(RankedPolicy):
    """The open area with the highest recorded priority (1 first), nearest among equals."""

    name = "priority"

    def key(self, team: Team, mask: NDArray[np.bool_]) -> NDArray[np.float64]:
        dist = np.hypot(self.board.x - team.x, self.board.y - team.y)
        return self.board.priority * 1e9 + dist


class NearestPolicy(RankedPolicy):
    """The nearest open area the team can work."""

    name = "nearest"

    def key(self, team: Team, mask: NDArray[np.bool_]) -> NDArray[np.float64]:
        return np.hypot(self.board.x - team.x, self.board.y - team.y)


class OptimisePolicy(RankedPolicy):
    """Each free team takes the area where its work removes the most risk per day, travel
    included: planning weight / (days of travel + days of work on the land left), Smith's rule
    as the planner orders areas by. Weights come from the registry's priority scores; an area
    recorded during the run (after an accident) counts as one of the riskiest."""

    name = "optimise"

    def __init__(self, weights: dict[str, float]):
        self.weights = weights

    def prepare(self, sim: Simulation) -> None:
        super().prepare(sim)
        self.travel = float(sim.ops["travel_km_per_day"])
        values = np.array(list(self.weights.values()) or [1.0])
        self.new_weight = float(np.quantile(values, 0.9))
        codes = self.board.codes
        self.weight = np.array([self.weights.get(c, self.new_weight) for c in codes])
        self.area = np.maximum(area_m2([sim.w.hazards[c].remaining for c in codes]), 1.0)
        self.hazards = sim.w.hazards

    def key(self, team: Team, mask: NDArray[np.bool_]) -> NDArray[np.float64]:
        b = self.board
        if len(self.weight) < len(b.codes):  # areas recorded during the run
            added = b.codes[len(self.weight):]
            self.weight = np.append(self.weight, [self.new_weight] * len(added))
            self.area = np.append(self.area, np.maximum(
                area_m2([self.hazards[c].remaining for c in added]), 1.0))
        travel = np.hypot(b.x - team.x, b.y - team.y) / 1000.0 / self.travel
        work = self.area / max(team.rate, 1.0)
        return np.asarray(-self.weight / (travel + work))


class SchedulePolicy(Policy):
    """A schedule followed as written: each team works its rows' hazards in their time windows."""

    name = "schedule"

    def __init__(self, rows: list[Row], source: str):
        self.rows = rows
        self.source = source

    def prepare(self, sim: Simulation) -> None:
        super().prepare(sim)
        teams = {t.code for t in sim.w.teams}
        problems = [Problem(k + 2, r.team, f"unknown team {r.team!r}")
                    for k, r in enumerate(self.rows) if r.team not in teams]
        problems += [Problem(k + 2, r.hazard, f"unknown hazard area {r.hazard!r}")
                     for k, r in enumerate(self.rows) if r.hazard not in sim.w.hazards]
        if problems:
            raise InputError(problems)
        self.by_team: dict[str, list[Row]] = {}
        for r in sorted(self.rows, key=lambda r: (r.start_day, r.hazard)):
            self.by_team.setdefault(r.team, []).append(r)

    def assign(self, sim: Simulation, team: Team, day: date) -> None:
        today = sim.day_index(day)
        b = self.board
        for row in self.by_team.get(team.code, []):
            if row.end_day <= today or row.start_day > today:
                continue
            i = b.index[row.hazard]
            if b.closed[i] or b.busy[i]:
                continue
            if team.type in ("survey", "mechanical"):
                if b.cut[i] or b.stage[i] == 2 or (team.type == "mechanical" and b.stage[i] == 0):
                    continue
                self.launch(sim, team, row.hazard, "NTS" if b.stage[i] == 0 else "TS", day)
                return
            if team.type in ("manual", "mdd") and (not b.cut[i] or b.pending[i] > 0):
                self.launch(sim, team, row.hazard, "CLEARANCE", day)
                return


def read_schedule(path: Path) -> SchedulePolicy:
    """A schedule CSV (the planner's format), checked line by line."""
    if not path.is_file():
        raise InputError([Problem(None, str(path), "no such schedule file")])
    return SchedulePolicy(read_rows(path), str(path))


POLICIES: dict[str, type[RankedPolicy]] = {"priority": PriorityPolicy, "nearest": NearestPolicy}
"""Built-in policies by name; any other value of --policy is a schedule file."""


def make_policy(name: str, weights: dict[str, float] | None = None) -> Policy:
    """A policy by name (`optimise` needs the areas' planning weights), or a schedule file."""
    if name == "optimise":
        return OptimisePolicy(weights or {})
    if name in POLICIES:
        return POLICIES[name]()
    if name.endswith(".csv") or Path(name).exists():
        return read_schedule(Path(name))
    raise InputError([Problem(None, name, f"unknown policy (expected {', '.join(POLICIES)}, "
                                          "optimise or a schedule .csv file)")])
