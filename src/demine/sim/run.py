"""`demine simulate` and `demine.sim.evaluate`: run the world forward, then record or measure.

A run writes what happened in one registry transaction: activities and tasks, releases (through
the same import and accounting code as real data), finds, accidents with their victims, daily
progress reports and the hazards that survey confirmed; the truth's item states and the clock are
saved beside it so that the next run goes on from there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import bindparam, update

from demine.model.batches import (
    ATTRIBUTES,
    HazardBatch,
    ReleaseBatch,
    fingerprints,
    to_multipolygons,
)
from demine.model.entities import new_ids
from demine.sim.engine import Log, Simulation
from demine.sim.policy import Policy, make_policy
from demine.sim.state import World, load_world, world_state
from demine.sim.truthstore import TruthStore, items, put_state
from demine.store import Store, audit
from demine.store.base import now_iso
from demine.store.imports import import_entry, import_hazards, import_releases
from demine.store.records import insert_records
from demine.store.schema import (
    accidents,
    activities,
    finds,
    hazard_areas,
    progress_reports,
    tasks,
    victims,
)


@dataclass
class RunSummary:
    """What a run did, in figures."""

    first_day: date
    last_day: date
    policy: str
    released_m2: dict[str, float]
    finds: int
    accidents: int
    casualties: dict[str, int]
    reports: int
    closed: int

    def line(self) -> str:
        total = sum(self.released_m2.values())
        return (f"simulated {self.first_day} to {self.last_day} ({self.policy}): released "
                f"{total:,.0f} m2 (cancelled {self.released_m2['cancelled']:,.0f}, reduced "
                f"{self.released_m2['reduced']:,.0f}, cleared {self.released_m2['cleared']:,.0f}), "
                f"{self.closed} hazard areas closed, {self.finds} finds, {self.accidents} "
                f"accidents (killed {self.casualties['killed']}, injured "
                f"{self.casualties['injured']}), {self.reports} progress reports")


def _summary(sim: Simulation, log: Log, first: date) -> RunSummary:
    released = {m: 0.0 for m in ("cancelled", "reduced", "cleared")}
    for r in log.releases:
        released[r["method"]] += r["area_m2"]
    outcomes = {"killed": 0, "injured": 0}
    for v in log.victims:
        outcomes[v["outcome"]] += 1
    return RunSummary(first, sim.w.day - timedelta(days=1), sim.policy.name, released,
                      len(log.finds), len(log.accidents), outcomes, len(log.reports),
                      len(log.released_on))


def simulate(store: Store, days: int, policy: str | Policy = "priority", seed: int = 0,
             actor: str = "simulator") -> RunSummary:
    """Advance the store's world by `days` days and record what happened."""
    if days < 1:
        raise ValueError(f"--days must be at least 1 (got {days})")
    chosen = _policy(store, policy)
    world = load_world(store)
    first = world.day
    sim = Simulation(world, chosen, seed)
    log = sim.run(days)
    write_run(store, world, log, actor)
    return _summary(sim, log, first)


def _policy(store: Store, policy: str | Policy) -> Policy:
    """The policy named (weighing areas by their priority scores for `optimise`)."""
    if not isinstance(policy, str):
        return policy
    if policy != "optimise":
        return make_policy(policy)
    from demine.plan.priorities import score_hazards

    with store.read() as conn:
        weights = {s.code: s.weight_for_planning for s in score_hazards(conn, "humanitarian")}
    return make_policy(policy, weights)


def write_run(store: Store, world: World, log: Log, actor: str) -> None:
    """The run's records in one registry transaction, the truth's new state beside it."""
    now = now_iso()
    truth = TruthStore(store)
    with store.write() as conn:
        if log.hazards:
            _new_hazards(store, conn, log, actor)
        insert_records(store, conn, activities, _rows(list(log.activities.values())), actor, now)
        insert_records(store, conn, tasks, _rows(list(log.tasks.values())), actor, now)
        _finish_earlier(conn, log, actor, now)
        if log.releases:
            _import(store, conn, log, actor)
        insert_records(store, conn, finds, _rows(log.finds), actor, now)
        insert_records(store, conn, accidents, _rows(log.accidents), actor, now)
        insert_records(store, conn, victims, _rows(log.victims), actor, now)
        _reports(conn, log, actor, now)
        _confirm(conn, log, actor, now)
        with truth.write(conn) as tconn:
            changed = sorted(world.items.changed)
            if changed:
                tconn.execute(
                    update(items).where(items.c.fid == bindparam("key")).values(
                        fate=bindparam("fate"), fate_date=bindparam("fate_date"),
                        fate_record=bindparam("fate_record")),
                    [{"key": int(world.items.fid[i]), "fate": world.items.state[i],
                      "fate_date": world.items.state_date[i],
                      "fate_record": world.items.record[i]}
                     for i in changed])
            put_state(tconn, world_state(world))
    truth.dispose()


def _rows(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Logged records as table rows (their `geometry` in the `geom` column)."""
    return [{("geom" if k == "geometry" else k): v for k, v in e.items()} for e in entries]


def _new_hazards(store: Store, conn: Any, log: Log, actor: str) -> None:
    """Hazard areas recorded during the run, through the same import as a file's."""
    geoms = np.empty(len(log.hazards), dtype=object)
    geoms[:] = [h["geometry"] for h in log.hazards]
    columns = {key: [h[key] for h in log.hazards] for key in ATTRIBUTES}
    batch = HazardBatch([h["code"] for h in log.hazards], to_multipolygons(geoms), columns)
    import_hazards(store, batch, actor, "simulate", conn=conn)


def _import(store: Store, conn: Any, log: Log, actor: str) -> None:
    hazards = [r["hazard"] for r in log.releases]
    geoms = np.empty(len(hazards), dtype=object)
    geoms[:] = [r["geometry"] for r in log.releases]
    geoms = to_multipolygons(geoms)
    attrs = [{"code": None, "method": r["method"], "release_date": r["release_date"],
              "organisation": r["organisation"], "depth_cm": r["depth_cm"],
              "activity": r["activity"]} for r in log.releases]
    batch = ReleaseBatch(hazards, geoms, attrs,
                         fingerprints(hazards, shapely.to_wkb(geoms), attrs))
    import_releases(store, batch, actor, "simulate", conn=conn)


def _finish_earlier(conn: Any, log: Log, actor: str, now: str) -> None:
    """Activities and tasks begun in an earlier run and completed in this one."""
    acts, tks = log.finished_activities, log.finished_tasks
    if acts:
        conn.execute(update(activities).where(activities.c.code == bindparam("key")).values(
            status="completed", end_date=bindparam("end"), updated_at=now),
            [{"key": c, "end": d} for c, d in acts.items()])
    if tks:
        conn.execute(update(tasks).where(tasks.c.code == bindparam("key")).values(
            status="done", planned_end=bindparam("end"), updated_at=now),
            [{"key": c, "end": d} for c, d in tks.items()])
    audit.append(conn, [
        *(audit.AuditEntry(actor, "update", "activities", c, {"status": "ongoing"},
                           {"status": "completed", "end_date": d.isoformat()})
          for c, d in acts.items()),
        *(audit.AuditEntry(actor, "update", "tasks", c, {"status": "active"},
                           {"status": "done", "planned_end": d.isoformat()})
          for c, d in tks.items()),
    ], now)


def _reports(conn: Any, log: Log, actor: str, now: str) -> None:
    """Daily progress reports in bulk, with one audit entry for the lot."""
    if not log.reports:
        return
    ids = new_ids(len(log.reports))
    conn.execute(progress_reports.insert(), [
        {**r, "id": ids[k], "finds_by_category": json.dumps(r["finds_by_category"]),
         "created_at": now, "updated_at": now, "created_by": actor}
        for k, r in enumerate(log.reports)])
    audit.append(conn, [import_entry(actor, "progress_reports", "simulate",
                                     [r["code"] for r in log.reports])], now)


def _confirm(conn: Any, log: Log, actor: str, now: str) -> None:
    """Suspected areas where technical survey found contamination become confirmed."""
    if not log.confirmed:
        return
    codes = sorted(log.confirmed)
    conn.execute(update(hazard_areas).where(hazard_areas.c.code == bindparam("key")).values(
        classification="CHA", version=hazard_areas.c.version + 1, updated_at=now),
        [{"key": c} for c in codes])
    audit.append(conn, [audit.AuditEntry(actor, "update", "hazard_areas", c,
                                         {"classification": "SHA"}, {"classification": "CHA"})
                        for c in codes], now)


@dataclass
class Evaluation:
    """What a policy achieves over a period, measured against the truth."""

    policy: str
    days: int
    casualties: dict[str, int]
    accidents: int
    released: pd.DataFrame = field(repr=False)
    items_missed: int = 0
    release_days: dict[str, int | None] = field(default_factory=dict)


def evaluate(store: Store, policy: str | Policy, days: int, seed: int = 0) -> Evaluation:
    """Simulate `days` days with a policy on a copy of the world and measure the outcome.

    Nothing is written: the copy is the world in memory. `released` has one row per day with the
    cumulative cancelled, reduced and cleared m2; `items_missed` counts items left in land
    released during the run; `release_days` gives, for each hazard area open at the start, the
    days until it was released (None if it was not).
    """
    chosen = _policy(store, policy)
    world = load_world(store)
    first = world.day
    open_at_start = [c for c, h in world.hazards.items() if not h.closed]
    sim = Simulation(world, chosen, seed)
    log = sim.run(days)
    summary = _summary(sim, log, first)
    frame = pd.DataFrame(0.0, index=pd.date_range(first, periods=days, freq="D"),
                         columns=["cancelled", "reduced", "cleared"])
    for r in log.releases:
        frame.loc[pd.Timestamp(r["release_date"]), r["method"]] += r["area_m2"]
    frame = frame.cumsum()
    missed = 0
    its = world.items
    for r in log.releases:
        missed += len(its.within(r["geometry"]))
    return Evaluation(
        chosen.name, days, summary.casualties, summary.accidents, frame, missed,
        {c: (log.released_on[c] - first).days if c in log.released_on else None
         for c in open_at_start})
