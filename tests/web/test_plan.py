"""The plan page without a browser: linked from every page, behind a login, its three sections,
scripts that come from this server only. (Drawn in chromium: test_browser.py.)"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient

from demine.store.accounts import get_setting, set_setting
from tests.web.conftest import Region, log_in
from tests.web.modules import assert_modules_served
from tests.web.test_pages import Tags

"""Static (`import ... from "./x.js"`) and dynamic (`import("./x.js")`) imports of a module."""


def test_the_plan_page_is_linked_needs_a_login_and_has_its_sections(client: TestClient) -> None:
    response = client.get("/plan", follow_redirects=False)
    assert response.status_code == 303
    target = urlsplit(response.headers["location"])
    assert target.path == "/login" and parse_qs(target.query)["next"] == ["/plan"]
    assert client.get("/plan/forecast").status_code == 401
    # The header of every page, the API's own included, links to it.
    for page in ("/login", "/map", "/collections?f=html"):
        assert Tags(client.get(page).text).find("a", href="/plan"), page

    log_in(client, "viewer")
    page = client.get("/plan")
    assert page.status_code == 200
    tags = Tags(page.text)
    assert re.search(r'<a href="/plan">Plan</a>', page.text)
    assert tags.find("script", type="module", src="/static/js/plan.js")
    for section in ("gantt", "plan-map-section", "forecast"):
        assert tags.find("section", id=section), section
    for part in ("gantt-chart", "plan-map", "released-curve", "risk-curve"):
        assert tags.find("div", id=part), part
    assert tags.find("table", id="region-dates") and tags.find("table", id="unit-dates")
    links = [a.get("href") or a.get("src") or "" for _, a in tags.tags]
    assert not [u for u in links if u.startswith(("http:", "https:", "//"))], links
    # What the script shows when there is no plan or no forecast yet: the command to make one.
    assert "<code>demine plan</code>" in page.text
    assert "<code>demine forecast --baselines</code>" in page.text


def test_the_plan_page_scripts_come_from_this_server(client: TestClient) -> None:
    log_in(client, "viewer")
    seen = assert_modules_served(client, "/static/js/plan.js")
    # The map reuses the web map's modules rather than copies of them.
    assert {"/static/js/planmap.js", "/static/js/gantt.js", "/static/js/charts.js",
            "/static/js/layers.js", "/static/js/basemap.js", "/static/js/features.js",
            "/static/vendor/maplibre-gl/maplibre-gl.mjs"} <= seen


def test_the_forecast_the_page_reads(client: TestClient, planned: Region) -> None:
    log_in(client, "viewer")
    forecast = client.get("/plan/forecast").json()
    assert list(forecast) == ["plan", "priority order", "nearest first"]
    for run in forecast.values():
        assert {"start", "draws", "winter_stop", "region", "units", "areas", "curve"} <= set(run)
        assert run["curve"] and {"date", "released_m2", "risk_left"} == set(run["curve"][0])
    with planned.store.read() as conn:
        kept = get_setting(conn, "forecast", "")
    set_setting(planned.store, "forecast", "", "test")
    try:
        missing = client.get("/plan/forecast")
        assert missing.status_code == 404 and "demine forecast" in missing.json()["detail"]
    finally:
        set_setting(planned.store, "forecast", kept, "test")
