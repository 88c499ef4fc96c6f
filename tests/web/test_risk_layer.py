"""The risk map on the web map and the record pages, in Debian's chromium: drawn over the
region once a grid is written, with its legend, a popup that says what raised the risk, and the
hazard area's mean and largest risk on its record page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import shapely
from fastapi.testclient import TestClient
from sqlalchemy import select

from demine.store.risk import replace_hazard_risk
from demine.store.schema import hazard_areas
from tests.riskgrid import AS_OF, Grid, grid
from tests.web.conftest import Region, Tab, log_in
from tests.web.test_browser import foreign, wait_for_map
from tests.web.test_browser import log_in as browser_log_in

# A canvas pixel where the top-most clickable feature is a risk cell, with its fid.
FIND_RISK_PIXEL = """(layers) => {
  const map = window.demineMap;
  const canvas = map.getCanvas();
  for (let y = 20; y < canvas.clientHeight - 20; y += 9) {
    for (let x = 20; x < canvas.clientWidth - 20; x += 9) {
      const around = map.queryRenderedFeatures([[x - 6, y - 6], [x + 6, y + 6]], { layers });
      if (around.length && around.every((f) => f.layer.id === "risk-fill")) {
        return { x, y };
      }
    }
  }
  return null;
}"""


@pytest.fixture
def mapped(region: Region) -> Iterator[Grid]:
    """A risk map of 8 by 6 cells over the region's hazard areas, and HA-000001's summary;
    both removed afterwards (other tests see the region without a map)."""
    with region.store.read() as conn:
        shapes = list(conn.execute(select(hazard_areas.c.geom)).scalars())
    minx, miny, maxx, maxy = shapely.union_all(shapes).bounds
    cells = grid(minx, miny, 8, 6, side_deg=min((maxx - minx) / 8, (maxy - miny) / 6))
    with region.store.write() as conn:
        cells.write(conn)
        replace_hazard_risk(conn, [("HA-000001", 0.12, 0.5, 7)], AS_OF,
                            {"HA-000001": '{"suspicion_n_1km": 0.8, "road_dist_m": -0.3}'})
    yield cells
    with region.store.write() as conn:
        grid(0, 0, 0, 0).write(conn)
        replace_hazard_risk(conn, [], AS_OF)


def test_the_map_draws_the_risk_layer_its_legend_and_popup(
        tab: Tab, server: str, mapped: Grid) -> None:
    page = tab.page
    browser_log_in(page, server, "admin", "/map")
    wait_for_map(page)
    assert page.evaluate("document.body.dataset.riskLoaded") == str(len(mapped.cells))
    page.wait_for_function(
        "window.demineMap.queryRenderedFeatures({ layers: ['risk-fill'] }).length > 0")
    assert page.is_checked("input[data-group=risk]")
    assert page.locator("#legend h3", has_text="Contamination risk").count() == 1
    assert page.locator("#legend li", has_text="chance of contamination").count() == 6
    layers = page.evaluate("window.demineMap.getStyle().layers.map((l) => l.id)")
    assert layers.index("land-cover") < layers.index("risk-fill") < layers.index("hazard-fill")

    interactive = page.evaluate("""() => [...new Set(window.demineMap.getStyle().layers
        .filter((l) => l.type !== 'background').map((l) => l.id))]""")
    spot = page.evaluate(FIND_RISK_PIXEL, interactive)
    assert spot is not None, "no pixel shows a risk cell alone"
    box = page.locator("#map canvas").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + spot["x"], box["y"] + spot["y"])
    popup = page.locator(".maplibregl-popup")
    popup.wait_for()
    text = popup.inner_text()
    assert "Contamination risk" in text and "%" in text and "2025-06-01" in text
    assert "accidents nearby" in text or "none" in text

    # Hidden by the switcher, drawn again when ticked.
    page.uncheck("input[data-group=risk]")
    page.wait_for_function(
        "window.demineMap.queryRenderedFeatures({ layers: ['risk-fill'] }).length === 0")
    page.check("input[data-group=risk]")
    page.wait_for_function(
        "window.demineMap.queryRenderedFeatures({ layers: ['risk-fill'] }).length > 0")
    assert foreign(tab.requests, server) == []


def test_the_risk_layer_follows_the_view_within_its_budget(tab: Tab, server: str,
                                                           mapped: Grid) -> None:
    page = tab.page
    browser_log_in(page, server, "admin", "/map")
    wait_for_map(page)
    page.evaluate("window.demineMap.setZoom(window.demineMap.getZoom() + 3)")
    page.wait_for_function(f"Number(document.body.dataset.riskLoaded) < {len(mapped.cells)}")
    assert page.inner_text("#legend [data-note=risk]") == ""
    # More cells than the budget: nothing is read past the first page.
    counted = page.evaluate("""() => import('/static/js/features.js').then(async (m) => [
        await m.fetchCollection('risk_cells', { limit: '5' }, 10),
        (await m.fetchCollection('risk_cells', { limit: '5' }, 48)).features.length])""")
    assert counted == [None, len(mapped.cells)]


def test_the_anonymous_map_does_not_ask_for_the_risk_map(tab: Tab, server: str,
                                                          mapped: Grid) -> None:
    page = tab.page
    page.goto(f"{server}/map")
    wait_for_map(page)
    assert page.is_disabled("input[data-group=risk]")
    assert not any("/collections/risk_cells" in u for u in tab.requests)


def test_record_pages_show_the_risk(client: TestClient, mapped: Grid) -> None:
    log_in(client, "viewer")
    hazard = client.get("/records/hazard_areas/HA-000001").text
    assert "risk (mean / max)" in hazard and "12.0% / 50.0%" in hazard
    assert "over 7 cells of the risk map for 2025-06-01" in hazard
    assert "what drives its risk" in hazard
    assert hazard.index("suspicion n 1km: raises risk (+0.80") < hazard.index(
        "road dist m: lowers risk (-0.30")
    other = client.get("/records/hazard_areas/HA-000002").text
    assert "risk (mean / max)" not in other
    listing = client.get("/records/risk_cells").text
    assert "48 records" in listing and "100.0%" in listing
    corner = client.get("/collections/risk_cells/items?limit=100").json()["features"][-1]
    page = client.get(f"/records/risk_cells/{corner['id']}").text
    assert "100.0%" in page and 'class="contributions"' in page
    assert "distance to front line: raises risk (+1.00 log-odds)" in page
