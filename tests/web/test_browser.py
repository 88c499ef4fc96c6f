"""The web UI in Debian's chromium: log in, see hazards drawn, edit a record, see its history,
work out survey designs, see the plan and its forecast.

The app is served by uvicorn on a loopback port; every request the page makes is recorded, and
none may go to another host (MapLibre and its worker come from the server, the basemap is blank).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import shapely
from playwright.sync_api import Page
from sqlalchemy import select

from demine import stats
from demine.model.entities import Evidence
from demine.model.vocab import EvidenceKind
from demine.stats.proposals import qc_proposal
from demine.store.accounts import get_setting, set_setting
from demine.store.base import now_iso
from demine.store.records import insert_entities
from demine.store.schema import evidence
from tests.web.conftest import PASSWORDS, Region, Tab
from tests.web.tiles import write_raster_pmtiles

INTERACTIVE = ["positions", "settlements", "hazard-fill", "release-fill", "evidence-fill",
               "evidence-outline", "evidence", "finds", "accidents"]

# A canvas pixel whose click opens a hazard area's popup: the top-most clickable feature within
# the click handler's reach there is a hazard area (not released land, nor a point).
FIND_HAZARD_PIXEL = """(layers) => {
  const map = window.demineMap;
  const canvas = map.getCanvas();
  const width = canvas.clientWidth, height = canvas.clientHeight;
  for (let y = 20; y < height - 20; y += 7) {
    for (let x = 20; x < width - 20; x += 7) {
      const [under] = map.queryRenderedFeatures([x, y], { layers });
      if (!under || under.layer.id !== "hazard-fill") continue;
      const around = map.queryRenderedFeatures([[x - 6, y - 6], [x + 6, y + 6]], { layers });
      if (around.every((f) => f.layer.id === "hazard-fill"
                              && f.properties.code === under.properties.code)) {
        return { x, y, code: under.properties.code };
      }
    }
  }
  return null;
}"""


def foreign(urls: list[str], server: str) -> list[str]:
    """Requests that left the server (data: and blob: URLs stay in the page)."""
    home = urlsplit(server).netloc
    return [u for u in urls
            if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u).netloc != home]


def log_in(page: Page, server: str, name: str, next_path: str) -> None:
    page.goto(f"{server}/login?next={next_path}")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORDS[name])
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}{next_path}")


def wait_for_map(page: Page) -> None:
    page.wait_for_function("document.body.dataset.mapReady === '1'")
    assert page.evaluate("document.body.dataset.mapError") is None


def rendered(page: Page, layer: str) -> list[str]:
    return list(page.evaluate(
        """(layer) => window.demineMap.queryRenderedFeatures({ layers: [layer] })
                      .map((f) => String(f.properties.code ?? f.id))""", layer))


def add_evidence_area(region: Region) -> str:
    """An evidence polygon beside the simulated evidence points (once per region)."""
    code = "EV-AREA-1"
    with region.store.write() as conn:
        if conn.execute(select(evidence.c.code).where(evidence.c.code == code)).first():
            return code
        point = conn.execute(select(evidence.c.geom).order_by(evidence.c.fid)).scalars().first()
        assert isinstance(point, shapely.Point)
        area = shapely.box(point.x + 0.001, point.y + 0.001, point.x + 0.004, point.y + 0.003)
        insert_entities(region.store, conn, [Evidence(
            kind=EvidenceKind.COMMUNITY_REPORT, code=code, source="test",
            description="mines seen along a field edge", geometry=area)], "test", now_iso())
    return code


def test_log_in_see_hazards_drawn_edit_a_record_and_see_its_history(
        tab: Tab, server: str, region: Region) -> None:
    page = tab.page
    area = add_evidence_area(region)
    with sqlite3.connect(region.path) as conn:
        hazards = {r[0]: r[1] for r in conn.execute("SELECT code, status FROM hazard_areas")}
        n_releases = conn.execute("SELECT COUNT(*) FROM releases").fetchone()[0]
        n_finds = conn.execute("SELECT COUNT(*) FROM finds").fetchone()[0]
        points = {r[0] for r in conn.execute("SELECT code FROM evidence WHERE code <> ?",
                                             (area,))}

    log_in(page, server, "admin", "/map")
    page.wait_for_function("Number(document.body.dataset.hazardsLoaded) > 0")
    assert int(page.evaluate("document.body.dataset.hazardsLoaded")) == len(hazards)
    wait_for_map(page)
    page.wait_for_function(
        "window.demineMap.queryRenderedFeatures({ layers: ['hazard-fill'] }).length > 0")
    # Fitted to the data: every hazard area is drawn, with the outline of its status.
    assert set(rendered(page, "hazard-fill")) == set(hazards)
    for status in set(hazards.values()):
        drawn = set(rendered(page, f"hazard-outline-{status}"))
        assert drawn == {c for c, s in hazards.items() if s == status}
    assert len(set(rendered(page, "release-fill"))) == n_releases
    assert len(set(rendered(page, "finds"))) == n_finds
    # Evidence: points as circles, areas as a fill and an outline (no circles on their corners).
    assert points and set(rendered(page, "evidence")) == points
    assert set(rendered(page, "evidence-fill")) == set(rendered(page, "evidence-outline")) == {
        area}
    assert page.locator("#layer-switcher input:checked").count() == 12
    assert page.locator("#legend li", has_text="evidence (area)").count() == 1
    assert page.locator("#legend li").count() >= 15

    # The layer switcher hides a layer.
    page.uncheck("input[data-group=hazards]")
    page.wait_for_function(
        "window.demineMap.queryRenderedFeatures({ layers: ['hazard-fill'] }).length === 0")
    page.check("input[data-group=hazards]")
    page.wait_for_function(
        "window.demineMap.queryRenderedFeatures({ layers: ['hazard-fill'] }).length > 0")

    # Click a hazard area: its popup shows its properties and links to its record.
    spot = page.evaluate(FIND_HAZARD_PIXEL, INTERACTIVE)
    assert spot is not None, "no pixel shows a hazard area alone"
    box = page.locator("#map canvas").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + spot["x"], box["y"] + spot["y"])
    popup = page.locator(".maplibregl-popup")
    popup.wait_for()
    assert spot["code"] in popup.inner_text()
    link = popup.locator("a.record-link")
    assert link.get_attribute("href") == f"/records/hazard_areas/{spot['code']}"
    link.click()
    page.wait_for_url(f"{server}/records/hazard_areas/{spot['code']}")
    page.wait_for_function("document.body.dataset.historyLoaded")

    # A refused edit shows the API's message beside its field; nothing is written.
    page.fill("#f-contamination", "BOGUS")
    page.click("#edit-form button[type=submit]")
    page.wait_for_function("document.getElementById('e-contamination').textContent !== ''")
    assert "BOGUS" in page.inner_text("#e-contamination")
    assert "invalid" in (page.get_attribute("[data-field=contamination]", "class") or "")

    # A good edit is saved, and shows in the record's history.
    new_name = f"Checked in the browser {spot['code']}"
    page.fill("#f-contamination", page.inner_text("td[data-property=contamination]"))
    page.fill("#f-name", new_name)
    page.click("#edit-form button[type=submit]")
    page.wait_for_function("document.getElementById('edit-status').textContent === 'Saved.'")
    history = page.locator("#history tbody tr[data-event=corrected]")
    history.last.wait_for()
    assert new_name in history.last.inner_text() and "web:admin" in history.last.inner_text()
    assert page.inner_text("#record-name") == new_name
    with sqlite3.connect(region.path) as conn:
        assert conn.execute("SELECT name FROM hazard_areas WHERE code = ?",
                            (spot["code"],)).fetchone()[0] == new_name
    page.reload()
    assert page.input_value("#f-name") == new_name

    assert foreign(tab.requests, server) == []
    assert any(u.endswith("/static/vendor/maplibre-gl/maplibre-gl.mjs") for u in tab.requests)


def test_anonymous_map_reads_only_public_layers(tab: Tab, server: str) -> None:
    page = tab.page
    statuses: list[int] = []
    page.on("response", lambda r: statuses.append(r.status))
    page.goto(f"{server}/map")
    wait_for_map(page)
    assert rendered(page, "hazard-fill")
    assert page.is_disabled("input[data-group=finds]")
    assert page.is_disabled("input[data-group=accidents]")
    assert page.is_disabled("input[data-group=evidence]")
    assert not any(f"/collections/{c}/" in u for u in tab.requests
                   for c in ("finds", "evidence", "accidents"))
    assert page.locator("#legend h3", has_text="Evidence").count() == 0
    assert [s for s in statuses if s >= 400] == []
    assert foreign(tab.requests, server) == []


def test_dashboard_draws_the_figures(tab: Tab, server: str) -> None:
    page = tab.page
    log_in(page, server, "viewer", "/dashboard")
    page.wait_for_function("document.body.dataset.dashboardDrawn === '1'")
    data = page.evaluate("fetch('/dashboard/data').then((r) => r.json())")
    months = data["released_by_month"]["months"]
    drawn = page.evaluate("""() => [...document.querySelectorAll(
        '#released-by-month rect[data-series]')].map((r) => [r.dataset.category,
        r.dataset.series, Number(r.dataset.value)])""")
    expected = [[m["month"], method, m[method]] for m in months
                for method in data["released_by_month"]["methods"] if m[method] > 0]
    assert sorted(drawn) == sorted(expected)
    units = page.locator("#remaining-by-unit rect[data-series]").count()
    assert units == sum((u["SHA"] > 0) + (u["CHA"] > 0)
                        for u in data["remaining_by_admin_unit"])
    finds = page.locator("#finds-by-category rect[data-series]").count()
    assert finds == len(data["finds_by_category"])
    assert page.locator("#accidents-by-month rect[data-series]").count() > 0
    assert foreign(tab.requests, server) == []


def test_a_pmtiles_basemap_is_drawn_under_the_layers(
        tab: Tab, server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    page = tab.page
    archive = write_raster_pmtiles(tmp_path / "base.pmtiles", (180, 200, 230))
    monkeypatch.setenv("DEMINE_BASEMAP", str(archive))
    page.goto(f"{server}/map")
    wait_for_map(page)
    layers = page.evaluate("window.demineMap.getStyle().layers.map((l) => l.id)")
    assert layers[:3] == ["background", "basemap-raster", "land-cover"]
    assert page.evaluate("window.demineMap.isSourceLoaded('basemap')")
    assert any(u.endswith("/basemap.pmtiles") for u in tab.requests)
    assert page.is_checked("input[data-group=basemap]")
    assert foreign(tab.requests, server) == []


def test_the_map_zooms_to_the_record_it_is_asked_to_show(tab: Tab, server: str,
                                                          region: Region) -> None:
    page = tab.page
    with sqlite3.connect(region.path) as conn:
        total = conn.execute("SELECT COUNT(*) FROM hazard_areas").fetchone()[0]
    page.goto(f"{server}/map?focus=HA-000007")
    wait_for_map(page)
    assert set(rendered(page, "hazard-focus")) == {"HA-000007"}
    assert "HA-000007" in rendered(page, "hazard-fill")
    assert len(set(rendered(page, "hazard-fill"))) < total


def calculate(page: Page, form: str) -> None:
    """Submit a calculator's form and wait for its answer (or its error) to be shown."""
    selector = f"#calc-{form} form"
    before = page.eval_on_selector(selector, "(f) => Number(f.dataset.answered ?? 0)")
    page.click(f"{selector} button[type=submit]")
    page.wait_for_function("([selector, before]) => Number(document.querySelector(selector)"
                           ".dataset.answered ?? 0) > before", arg=[selector, before])


def test_the_calculators_answer_in_the_page(tab: Tab, server: str, region: Region) -> None:
    page = tab.page
    page.goto(f"{server}/calculators")
    page.wait_for_function("document.body.dataset.calculatorsReady === '1'")
    for plan in ("qc", "ts"):
        assert page.locator(f"#calc-{plan} a[href='/login?next=/calculators']").count() == 1
        assert page.locator(f"#calc-{plan} form").count() == 0

    # The hot-spot probability, as demine.stats gives it.
    page.fill("#in-hotspot-semi_major", "10")
    page.fill("#in-hotspot-spacing", "20")
    page.fill("#in-hotspot-shape", "0.5")
    page.select_option("#in-hotspot-grid", "triangular")
    calculate(page, "hotspot")
    p = stats.hotspot_detection_probability(10, 20, 0.5, "triangular")
    assert page.inner_text("#result-hotspot") == \
        f"probability that the grid hits the target: {p:.4f} ({100 * p:.2f} %)"
    assert page.is_hidden("#error-hotspot")

    # A bad value: the service's message in the error box, no result left standing.
    page.fill("#in-hotspot-shape", "2")
    calculate(page, "hotspot")
    assert page.is_visible("#error-hotspot")
    assert page.inner_text("#error-hotspot").startswith("shape must be in (0, 1]")
    assert page.inner_text("#result-hotspot") == ""

    # A plan reads as one.
    page.fill("#in-iso2859-lot_size", "1000")
    page.fill("#in-iso2859-aql", "1.0")
    calculate(page, "iso2859")
    assert page.inner_text("#result-iso2859") == \
        "code letter J: inspect 80, accept ≤ 2, reject ≥ 3"

    # Logged in: the inspection plan for a hazard area's cleared land.
    with sqlite3.connect(region.path) as conn:
        code = conn.execute("SELECT hazard FROM releases WHERE method = 'cleared' GROUP BY hazard "
                            "ORDER BY SUM(area_m2) DESC LIMIT 1").fetchone()[0]
    with region.store.read() as conn:
        expected = qc_proposal(conn, code, 100.0, 1.0, "II")
    log_in(page, server, "viewer", "/calculators")
    page.wait_for_function("document.body.dataset.calculatorsReady === '1'")
    assert page.locator("#calc-qc a[href='/login?next=/calculators']").count() == 0
    page.fill("#in-qc-hazard", code)
    calculate(page, "qc")
    shown = page.inner_text("#result-qc")
    plan = expected["plan"]
    assert f"code letter {plan['code_letter']}: inspect {plan['n']}, accept ≤ {plan['ac']}, " \
           f"reject ≥ {plan['re']}" in shown
    assert code in shown and f"a lot of {expected['lot_size']} units" in shown
    page.fill("#in-qc-hazard", "HA-999999")
    calculate(page, "qc")
    assert "HA-999999" in page.inner_text("#error-qc")

    assert foreign(tab.requests, server) == []


def test_the_plan_page_draws_the_tasks_the_map_and_the_forecast(
        tab: Tab, server: str, planned: Region) -> None:
    page = tab.page
    with sqlite3.connect(planned.path) as conn:
        tasks = {r[0]: r[1:] for r in conn.execute(
            "SELECT code, team, hazard, activity_type, planned_start, planned_end FROM tasks "
            "WHERE status = 'planned'")}
        ends = dict(conn.execute("SELECT hazard, MAX(planned_end) FROM tasks "
                                 "WHERE status = 'planned' GROUP BY hazard").fetchall())
        hazards = {r[0] for r in conn.execute("SELECT code FROM hazard_areas")}
        assert conn.execute("SELECT COUNT(*) FROM tasks WHERE status <> 'planned'").fetchone()[0]
    with planned.store.read() as conn:
        runs = list(json.loads(get_setting(conn, "forecast", "{}")))
    assert tasks and runs == ["plan", "priority order", "nearest first"]
    assert set(ends) < hazards  # some areas have no planned task (closed ones)

    log_in(page, server, "viewer", "/plan")
    page.wait_for_function("document.body.dataset.ganttDrawn === '1'")
    # The Gantt chart: a row per team, a bar per planned task (none of the others), coloured by
    # activity type, its hazard area in its tooltip.
    bars = page.evaluate("""() => [...document.querySelectorAll('#gantt-chart rect.bar')].map(
        (r) => [r.dataset.task, r.dataset.team, r.dataset.hazard, r.dataset.activity,
                r.dataset.start, r.dataset.end, r.getAttribute('fill'),
                r.querySelector('title').textContent])""")
    assert len(bars) == len(tasks) == int(page.evaluate("document.body.dataset.ganttTasks"))
    assert {b[0]: tuple(b[1:6]) for b in bars} == tasks
    fills = {b[3]: {b[6]} for b in bars}
    for bar in bars:
        fills[bar[3]].add(bar[6])
        assert bar[7].startswith(f"{bar[2]}: {bar[3]}")
    assert set(fills) == {"NTS", "CLEARANCE"}
    assert all(len(f) == 1 for f in fills.values()) and fills["NTS"] != fills["CLEARANCE"]
    teams = page.evaluate(
        "[...document.querySelectorAll('#gantt-chart text.team')].map((t) => t.dataset.team)")
    assert teams == sorted({t[0] for t in tasks.values()})
    assert page.locator("#plan-missing").is_hidden()

    # The map: every hazard area, coloured by the month its planned clearance ends (grey
    # without a planned task), the colours in order of the months.
    page.wait_for_function("document.body.dataset.planMapReady === '1'")
    assert page.evaluate("document.body.dataset.mapError") is None
    page.wait_for_function(
        "window.demineMap.queryRenderedFeatures({ layers: ['plan-hazard-fill'] }).length > 0")
    drawn = {code: (end, colour) for code, end, colour in page.evaluate(
        """() => window.demineMap.queryRenderedFeatures({ layers: ['plan-hazard-fill'] })
                 .map((f) => [f.properties.code, f.properties.planned_end ?? null,
                              f.properties.plan_colour ?? null])""")}
    assert set(drawn) == hazards
    assert {code: end for code, (end, _) in drawn.items() if end} == ends
    assert all(colour is None for code, (_, colour) in drawn.items() if code not in ends)
    by_month: dict[str, set[str]] = {}
    for end, colour in drawn.values():
        if end:
            by_month.setdefault(end[:7], set()).add(colour)
    assert all(len(c) == 1 for c in by_month.values())
    in_order = [c.pop() for _, c in sorted(by_month.items())]
    ramp = [c for i, c in enumerate(in_order) if i == 0 or c != in_order[i - 1]]
    assert len(ramp) >= 3 and len(ramp) == len(set(ramp))  # each colour one run of months
    paint = page.evaluate(
        "window.demineMap.getPaintProperty('plan-hazard-fill', 'fill-color')")
    assert paint[:2] == ["coalesce", ["get", "plan_colour"]]
    legend = page.locator("#legend h3", has_text="Hazard areas").locator(
        "xpath=following-sibling::ul[1]/li")
    assert legend.count() == len(ramp) + 1 and "no planned task" in legend.last.inner_text()

    # The forecast: a line per run on each chart, the region's dates per run, the plan's units.
    page.wait_for_function("document.body.dataset.forecastDrawn === '1'")
    for chart in ("released-curve", "risk-curve"):
        lines = page.evaluate(f"""() => [...document.querySelectorAll(
            '#{chart} path[data-series]')].map((p) => p.dataset.series)""")
        assert lines == runs, chart
    assert page.locator("#region-dates tbody tr").count() == len(runs)
    forecast = page.evaluate("fetch('/plan/forecast').then((r) => r.json())")
    assert page.locator("#unit-dates tbody tr").count() == len(forecast["plan"]["units"])
    first = page.locator("#region-dates tbody tr").first.inner_text().split("\t")
    assert [c.strip() for c in first] == ["plan", *forecast["plan"]["region"].values()]
    assert page.locator("#forecast-missing").is_hidden()

    # Without a forecast, the page says so and how to make one.
    with planned.store.read() as conn:
        kept = get_setting(conn, "forecast", "")
    set_setting(planned.store, "forecast", "", "test")
    try:
        page.reload()
        page.wait_for_function("document.body.dataset.forecastDrawn === 'none'")
        assert page.locator("#forecast-missing").is_visible()
        assert "demine forecast --baselines" in page.inner_text("#forecast-missing")
        assert page.locator("#forecast path[data-series]").count() == 0
    finally:
        set_setting(planned.store, "forecast", kept, "test")

    assert foreign(tab.requests, server) == []
    assert any(u.endswith("/static/vendor/maplibre-gl/maplibre-gl.mjs") for u in tab.requests)
