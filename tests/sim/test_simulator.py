"""The simulator: determinism, conservation of ground truth, calibration, truth kept apart."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from sqlalchemy import func, inspect, select, text

from demine.sim import evaluate
from demine.sim.scenario import load_scenario
from demine.sim.truthstore import TRUTH_ONLY_FIELDS, TruthStore, clusters, items
from demine.store import Store, open_store
from demine.store.schema import LAYERS, accidents, finds, hazard_areas, progress_reports, teams
from tests.conftest import BACKENDS, Cli
from tests.postgis import new_database


def truth_items(store: Store) -> list[dict[str, Any]]:
    truth = TruthStore(store)
    with truth.read() as conn:
        rows = [dict(r) for r in conn.execute(select(items).order_by(items.c.fid)).mappings()]
    truth.dispose()
    return rows


def test_simulate_releases_land_and_records_progress(region: tuple[Cli, Store]) -> None:
    cli, store = region
    before = cli.json("stats")
    result = cli("simulate", "--days", "90")
    assert result.exit_code == 0, result.output
    assert "simulated 2025-03-01 to 2025-05-29" in result.stdout
    after = cli.json("stats")
    assert after["area_m2"]["released"] > before["area_m2"]["released"]
    assert after["area_m2"]["cancelled"] > 0 and after["area_m2"]["cleared"] > 0
    with store.read() as conn:
        reports = conn.execute(select(func.count()).select_from(progress_reports)).scalar_one()
    assert reports > 0
    again = cli("simulate", "--days", "10", "--policy", "nearest")
    assert again.exit_code == 0, again.output
    assert "simulated 2025-05-30 to 2025-06-08 (nearest)" in again.stdout
    assert cli("audit", "--verify").exit_code == 0


def test_same_seed_same_world_and_run_on_both_stores(tmp_path: Path, postgis_admin: str) -> None:
    outputs = []
    for k, backend in enumerate([*BACKENDS, "sqlite"]):
        url = (f"sqlite:///{tmp_path / f'run{k}.gpkg'}" if backend == "sqlite"
               else new_database(postgis_admin, "determinism"))
        cli = Cli(url)
        assert cli("demo", "--scenario", "small", "--seed", "5").exit_code == 0
        run = cli("simulate", "--days", "75", "--seed", "2")
        assert run.exit_code == 0, run.output
        outputs.append((json.dumps(cli.json("stats"), sort_keys=True), run.stdout))
    assert outputs[0] == outputs[1] == outputs[2]
    other = Cli(f"sqlite:///{tmp_path / 'other.gpkg'}")
    assert other("demo", "--scenario", "small", "--seed", "6").exit_code == 0
    assert json.dumps(other.json("stats"), sort_keys=True) != outputs[0][0]


def test_every_item_is_in_the_ground_found_or_one_accident(region: tuple[Cli, Store]) -> None:
    cli, store = region
    assert cli("simulate", "--days", "150").exit_code == 0
    rows = truth_items(store)
    states = Counter(r["fate"] for r in rows)
    assert set(states) <= {"in_ground", "found", "accident"}
    assert states["found"] > 0 and states["in_ground"] > 0
    with store.read() as conn:
        find_codes = set(conn.execute(select(finds.c.code)).scalars())
        accident_codes = set(conn.execute(select(accidents.c.code)).scalars())
    found = [r["fate_record"] for r in rows if r["fate"] == "found"]
    caused = [r["fate_record"] for r in rows if r["fate"] == "accident"]
    assert sorted(found) == sorted(find_codes)  # each find is one item, each item one find
    assert len(set(caused)) == len(caused)  # an item causes at most one accident
    assert set(caused) == accident_codes  # every accident was caused by exactly one item
    assert all(r["fate_record"] is None for r in rows if r["fate"] == "in_ground")


def test_calibration_of_suspected_land_and_productivity(region: tuple[Cli, Store]) -> None:
    cli, store = region
    scenario = load_scenario("small")
    truth = TruthStore(store)
    with truth.read() as conn:
        footprints = [g for (g,) in conn.execute(select(clusters.c.geom))]
    truth.dispose()
    with store.read() as conn:
        shapes = [g for (g,) in conn.execute(select(hazard_areas.c.geom))]
    truly = shapely.union_all(footprints)
    suspected = shapely.union_all(shapes)
    share = shapely.intersection(truly, suspected).area / suspected.area
    low, high = scenario["knowledge"]["contaminated_share"]
    assert low * 0.95 <= share <= high * 1.05, share

    assert cli("simulate", "--days", "120").exit_code == 0
    with store.read() as conn:
        rows = conn.execute(text(
            "SELECT r.area_m2, t.members, t.type, k.activity_type FROM progress_reports r "
            "JOIN teams t ON t.code = r.team JOIN tasks k ON k.code = r.task "
            "WHERE k.activity_type = 'CLEARANCE' AND r.area_m2 > 0")).all()
        assert conn.execute(select(func.count()).select_from(teams)).scalar_one() > 0
    cfg = scenario["teams"]
    lo, hi = cfg["manual_rate_m2_per_deminer_day"]
    manual = np.array([a / m for a, m, kind, _ in rows if kind == "manual"])
    assert len(manual) > 50
    assert (manual <= hi + 1e-6).all()
    assert (manual >= lo * cfg["hard_ground_factor"] - 1e-6).all()
    assert lo <= np.median(manual) <= hi
    dogs = np.array([a for a, _, kind, _ in rows if kind == "mdd"])
    mlo, mhi = cfg["mdd_rate_m2_per_day"]
    assert len(dogs) and (dogs <= mhi + 1e-6).all()
    assert (dogs >= mlo * cfg["hard_ground_factor"] - 1e-6).all()


def test_registry_never_holds_the_truth(region: tuple[Cli, Store]) -> None:
    cli, store = region
    assert cli("simulate", "--days", "30").exit_code == 0
    with store.read() as conn:
        inspector = inspect(conn)
        names = set(inspector.get_table_names())
        for name in LAYERS:
            columns = {c["name"] for c in inspector.get_columns(name)}
            assert not columns & TRUTH_ONLY_FIELDS, (name, columns & TRUTH_ONLY_FIELDS)
        if store.dialect == "sqlite":
            listed = set(conn.exec_driver_sql("SELECT table_name FROM gpkg_contents").scalars())
            assert not listed & {"items", "clusters", "sim_state"}
    assert not names & {"items", "clusters", "sim_state"}
    assert TruthStore(store).exists()


def test_evaluate_measures_a_policy_and_writes_nothing(region: tuple[Cli, Store]) -> None:
    cli, store = region
    before = cli.json("stats")
    result = evaluate(store, "nearest", 60, seed=1)
    assert cli.json("stats") == before
    assert result.policy == "nearest" and result.days == 60
    assert set(result.casualties) == {"killed", "injured"}
    assert list(result.released.columns) == ["cancelled", "reduced", "cleared"]
    assert len(result.released) == 60
    assert (result.released.diff().fillna(0) >= 0).all().all()  # cumulative
    assert result.released.iloc[-1].sum() > 0
    assert result.items_missed >= 0
    released = [d for d in result.release_days.values() if d is not None]
    assert released and all(0 <= d < 60 for d in released)
    again = evaluate(store, "nearest", 60, seed=1)
    assert again.release_days == result.release_days


def test_schedule_is_followed_as_written(region: tuple[Cli, Store], tmp_path: Path) -> None:
    cli, store = region
    with store.read() as conn:
        team = conn.execute(select(teams.c.code).where(teams.c.type == "manual")
                            .order_by(teams.c.code)).scalars().first()
        hazard = conn.execute(select(hazard_areas.c.code).order_by(hazard_areas.c.code)
                              ).scalars().first()
    plan = tmp_path / "plan.csv"
    plan.write_text(f"team,hazard,start_day,end_day,area_m2\n{team},{hazard},0,40,5000\n")
    result = cli("simulate", "--days", "20", "--policy", str(plan))
    assert result.exit_code == 0, result.output
    with store.read() as conn:
        worked = conn.execute(text("SELECT DISTINCT team, hazard FROM activities")).all()
    assert [(team, hazard)] == [tuple(w) for w in worked]

    bad = tmp_path / "bad.csv"
    bad.write_text("team,hazard,start_day,end_day,area_m2\nT-999,HA-000001,0,5,10\n")
    refused = cli("simulate", "--days", "5", "--policy", str(bad))
    assert refused.exit_code != 0 and "T-999" in refused.stderr and "unknown team" in refused.stderr


def test_accident_where_no_hazard_was_known_records_a_confirmed_area(tmp_path: Path) -> None:
    scenario = tmp_path / "risky.toml"
    scenario.write_text('extends = "small"\n[knowledge]\nknown_share = 0.3\n'
                        '[civilians]\naccidents_per_year = 300\n')
    cli = Cli(f"sqlite:///{tmp_path / 'risky.gpkg'}")
    assert cli("demo", "--scenario", str(scenario), "--seed", "4").exit_code == 0
    before = cli.json("stats")["hazard_areas"]["count"]
    assert cli("simulate", "--days", "120").exit_code == 0
    store = open_store(cli.db)
    with store.read() as conn:
        recorded = conn.execute(
            select(hazard_areas.c.name, hazard_areas.c.classification, hazard_areas.c.geom,
                   hazard_areas.c.info_date, hazard_areas.c.location)
            .where(hazard_areas.c.name.like("Accident %"))).all()
        events = {code: (day, geom) for code, day, geom in conn.execute(
            select(accidents.c.code, accidents.c.accident_date, accidents.c.geom))}
    store.dispose()
    assert recorded and cli.json("stats")["hazard_areas"]["count"] == before + len(recorded)
    for name, classification, geom, info_date, location in recorded:
        day, point = events[name.split()[1]]
        assert classification == "CHA" and info_date == day and location
        assert shapely.distance(geom, point) < 1e-6
