"""Design statistics over HTTP, and the plans for one hazard area from the web service and the
command line, on each store."""

from __future__ import annotations

import json
import math

from sqlalchemy import func, select

from demine import stats
from demine.store.schema import hazard_areas, releases
from tests.api.conftest import Service


def test_every_calculator_is_listed(service: Service) -> None:
    listed = service.client.get("/design").json()
    assert {c["name"] for c in listed} >= {"hotspot", "iso2859", "posterior", "uxo-bound"}
    hotspot = next(c for c in listed if c["name"] == "hotspot")
    assert hotspot["alias"] == "hotspot-detection-probability"
    assert [a["name"] for a in hotspot["arguments"]] == [
        "semi_major", "spacing", "shape", "grid", "orientation"]


def test_calculators_answer_like_the_functions(service: Service) -> None:
    client = service.client
    answer = client.get("/design/hotspot", params={"semi_major": 10, "spacing": 20,
                                                   "shape": 0.5, "grid": "triangular"})
    assert answer.status_code == 200
    assert answer.json() == {
        "inputs": {"semi_major": 10.0, "spacing": 20.0, "shape": 0.5, "grid": "triangular",
                   "orientation": None},
        "result": stats.hotspot_detection_probability(10, 20, 0.5, "triangular")}
    plan = client.get("/design/iso2859-plan", params={"lot_size": 1000, "aql": 1.0}).json()
    assert plan["result"] == {"code_letter": "J", "n": 80, "ac": 2, "re": 3}
    posterior = client.get("/design/posterior?prior=0.5&detection_probabilities=0.9"
                           "&detection_probabilities=0.8").json()
    assert posterior["result"] == stats.posterior_contamination(0.5, [0.9, 0.8])


def test_bad_calculator_requests(service: Service) -> None:
    client = service.client
    assert client.get("/design/elipgrid").status_code == 404
    missing = client.get("/design/hotspot", params={"spacing": 10})
    assert missing.status_code == 400 and "semi_major is required" in missing.json()["detail"]
    bad = client.get("/design/hotspot", params={"semi_major": 5, "spacing": 10, "shape": 2})
    assert bad.status_code == 400 and bad.json()["detail"].startswith("shape must be in (0, 1]")


def _worked_hazards(service: Service) -> tuple[str, str]:
    """A hazard with cleared land, and one with land still to survey."""
    with service.store.engine.connect() as conn:
        cleared = conn.execute(
            select(releases.c.hazard).where(releases.c.method == "cleared")
            .group_by(releases.c.hazard).order_by(func.sum(releases.c.area_m2).desc())
        ).scalars().first()
        open_area = conn.execute(
            select(hazard_areas.c.code).where(hazard_areas.c.status != "closed")
            .order_by(hazard_areas.c.remaining_area_m2.desc())).scalars().first()
    assert cleared and open_area
    return cleared, open_area


def test_plans_for_a_hazard_area(service: Service) -> None:
    cleared, open_area = _worked_hazards(service)
    client, viewer = service.client, service.headers("viewer")
    assert client.get(f"/design/qc/{cleared}").status_code == 401
    qc = client.get(f"/design/qc/{cleared}", params={"unit_m2": 100, "aql": 1.0},
                    headers=viewer).json()["result"]
    with service.store.engine.connect() as conn:
        area = conn.execute(select(func.sum(releases.c.area_m2)).where(
            releases.c.hazard == cleared, releases.c.method == "cleared")).scalar_one()
    assert qc["lot_size"] == math.ceil(area / 100)
    plan = stats.iso2859_plan(qc["lot_size"], 1.0)
    assert qc["plan"] == {"code_letter": plan.code_letter, "n": plan.n, "ac": plan.ac,
                          "re": plan.re}
    ts = client.get(f"/design/ts/{open_area}", headers=viewer,
                    params={"target_radius_m": 25, "swath_m": 1.5, "probability": 0.95}).json()
    spacing = stats.transect_spacing(25, 25, 1.5, 0.95)
    assert ts["result"]["spacing_m"] == round(spacing, 3)
    fraction = 1.5 / spacing
    assert ts["result"]["if_nothing_found"]["max_items_left"] == \
        stats.uxo_upper_bound(fraction, 0.95)
    # the command line gives the same
    printed = json.loads(service.cli("design", "ts", open_area, "--target-radius-m", "25",
                                     "--swath-m", "1.5", "--json").stdout)
    assert printed["result"] == ts["result"]
    printed = json.loads(service.cli("design", "qc", cleared, "--unit-m2", "100", "--aql", "1.0",
                                     "--json").stdout)
    assert printed["result"] == qc
    assert client.get("/design/qc/HA-999999", headers=viewer).status_code == 404
    with service.store.engine.connect() as conn:
        untouched = conn.execute(select(hazard_areas.c.code).where(
            hazard_areas.c.code.not_in(select(releases.c.hazard).where(
                releases.c.method == "cleared")))).scalars().first()
    refused = client.get(f"/design/qc/{untouched}", headers=viewer)
    assert refused.status_code == 400 and "no cleared land" in refused.json()["detail"]
    unknown = service.cli("design", "qc", "HA-999999")
    assert unknown.exit_code == 1 and "unknown hazard area 'HA-999999'" in unknown.stderr
