"""The dashboard's figures against the same figures counted with plain SQL, on both stores."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

from demine.stats.dashboard import NO_UNIT, dashboard
from demine.store import Store, open_store
from demine.store.hazards import update_hazard
from tests.conftest import Cli
from tests.web.conftest import log_in

MONTH = "substr(CAST({} AS TEXT), 1, 7)"  # YYYY-MM on SQLite and PostgreSQL alike


def sql_figures(conn: Connection) -> dict[str, Any]:
    """The dashboard's numbers, counted independently with SQL."""
    released: dict[str, dict[str, float]] = defaultdict(dict)
    for month, method, area in conn.execute(text(
            f"SELECT {MONTH.format('release_date')}, method, SUM(area_m2) FROM releases "
            "WHERE release_date IS NOT NULL GROUP BY 1, 2")):
        released[month][method] = float(area)
    remaining: dict[str, dict[str, float]] = defaultdict(dict)
    for unit, cls, area in conn.execute(text(
            "SELECT CASE WHEN l.level = 'settlement' THEN l.parent ELSE h.location END, "
            "h.classification, SUM(h.remaining_area_m2) FROM hazard_areas h "
            "LEFT JOIN locations l ON l.code = h.location GROUP BY 1, 2")):
        remaining[unit or NO_UNIT][cls] = float(area)
    found = dict(conn.execute(text("SELECT category, COUNT(*) FROM finds GROUP BY category")).all())
    accidents = {m: (int(n), int(d)) for m, n, d in conn.execute(text(
        f"SELECT {MONTH.format('accident_date')}, COUNT(*), "
        "SUM(CASE WHEN demining THEN 1 ELSE 0 END) FROM accidents "
        "WHERE accident_date IS NOT NULL GROUP BY 1"))}
    names = dict(conn.execute(text("SELECT code, name FROM locations")).all())
    return {"released": released, "remaining": remaining, "finds": found,
            "accidents": accidents, "names": names}


def consecutive(months: list[str]) -> bool:
    numbers = [int(m[:4]) * 12 + int(m[5:7]) for m in months]
    return numbers == list(range(numbers[0], numbers[0] + len(numbers)))


def check(figures: dict[str, Any], expected: dict[str, Any]) -> None:
    released = figures["released_by_month"]
    assert released["methods"] == ["cancelled", "reduced", "cleared"]
    months = [m["month"] for m in released["months"]]
    assert consecutive(months) and set(expected["released"]) <= set(months)
    assert months[0] == min(expected["released"]) and months[-1] == max(expected["released"])
    for row in released["months"]:
        for method in released["methods"]:
            assert row[method] == pytest.approx(
                expected["released"].get(row["month"], {}).get(method, 0.0), abs=1e-6)

    units = figures["remaining_by_admin_unit"]
    assert {u["code"] for u in units} == set(expected["remaining"])
    for unit in units:
        by_class = expected["remaining"][unit["code"]]
        assert unit["name"] == expected["names"].get(unit["code"], unit["code"])
        assert unit["SHA"] == pytest.approx(by_class.get("SHA", 0.0))
        assert unit["CHA"] == pytest.approx(by_class.get("CHA", 0.0))
        assert unit["remaining_m2"] == pytest.approx(sum(by_class.values()))
    assert [u["remaining_m2"] for u in units] == sorted((u["remaining_m2"] for u in units),
                                                       reverse=True)

    assert {f["category"]: f["count"] for f in figures["finds_by_category"]} == expected["finds"]
    counts = [f["count"] for f in figures["finds_by_category"]]
    assert counts == sorted(counts, reverse=True)

    accidents = figures["accidents_by_month"]
    months = [m["month"] for m in accidents["months"]]
    assert consecutive(months) and accidents["undated"] == 0
    for row in accidents["months"]:
        assert (row["count"], row["demining"]) == expected["accidents"].get(row["month"], (0, 0))


def test_dashboard_data_are_the_registry_figures(client: TestClient, region: Any) -> None:
    log_in(client, "viewer")
    figures = client.get("/dashboard/data").json()
    with region.store.read() as conn:
        expected = sql_figures(conn)
    assert expected["released"] and expected["finds"] and expected["accidents"]
    check(figures, expected)
    # A month without accidents is a bar of zero, not a missing month.
    assert any(m["count"] == 0 for m in figures["accidents_by_month"]["months"])


def test_dashboard_page_draws_from_the_data_endpoint(client: TestClient) -> None:
    log_in(client, "viewer")
    page = client.get("/dashboard").text
    assert '<script type="module" src="/static/js/dashboard.js">' in page
    for chart in ("released-by-month", "remaining-by-unit", "finds-by-category",
                  "accidents-by-month"):
        assert f'id="{chart}"' in page
    script = client.get("/static/js/dashboard.js").text
    assert 'fetch("/dashboard/data"' in script


def test_figures_agree_with_sql_on_each_store(cli: Cli, db_url: str) -> None:
    assert cli("demo", "--scenario", "small", "--seed", "5").exit_code == 0
    assert cli("simulate", "--days", "45").exit_code == 0
    store = open_store(db_url)
    try:
        # A hazard area placed in a settlement counts in the settlement's district; one
        # without a location is counted apart.
        with store.read() as conn:
            settlement, district = conn.execute(text(
                "SELECT code, parent FROM locations WHERE level = 'settlement' LIMIT 1")).one()
        update_hazard(store, "HA-000001", {"location": settlement}, "test")
        update_hazard(store, "HA-000002", {"location": None}, "test")
        with store.read() as conn:
            figures = dashboard(conn)
            check(figures, sql_figures(conn))
            alone = conn.execute(text("SELECT remaining_area_m2 FROM hazard_areas "
                                      "WHERE code = 'HA-000002'")).scalar_one()
        units = {u["code"]: u for u in figures["remaining_by_admin_unit"]}
        assert settlement not in units and district in units
        assert units[NO_UNIT]["hazard_areas"] == 1
        assert units[NO_UNIT]["remaining_m2"] == pytest.approx(alone)
    finally:
        store.dispose()


def test_an_empty_registry_has_empty_figures(store: Store) -> None:
    with store.read() as conn:
        figures = dashboard(conn)
    assert figures == {
        "released_by_month": {"methods": ["cancelled", "reduced", "cleared"], "months": [],
                              "undated": {"cancelled": 0.0, "reduced": 0.0, "cleared": 0.0}},
        "remaining_by_admin_unit": [],
        "finds_by_category": [],
        "accidents_by_month": {"months": [], "undated": 0},
    }
