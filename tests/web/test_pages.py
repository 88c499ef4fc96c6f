"""The browser UI's pages without a browser: what they carry, who may see them, what they link."""

from __future__ import annotations

import json
import re
import sqlite3
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from demine.api.auth import SESSION_COOKIE, Authenticator
from demine.store.accounts import set_setting
from demine.store.hazards import EDITABLE
from tests.web.conftest import Region, log_in
from tests.web.modules import assert_modules_served
from tests.web.tiles import write_raster_pmtiles

ROOT = Path(__file__).resolve().parents[2]


class Tags(HTMLParser):
    """Every start tag of a page with its attributes."""

    def __init__(self, page: str):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags
                if t == tag and all(a.get(k) == v for k, v in attrs.items())]


def map_config(page: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="map-config">(.*?)</script>', page,
                      re.S)
    assert found, "the map page carries its configuration"
    return dict(json.loads(found.group(1)))


def db(region: Region) -> sqlite3.Connection:
    return sqlite3.connect(region.path)


def test_map_page_loads_maplibre_from_the_server(client: TestClient) -> None:
    page = client.get("/map")
    assert page.status_code == 200
    tags = Tags(page.text)
    [entry] = tags.find("script", type="module")
    assert entry["src"] == "/static/js/map.js"
    links = [a.get("href") or a.get("src") or "" for _, a in tags.tags]
    assert not [u for u in links if u.startswith(("http:", "https:", "//"))], links
    assert tags.find("link", rel="stylesheet", href="/static/vendor/maplibre-gl/maplibre-gl.css")

    # Follow the module graph from map.js: every import is a file this server serves.
    assert_modules_served(client, "/static/js/map.js")


def test_map_asks_only_for_what_the_user_may_read(client: TestClient, region: Region) -> None:
    anonymous = map_config(client.get("/map").text)
    assert set(anonymous["collections"]) == {
        "hazard_areas", "releases", "roads", "rivers", "land_cover", "front_lines", "positions"}
    assert anonymous["records"] is False and anonymous["basemap"] is None
    for collection in anonymous["collections"]:
        assert client.get(f"/collections/{collection}/items?limit=1").status_code == 200
    assert "evidence" not in anonymous["collections"]
    for restricted in ("finds", "evidence"):
        assert client.get(f"/collections/{restricted}/items?limit=1").status_code == 401

    set_setting(region.store, "public_read", "off", "test")
    try:
        assert map_config(client.get("/map").text)["collections"] == []
    finally:
        set_setting(region.store, "public_read", "on", "test")

    log_in(client, "viewer")
    config = map_config(client.get("/map?focus=HA-000001").text)
    assert {"finds", "evidence", "accidents", "locations"} <= set(config["collections"])
    assert config["records"] is True and config["focus"] == "HA-000001"


def test_a_configured_pmtiles_basemap_is_served_by_range(
        client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert client.get("/basemap.pmtiles").status_code == 404
    archive = write_raster_pmtiles(tmp_path / "base.pmtiles", (200, 220, 240))
    monkeypatch.setenv("DEMINE_BASEMAP", str(archive))
    assert map_config(client.get("/map").text)["basemap"] == "/basemap.pmtiles"
    assert map_config(client.get("/map?basemap=off").text)["basemap"] is None
    part = client.get("/basemap.pmtiles", headers={"Range": "bytes=0-126"})
    assert part.status_code == 206
    assert part.content == archive.read_bytes()[:127] and part.content.startswith(b"PMTiles\x03")
    monkeypatch.setenv("DEMINE_BASEMAP", str(tmp_path / "missing.pmtiles"))
    assert map_config(client.get("/map").text)["basemap"] is None


@pytest.mark.parametrize("path", ["/records", "/records/hazard_areas?status=open&page=2",
                                  "/records/hazard_areas/HA-000001", "/records/finds",
                                  "/records/evidence",
                                  "/dashboard", "/plan"])
def test_pages_need_a_login_and_come_back_after_it(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    target = urlsplit(response.headers["location"])
    assert target.path == "/login" and parse_qs(target.query)["next"] == [path]
    form = Tags(client.get(response.headers["location"]).text)
    assert form.find("input", type="hidden", name="next", value=path)
    back = client.post("/login", data={"name": "viewer", "password": "viewer-pass-1",
                                       "next": path}, follow_redirects=False)
    assert back.status_code == 303 and back.headers["location"] == path
    assert client.get(path, follow_redirects=False).status_code == 200


def test_dashboard_data_needs_a_login(client: TestClient) -> None:
    assert client.get("/dashboard/data").status_code == 401


def test_hazard_list_filters_and_pages(client: TestClient, region: Region) -> None:
    log_in(client, "viewer")
    with db(region) as conn:
        codes = [r[0] for r in conn.execute("SELECT code FROM hazard_areas ORDER BY fid")]
        worked = {r[0] for r in conn.execute(
            "SELECT code FROM hazard_areas WHERE status = 'worked_on'")}
    assert len(codes) > 100 and worked

    def listed(query: str) -> list[str]:
        page = client.get(f"/records/hazard_areas{query}").text
        return re.findall(r'<td><a href="/records/hazard_areas/([^"]+)">', page)

    first, second = listed(""), listed("?page=2")
    assert first == codes[:100] and second == codes[100:200]
    assert set(listed("?status=worked_on")) == worked
    page = client.get("/records/hazard_areas?status=worked_on").text
    assert f"{len(worked):,} record" in page
    assert client.get("/records/nothing").status_code == 404


def test_hazard_page_has_the_edit_form_and_the_session_token(client: TestClient,
                                                             region: Region) -> None:
    log_in(client, "admin")
    page = client.get("/records/hazard_areas/HA-000001")
    assert page.status_code == 200
    tags = Tags(page.text)
    with db(region) as conn:
        name, version = conn.execute(
            "SELECT name, version FROM hazard_areas WHERE code = 'HA-000001'").fetchone()
    [record] = tags.find("div", id="hazard-record")
    assert record["data-code"] == "HA-000001" and record["data-version"] == str(version)
    fields = {a["name"] for t, a in tags.tags if t in ("input", "select") and a.get("name")}
    assert fields == set(EDITABLE)
    assert tags.find("input", name="name", value=name)
    assert tags.find("script", type="module", src="/static/js/record.js")
    [meta] = tags.find("meta", name="csrf-token")
    cookie = client.cookies[SESSION_COOKIE]
    assert meta["content"] == Authenticator(region.store).csrf_token(cookie)
    assert client.get("/records/hazard_areas/HA-999999").status_code == 404


def test_a_viewer_sees_the_record_but_no_form(client: TestClient) -> None:
    log_in(client, "viewer")
    page = client.get("/records/hazard_areas/HA-000001").text
    assert 'id="edit-form"' not in page
    assert "The viewer role may not edit records." in page
    assert 'id="history"' in page


def test_the_form_contract_edits_and_the_page_shows_it(client: TestClient,
                                                       region: Region) -> None:
    """What record.js sends (PATCH, If-Match, X-CSRF-Token from the page) is what the API takes."""
    log_in(client, "admin")
    code = "HA-000010"
    page = Tags(client.get(f"/records/hazard_areas/{code}").text)
    token = page.find("meta", name="csrf-token")[0]["content"] or ""
    version = page.find("div", id="hazard-record")[0]["data-version"]
    url = f"/collections/hazard_areas/items/{code}"
    body = {"properties": {"name": "Well field"}}
    assert client.patch(url, json=body, headers={"If-Match": f'"{version}"'}).status_code == 403
    bad = client.patch(url, json={"properties": {"contamination": "BOGUS"}},
                       headers={"If-Match": f'"{version}"', "X-CSRF-Token": token})
    assert bad.status_code == 422
    assert [p["field"] for p in bad.json()["detail"]] == ["contamination"]
    done = client.patch(url, json=body, headers={"If-Match": f'"{version}"',
                                                 "X-CSRF-Token": token})
    assert done.status_code == 200 and done.json()["properties"]["name"] == "Well field"
    assert done.headers["etag"] == f'"{int(version or 0) + 1}"'
    stale = client.patch(url, json={"properties": {"name": "Again"}},
                         headers={"If-Match": f'"{version}"', "X-CSRF-Token": token})
    assert stale.status_code == 412
    assert Tags(client.get(f"/records/hazard_areas/{code}").text).find(
        "input", name="name", value="Well field")
    history = client.get(f"/registry/hazard_areas/{code}/history").json()
    assert history[-1]["actor"] == "web:admin" and "Well field" in history[-1]["detail"]


def test_other_records_link_to_their_hazard_area(client: TestClient, region: Region) -> None:
    log_in(client, "viewer")
    with db(region) as conn:
        release, hazard, method = conn.execute(
            "SELECT code, hazard, method FROM releases ORDER BY fid LIMIT 1").fetchone()
    listing = client.get("/records/releases").text
    assert f'href="/records/releases/{release}"' in listing
    page = client.get(f"/records/releases/{release}").text
    assert f'<a href="/records/hazard_areas/{hazard}">{hazard}</a>' in page
    assert f'data-property="method">{method}<' in page
    assert 'id="edit-form"' not in page
    index = client.get("/records").text
    assert 'href="/records/hazard_areas"' in index and 'href="/records/accidents"' in index
    assert 'href="/records/evidence"' in index


def test_evidence_has_its_list_and_record_pages(client: TestClient, region: Region) -> None:
    log_in(client, "viewer")
    with db(region) as conn:
        code, kind, source = conn.execute(
            "SELECT code, kind, source FROM evidence ORDER BY fid LIMIT 1").fetchone()
    listing = client.get("/records/evidence").text
    assert f'href="/records/evidence/{code}"' in listing
    page = client.get(f"/records/evidence/{code}").text
    assert f'data-property="kind">{kind}<' in page and source in page
    assert 'id="edit-form"' not in page
