"""The registry through the CLI, as a user types it, on both stores."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from tests.conftest import BACKENDS, Cli


def test_import_and_stats(cli: Cli, hazards_file: Path, releases_file: Path) -> None:
    result = cli("import", "hazards", str(hazards_file))
    assert result.exit_code == 0, result.output
    assert "imported 3 hazard areas" in result.stdout
    result = cli("import", "releases", str(releases_file))
    assert result.exit_code == 0, result.output
    figures = cli.json("stats")
    assert figures["hazard_areas"] == {"count": 3, "open": 1, "worked_on": 1, "closed": 1}
    area = figures["area_m2"]
    assert area["initial"] > 0
    released = area["cancelled"] + area["reduced"] + area["cleared"]
    assert math.isclose(area["initial"], released + area["remaining"], rel_tol=1e-6)
    # a 0.001 degree square at 50.1 N is about 71.5 m x 111.2 m
    assert area["cancelled"] == pytest.approx(0.5 * 71.5 * 111.2, rel=0.01)
    assert area["cleared"] == pytest.approx(area["cancelled"], rel=1e-3)


def test_stats_period(cli: Cli, hazards_file: Path, releases_file: Path) -> None:
    assert cli("import", "hazards", str(hazards_file)).exit_code == 0
    assert cli("import", "releases", str(releases_file)).exit_code == 0
    whole = cli.json("stats")
    spring = cli.json("stats", "--from", "2025-03-01", "--to", "2025-04-30")
    assert spring["area_m2"]["cleared"] == 0
    assert spring["area_m2"]["cancelled"] == pytest.approx(whole["area_m2"]["cancelled"])
    assert spring["area_m2"]["reduced"] == pytest.approx(whole["area_m2"]["reduced"])
    # remaining is as at the end of April: the May clearance is not yet subtracted
    assert spring["area_m2"]["remaining"] == pytest.approx(
        whole["area_m2"]["remaining"] + whole["area_m2"]["cleared"])
    assert spring["hazard_areas"]["closed"] == 0
    assert spring["hazard_areas"]["worked_on"] == 2
    before = cli.json("stats", "--to", "2025-01-11")
    assert before["hazard_areas"]["count"] == 1


def test_period_backwards_is_an_error(cli: Cli, hazards_file: Path) -> None:
    assert cli("import", "hazards", str(hazards_file)).exit_code == 0
    result = cli("stats", "--from", "2025-05-01", "--to", "2025-04-01")
    assert result.exit_code != 0
    assert "starts" in result.stderr and "Traceback" not in result.output


def test_reimport_is_a_noop(cli: Cli, hazards_file: Path, releases_file: Path) -> None:
    assert cli("import", "hazards", str(hazards_file)).exit_code == 0
    assert cli("import", "releases", str(releases_file)).exit_code == 0
    before = cli.json("stats")
    again = cli("import", "hazards", str(hazards_file))
    assert again.exit_code == 0 and "already in the store" in again.stdout
    again = cli("import", "releases", str(releases_file))
    assert again.exit_code == 0 and "already in the store" in again.stdout
    assert cli.json("stats") == before


def test_same_figures_on_both_stores(
    tmp_path: Path, hazards_file: Path, releases_file: Path, postgis_admin: str
) -> None:
    from tests.postgis import new_database

    figures = []
    for backend in BACKENDS:
        url = (f"sqlite:///{tmp_path / 'same.gpkg'}" if backend == "sqlite"
               else new_database(postgis_admin, "same_figures"))
        cli = Cli(url)
        assert cli("import", "hazards", str(hazards_file)).exit_code == 0
        assert cli("import", "releases", str(releases_file)).exit_code == 0
        figures.append((cli.json("stats"), cli.json("stats", "--from", "2025-04-01")))
    sqlite, postgis = figures
    for a, b in zip(sqlite, postgis, strict=True):
        assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True), (a, b)


def test_history_timeline_and_as_of(cli: Cli, hazards_file: Path, releases_file: Path) -> None:
    assert cli("import", "hazards", str(hazards_file)).exit_code == 0
    assert cli("import", "releases", str(releases_file)).exit_code == 0
    events = cli.json("history", "HA-1")
    assert [e["event"] for e in events] == ["recorded", "cancelled", "cleared"]
    assert events[0]["date"] == "2025-01-10"
    assert all(e["actor"].startswith("cli:") for e in events)
    state = cli.json("history", "HA-1", "--as-of", "2025-04-01")
    assert state["status"] == "worked_on"
    assert state["released_m2"]["cleared"] == 0
    assert state["remaining_area_m2"] == pytest.approx(state["area_m2"] / 2, rel=1e-3)
    state = cli.json("history", "HA-1", "--as-of", "2025-06-01")
    assert state["status"] == "closed" and state["remaining_area_m2"] < 1.0
    missing = cli("history", "HA-404")
    assert missing.exit_code != 0 and "HA-404" in missing.stderr


def test_actor_from_as_option(cli: Cli, hazards_file: Path) -> None:
    from demine.cli import app

    result = cli.runner.invoke(
        app, ["--as", "alice", "--db", cli.db, "import", "hazards", str(hazards_file)])
    assert result.exit_code == 0, result.output
    events = cli.json("history", "HA-2")
    assert events[0]["actor"] == "alice"


def test_stats_without_database_is_a_clear_error(tmp_path: Path) -> None:
    cli = Cli(str(tmp_path / "missing.gpkg"))
    result = cli("stats")
    assert result.exit_code != 0
    assert "missing.gpkg" in result.stderr and "demine init" in result.stderr
    assert not (tmp_path / "missing.gpkg").exists()


def test_init_and_demo(cli: Cli) -> None:
    result = cli("init")
    assert result.exit_code == 0 and "created" in result.stdout
    assert "up to date" in cli("init").stdout
    assert cli("demo", "--scenario", "small").exit_code == 0
    figures = cli.json("stats")
    assert figures["hazard_areas"]["count"] >= 3
    assert figures["teams"]["deminers"] > 0
    refused = cli("demo", "--scenario", "small")
    assert refused.exit_code != 0 and "--replace" in refused.stderr
    assert cli("demo", "--scenario", "small", "--replace", "--seed", "2").exit_code == 0
    assert cli.json("stats")["hazard_areas"]["count"] >= 40  # the small scenario's minimum


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg"])
def test_export_then_import_elsewhere_gives_the_same_figures(
    cli: Cli, tmp_path: Path, hazards_file: Path, releases_file: Path, suffix: str
) -> None:
    assert cli("import", "hazards", str(hazards_file)).exit_code == 0
    assert cli("import", "releases", str(releases_file)).exit_code == 0
    hazards_out, releases_out = tmp_path / f"h{suffix}", tmp_path / f"r{suffix}"
    assert cli("export", "hazards", str(hazards_out)).exit_code == 0
    assert cli("export", "releases", str(releases_out)).exit_code == 0
    other = Cli(f"sqlite:///{tmp_path / 'other.gpkg'}")
    assert other("import", "hazards", str(hazards_out)).exit_code == 0
    result = other("import", "releases", str(releases_out))
    assert result.exit_code == 0, result.output
    mine, theirs = cli.json("stats"), other.json("stats")
    assert theirs["hazard_areas"] == mine["hazard_areas"]
    for key, value in mine["area_m2"].items():
        assert theirs["area_m2"][key] == pytest.approx(value, rel=1e-9, abs=1e-6), key
    events = [e["event"] for e in other.json("history", "HA-1")]
    assert events == ["recorded", "cancelled", "cleared"]


def test_failed_first_import_creates_no_database(tmp_path: Path) -> None:
    from tests.conftest import feature, write_geojson

    bad = write_geojson(tmp_path / "bad.geojson", [
        feature([[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]], code="HA-1")])
    cli = Cli(str(tmp_path / "new.gpkg"))
    result = cli("import", "hazards", str(bad))
    assert result.exit_code != 0 and "self-intersection" in result.stderr
    assert not (tmp_path / "new.gpkg").exists()


def test_audit_verify_finds_an_altered_entry(cli: Cli, hazards_file: Path) -> None:
    from sqlalchemy import update

    from demine.store import open_store
    from demine.store.schema import audit_log

    assert cli("import", "hazards", str(hazards_file)).exit_code == 0
    # refuses a store with data
    assert cli("--as", "bob", "demo", "--scenario", "small").exit_code != 0
    intact = cli("audit", "--verify")
    assert intact.exit_code == 0 and "intact" in intact.stdout
    listing = cli("audit")
    assert listing.exit_code == 0 and "hazard_areas" in listing.stdout
    store = open_store(cli.db)
    with store.write() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 1).values(actor="mallory"))
    store.dispose()
    altered = cli("audit", "--verify")
    assert altered.exit_code != 0 and "entry 1" in altered.stderr
