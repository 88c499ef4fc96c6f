"""Priority scores: presets are checked whole, each score is explained by its breakdown, and the
criteria move areas the way they should on a registry made by hand and on a demo region."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import shapely
from sqlalchemy import update

from demine.io.hazards import read_hazards
from demine.model import entities as e
from demine.model.vocab import LandUse, OrdnanceCategory, VictimOutcome
from demine.plan.priorities import (
    CRITERIA,
    LAND_USE,
    ORDNANCE,
    HazardScore,
    PresetError,
    load_preset,
    score_hazards,
    shipped_presets,
)
from demine.store import Store, open_store
from demine.store.base import now_iso
from demine.store.imports import import_hazards
from demine.store.records import insert_entities
from demine.store.schema import hazard_areas
from tests.conftest import Cli, feature, square, write_geojson

NEAR, FAR, THIRD = (36.30, 50.10), (36.45, 50.10), (36.60, 50.10)
"""Corners of three 0.002° squares (about 140 m × 220 m) some 10 km apart."""


def scores(store: Store, preset: Any = "humanitarian",
           codes: list[str] | None = None) -> dict[str, HazardScore]:
    with store.read() as conn:
        return {s.code: s for s in score_hazards(conn, preset, codes)}


def add_hazards(store: Store, tmp_path: Path, *areas: dict[str, Any]) -> None:
    """Hazard areas alike but for what each one's dict says (code and corner at least)."""
    features = []
    for area in areas:
        props = {"classification": "SHA", "contamination": "AP_MINE", "beneficiaries": 100,
                 "date": "2025-01-10", **area}
        features.append(feature(square(*props.pop("corner"), 0.002), **props))
    import_hazards(store, read_hazards(write_geojson(tmp_path / "hazards.geojson", features)),
                   "test")


def write(store: Store, items: list[Any]) -> None:
    with store.write() as conn:
        insert_entities(store, conn, items, "test", now_iso())


def add_accident(store: Store, lon: float, lat: float, day: str = "2025-01-05") -> None:
    write(store, [e.Accident(code="ACC-1", geometry=shapely.Point(lon, lat),
                             accident_date=date.fromisoformat(day))])
    write(store, [e.Victim(code="V-1", accident="ACC-1", outcome=VictimOutcome.INJURED)])


# presets ----------------------------------------------------------------------------------------

def test_both_presets_load_with_every_category_weighed() -> None:
    assert shipped_presets() == ["economic", "humanitarian"]
    humanitarian, economic = load_preset("humanitarian"), load_preset("economic")
    assert humanitarian.formula == "weighted_sum"
    assert economic.formula == "potential_times_security"
    assert set(economic.groups) == {"economic", "social", "ecological", "security"}
    weights = humanitarian.weights
    assert weights["casualty_risk"] > weights["blocked_resources"] > weights["effort"]
    for preset in (humanitarian, economic):
        assert preset.criteria() <= set(CRITERIA)
        assert set(preset.ordnance) == {c.value for c in OrdnanceCategory}
        assert set(preset.land_use) == {u.value for u in LandUse}
        assert preset.ordnance["AP_MINE"] > preset.ordnance["UXO"]
    assert set(ORDNANCE) == {c.value for c in OrdnanceCategory}
    assert set(LAND_USE) == {u.value for u in LandUse}


GOOD = """
[preset]
formula = "weighted_sum"
[weights]
casualty_risk = 2
blocked_resources = 1
reconstruction = 0
effort = 1
[casualty_risk]
accidents = 1
[blocked_resources]
blocked_land_use = 1
[effort]
remaining_area = 1
"""


@pytest.mark.parametrize(("change", "key"), [
    (("casualty_risk = 2", "casualty_risk = -2"), "[weights] casualty_risk"),
    (("casualty_risk = 2", 'casualty_risk = "high"'), "[weights] casualty_risk"),
    (("effort = 1\n[casualty_risk]", "effort = 1\nurgency = 1\n[casualty_risk]"),
     "[weights] urgency"),
    (("accidents = 1", "accidents = 1\nlandmines = 1"), "[casualty_risk] landmines"),
    (("remaining_area = 1", "remaining_area = 1\n[parameters]\naccident_radius_m = 0"),
     "[parameters] accident_radius_m"),
    (("remaining_area = 1", "remaining_area = 1\n[ordnance]\nMINE = 1"), "[ordnance] MINE"),
    (("remaining_area = 1", "remaining_area = 1\n[cost]\nx = 1"), "[cost]"),
    (('formula = "weighted_sum"', 'formula = "product"'), "[preset] formula"),
    (("blocked_resources = 1\n", ""), "[weights] blocked_resources"),
    (("[effort]\nremaining_area = 1", ""), "[effort]"),
])
def test_a_bad_preset_is_refused_naming_file_and_key(tmp_path: Path, change: tuple[str, str],
                                                     key: str) -> None:
    path = tmp_path / "mine.toml"
    assert change[0] in GOOD
    path.write_text(GOOD.replace(change[0], change[1]))
    with pytest.raises(ValueError, match=re.escape(str(path))) as refused:
        load_preset(str(path))
    assert isinstance(refused.value, PresetError)
    assert key in str(refused.value)


def test_a_good_user_preset_loads_and_may_extend_a_shipped_one(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(GOOD)
    assert load_preset(str(path)).groups["casualty_risk"] == {"accidents": 1.0}
    lighter = tmp_path / "lighter.toml"
    lighter.write_text('extends = "humanitarian"\n[weights]\neffort = 0\n')
    preset = load_preset(str(lighter))
    assert preset.weights["effort"] == 0
    assert preset.groups == load_preset("humanitarian").groups
    with pytest.raises(ValueError, match="no such file"):
        load_preset(str(tmp_path / "missing.toml"))
    with pytest.raises(ValueError, match="not a shipped preset"):
        load_preset("military")


# scores on a registry made by hand --------------------------------------------------------------

def test_an_accident_next_to_an_area_raises_it_above_its_twin(store: Store,
                                                               tmp_path: Path) -> None:
    add_hazards(store, tmp_path, {"code": "HA-NEAR", "corner": NEAR},
                {"code": "HA-FAR", "corner": FAR})
    add_accident(store, NEAR[0] - 0.001, NEAR[1])  # about 70 m west of HA-NEAR
    found = scores(store)
    assert list(found) == ["HA-NEAR", "HA-FAR"]
    near, far = found["HA-NEAR"], found["HA-FAR"]
    assert near.score > far.score
    accidents = near.breakdown["casualty_risk.accidents"]
    assert accidents["normalised"] == 1.0
    assert 0.9 < accidents["raw"] < 1.0  # one victim, five days old, 70 m of 2 km away
    assert far.breakdown["casualty_risk.accidents"]["raw"] == 0.0
    # the twins differ in nothing else, so the accident's contribution is the whole difference
    assert near.score - far.score == pytest.approx(accidents["contribution"])
    assert near.weight_for_planning > 1 > far.weight_for_planning > 0
    assert near.weight_for_planning + far.weight_for_planning == pytest.approx(2.0)


def test_the_economic_preset_puts_blocked_farmland_first(store: Store, tmp_path: Path) -> None:
    add_hazards(store, tmp_path, {"code": "HA-A", "corner": NEAR},
                {"code": "HA-B", "corner": FAR, "blocked_land_use": "agriculture"})
    found = scores(store, "economic")
    assert list(found) == ["HA-B", "HA-A"]
    assert found["HA-B"].score > found["HA-A"].score == 0.0
    blocked = found["HA-B"].breakdown["economic.blocked_land_use"]
    assert (blocked["raw"], blocked["normalised"]) == (1.0, 1.0)
    # nothing tells the two apart on security: both keep the floor, half of their potential
    lost = sum(v["contribution"] for k, v in found["HA-B"].breakdown.items()
               if k.startswith("security."))
    assert lost == pytest.approx(-found["HA-B"].score)


def test_closed_areas_are_not_scored_unless_asked_for(store: Store, tmp_path: Path) -> None:
    add_hazards(store, tmp_path, {"code": "HA-1", "corner": NEAR},
                {"code": "HA-2", "corner": FAR}, {"code": "HA-3", "corner": THIRD})
    with store.write() as conn:
        conn.execute(update(hazard_areas).where(hazard_areas.c.code == "HA-2")
                     .values(status="closed", remaining_area_m2=0.0))
    assert set(scores(store)) == {"HA-1", "HA-3"}
    assert set(scores(store, codes=["HA-2", "HA-3"])) == {"HA-2", "HA-3"}
    with pytest.raises(ValueError, match="HA-9"):
        scores(store, codes=["HA-1", "HA-9"])


def test_a_larger_area_takes_more_effort_and_scores_lower(store: Store, tmp_path: Path) -> None:
    add_hazards(store, tmp_path, {"code": "HA-S", "corner": NEAR},
                {"code": "HA-L", "corner": FAR})
    with store.write() as conn:
        conn.execute(update(hazard_areas).where(hazard_areas.c.code == "HA-L")
                     .values(remaining_area_m2=50_000.0))
    found = scores(store)
    assert list(found) == ["HA-S", "HA-L"]
    assert found["HA-S"].breakdown["effort.remaining_area"]["normalised"] == 1.0
    assert found["HA-L"].breakdown["effort.remaining_area"]["normalised"] == 0.0


def test_contamination_evidence_counts(store: Store, tmp_path: Path) -> None:
    add_hazards(store, tmp_path,
                {"code": "HA-AP", "corner": NEAR, "classification": "CHA"},
                {"code": "HA-UXO", "corner": FAR, "contamination": "UXO"})
    write(store, [e.Find(code="F-1", category=OrdnanceCategory.AP_MINE, hazard=None,
                         geometry=shapely.Point(NEAR[0] + 0.001, NEAR[1] + 0.001))])
    found = scores(store)
    assert list(found) == ["HA-AP", "HA-UXO"]
    ap = found["HA-AP"].breakdown
    assert ap["casualty_risk.ordnance"]["raw"] == 1.0
    assert ap["casualty_risk.confirmed"]["raw"] == 1.0
    assert ap["casualty_risk.finds"]["raw"] == 1.0
    assert found["HA-UXO"].breakdown["casualty_risk.finds"]["raw"] == 0.0


def test_a_preset_may_weigh_the_risk_map(store: Store, tmp_path: Path) -> None:
    from datetime import date

    from demine.store.risk import replace_hazard_risk

    add_hazards(store, tmp_path, {"code": "HA-LOW", "corner": NEAR},
                {"code": "HA-HIGH", "corner": FAR})
    preset = tmp_path / "risky.toml"
    preset.write_text('extends = "humanitarian"\n[casualty_risk]\ncontamination_risk = 0.5\n')
    # without a map every area counts 0, and the criterion tells nothing apart
    found = scores(store, str(preset))
    assert found["HA-HIGH"].breakdown["casualty_risk.contamination_risk"]["raw"] == 0.0
    with store.write() as conn:
        replace_hazard_risk(conn, [("HA-LOW", 0.05, 0.1, 3), ("HA-HIGH", 0.6, 0.9, 3)],
                            date(2025, 3, 1))
    found = scores(store, str(preset))
    assert list(found) == ["HA-HIGH", "HA-LOW"]
    assert found["HA-HIGH"].breakdown["casualty_risk.contamination_risk"]["raw"] == 0.6


# scores on a demo region ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    url = f"sqlite:///{tmp_path_factory.mktemp('priorities') / 'region.gpkg'}"
    assert Cli(url)("demo", "--scenario", "small", "--seed", "2").exit_code == 0
    made = open_store(url)
    yield made
    made.dispose()


@pytest.mark.parametrize("preset", ["humanitarian", "economic"])
def test_every_breakdown_adds_up_to_its_score(region: Store, preset: str) -> None:
    with region.read() as conn:
        found = score_hazards(conn, preset)
    assert len(found) > 50
    assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)
    for s in found:
        assert 0.0 <= s.score <= 1.0 and s.weight_for_planning > 0
        assert sum(v["contribution"] for v in s.breakdown.values()) == pytest.approx(s.score,
                                                                                     abs=1e-12)
        assert all(0.0 <= v["normalised"] <= 1.0 for v in s.breakdown.values())
    assert math.fsum(s.weight_for_planning for s in found) == pytest.approx(len(found))
    weights = found[0].breakdown
    assert math.fsum(v["weight"] for k, v in weights.items()
                     if not k.startswith("security.")) == pytest.approx(1.0)
    # each criterion tells some areas apart on the demo region (finds come only with operations)
    spread = {k for k in found[0].breakdown
              if len({s.breakdown[k]["normalised"] for s in found}) > 1}
    assert spread == set(found[0].breakdown) - {"casualty_risk.finds", "security.finds"}
    json.dumps([s.as_dict() for s in found], allow_nan=False)


def test_scores_are_deterministic(region: Store) -> None:
    with region.read() as conn:
        first = [s.as_dict() for s in score_hazards(conn, "humanitarian")]
        again = [s.as_dict() for s in score_hazards(conn, load_preset("humanitarian"))]
    assert first == again
