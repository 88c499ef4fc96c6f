"""Scenario files: shipped ones load; a bad one is refused before anything is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from demine.sim.scenario import SPEC, ScenarioError, load_scenario, shipped_names
from tests.conftest import Cli


def test_shipped_scenarios_load() -> None:
    assert {"border", "small"} <= set(shipped_names())
    border = load_scenario("border")
    assert border["teams"]["deminers"] == (1000, 1100)
    assert border["teams"]["manual_team_size"] == (8, 12)
    assert border.start_date.month == 3
    small = load_scenario("small")
    assert small["scenario"]["length_km"] == 20
    assert small["operations"] == border["operations"]  # inherited through `extends`
    for section, keys in SPEC.items():
        assert set(border[section]) == set(keys)


BAD = [
    ("[teams]\nsurvey_teams = 3\nflying_carpets = 2\n", "[teams] flying_carpets: unknown key"),
    ("[weather]\nrain = 1\n", "[weather]: unknown section"),
    ("[knowledge]\nfalse_area_m2 = [-100, 5000]\n", "[knowledge] false_area_m2: -100 is outside"),
    ("[operations]\ndetection_probability = 1.2\n",
     "[operations] detection_probability: 1.2 is outside [0, 1]"),
    ("[teams]\ndeminers = [1100, 1000]\n", "[teams] deminers: low 1100 is above high 1000"),
    ("[scenario]\nstart_date = \"March\"\n", "[scenario] start_date: 'March' is not a date"),
]


@pytest.mark.parametrize(("body", "reason"), BAD)
def test_bad_scenario_is_refused_before_anything_is_written(
    tmp_path: Path, body: str, reason: str
) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('extends = "border"\n' + body)
    db = tmp_path / "new.gpkg"
    result = Cli(str(db))("demo", "--scenario", str(path))
    assert result.exit_code != 0
    assert str(path) in result.stderr and reason in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not db.exists() and not (tmp_path / "new.truth.gpkg").exists()


def test_missing_required_value_names_it(tmp_path: Path) -> None:
    path = tmp_path / "bare.toml"
    path.write_text('[scenario]\nname = "bare"\n')
    with pytest.raises(ScenarioError) as caught:
        load_scenario(str(path))
    assert "[scenario] start_date: missing required value" in caught.value.problems
    assert "[teams] deminers: missing required value" in caught.value.problems


def test_unknown_scenario_name_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="not a shipped scenario"):
        load_scenario("atlantis")
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(str(tmp_path / "absent.toml"))
