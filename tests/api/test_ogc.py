"""OGC API - Features Core and filtering, checked against the store's own figures."""

from __future__ import annotations

import json
from datetime import date

import shapely
import shapely.geometry
from sqlalchemy import func, select

from demine.api.collections import COLLECTIONS
from demine.api.ogc import CONFORMANCE
from demine.model.entities import Evidence
from demine.model.vocab import EvidenceKind
from demine.store.accounts import set_setting
from demine.store.base import now_iso
from demine.store.records import insert_entities
from demine.store.schema import evidence, hazard_areas
from tests.api.conftest import Service

CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"


def all_items(svc: Service, url: str, user: str | None = "admin") -> list[dict]:
    """Every feature of a query, following `next` links."""
    found: list[dict] = []
    while url:
        r = svc.client.get(url, headers=svc.headers(user))
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("application/geo+json")
        page = r.json()
        assert page["numberReturned"] == len(page["features"])
        found += page["features"]
        nxt = [link["href"] for link in page["links"] if link["rel"] == "next"]
        url = nxt[0].replace("http://testserver", "") if nxt else ""
    return found


def test_landing_conformance_and_api(service: Service) -> None:
    landing = service.client.get("/").json()
    rels = {link["rel"]: link for link in landing["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= set(rels)
    assert rels["service-desc"]["type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert service.client.get("/conformance").json()["conformsTo"] == CONFORMANCE
    assert CORE in CONFORMANCE
    api = service.client.get("/api")
    assert api.headers["content-type"].startswith("application/vnd.oai.openapi+json")
    doc = api.json()
    assert doc["openapi"].startswith("3.0")
    for cid in COLLECTIONS:
        assert f"/collections/{cid}/items" in doc["paths"]
    html = service.client.get("/", headers={"Accept": "text/html"})
    assert html.headers["content-type"].startswith("text/html") and "/collections" in html.text


def test_collections_need_a_login_except_the_public_ones(service: Service) -> None:
    anonymous = {c["id"] for c in service.client.get("/collections").json()["collections"]}
    assert anonymous == {c.id for c in COLLECTIONS.values() if c.public}
    assert "hazard_areas" in anonymous and not {"finds", "evidence"} & anonymous
    for restricted in ("finds", "evidence"):
        assert service.client.get(f"/collections/{restricted}/items").status_code == 401
        assert service.client.get(f"/collections/{restricted}/items",
                                  headers=service.headers("viewer")).status_code == 200
    every = service.client.get("/collections", headers=service.headers("viewer")).json()
    assert {c["id"] for c in every["collections"]} == set(COLLECTIONS)
    for c in every["collections"]:
        assert c["itemType"] == "feature"
        rels = {link["rel"] for link in c["links"]}
        assert {"self", "items", "describedby"} <= rels
        if COLLECTIONS[c["id"]].geometry is not None:
            assert len(c["extent"]["spatial"]["bbox"][0]) == 4


def test_paging_returns_every_feature_once(service: Service) -> None:
    with service.store.read() as conn:
        total = conn.execute(select(func.count()).select_from(hazard_areas)).scalar_one()
        codes = set(conn.execute(select(hazard_areas.c.code)).scalars())
    first = service.client.get("/collections/hazard_areas/items?limit=7").json()
    assert first["numberMatched"] == total and first["numberReturned"] == 7
    found = all_items(service, "/collections/hazard_areas/items?limit=17", None)
    assert len(found) == total and {f["id"] for f in found} == codes
    assert service.client.get("/collections/hazard_areas/items?limit=0").status_code == 400


def test_bbox_and_datetime_select_what_they_say(service: Service) -> None:
    everything = all_items(service, "/collections/hazard_areas/items?limit=1000")
    shapes = {f["id"]: shapely.geometry.shape(f["geometry"]) for f in everything}
    union = shapely.union_all(list(shapes.values()))
    minx, miny, maxx, maxy = union.bounds
    box = (minx, miny, (minx + maxx) / 2, (miny + maxy) / 2)
    inside = all_items(service, "/collections/hazard_areas/items?limit=50&bbox="
                       + ",".join(map(str, box)))
    expected = {c for c, g in shapes.items()
                if shapely.intersects(shapely.box(*shapely.bounds(g)), shapely.box(*box))}
    assert {f["id"] for f in inside} == expected and 0 < len(expected) < len(shapes)
    days = sorted(f["properties"]["info_date"] for f in everything)
    middle = days[len(days) // 2]
    later = all_items(service, f"/collections/hazard_areas/items?datetime={middle}/..")
    assert {f["id"] for f in later} == {f["id"] for f in everything
                                        if f["properties"]["info_date"] >= middle}
    one_day = all_items(service, f"/collections/hazard_areas/items?datetime={middle}")
    assert all(f["properties"]["info_date"] == middle for f in one_day) and one_day
    bad = service.client.get("/collections/hazard_areas/items?datetime=yesterday")
    assert bad.status_code == 400 and "datetime" in bad.json()["detail"]
    assert date.fromisoformat(middle)


def test_one_feature_by_its_code_and_html(service: Service) -> None:
    feature = service.client.get("/collections/hazard_areas/items/HA-000001").json()
    assert feature["id"] == "HA-000001" and feature["type"] == "Feature"
    assert "code" in feature["properties"] and feature["geometry"]["type"] == "MultiPolygon"
    assert service.client.get("/collections/hazard_areas/items/HA-999999").status_code == 404
    assert service.client.get("/collections/nothing/items").status_code == 404
    page = service.client.get("/collections/hazard_areas/items?f=html&limit=3")
    assert page.headers["content-type"].startswith("text/html") and "HA-000001" in page.text
    roads = service.client.get("/collections/roads/items?limit=1").json()
    assert isinstance(roads["features"][0]["id"], int)  # no codes: the row number


def test_cql2_filters_and_queryables(service: Service) -> None:
    everything = all_items(service, "/collections/hazard_areas/items?limit=1000")
    props = [f["properties"] for f in everything]
    queryables = service.client.get("/collections/hazard_areas/queryables").json()
    assert {"classification", "priority", "status"} <= set(queryables["properties"])
    cases = {
        "classification = 'CHA'": lambda p: p["classification"] == "CHA",
        "priority <= 2 AND classification <> 'CHA'":
            lambda p: p["priority"] <= 2 and p["classification"] != "CHA",
        "name LIKE '%forest%' OR priority = 1":
            lambda p: "forest" in p["name"] or p["priority"] == 1,
        "status IN ('open', 'closed')": lambda p: p["status"] in ("open", "closed"),
        "NOT (priority BETWEEN 2 AND 3)": lambda p: not 2 <= p["priority"] <= 3,
        "info_date >= DATE('2024-10-01')": lambda p: p["info_date"] >= "2024-10-01",
        "reported_area_m2 IS NULL": lambda p: p["reported_area_m2"] is None,
    }
    for text, keep in cases.items():
        found = all_items(service, "/collections/hazard_areas/items?limit=1000&filter-lang="
                          "cql2-text&filter=" + text)
        assert sorted(f["id"] for f in found) == sorted(
            f["id"] for f, p in zip(everything, props, strict=True) if keep(p)), text
    shapes = {f["id"]: shapely.geometry.shape(f["geometry"]) for f in everything}
    some = shapes["HA-000001"].buffer(0.01)
    hit = all_items(service, "/collections/hazard_areas/items?limit=1000&filter="
                    f"S_INTERSECTS(geometry, {some.wkt})")
    assert {f["id"] for f in hit} == {c for c, g in shapes.items() if g.intersects(some)}
    for bad in ("colour = 'red'", "priority = ", "classification ~ 'x'"):
        r = service.client.get("/collections/hazard_areas/items", params={"filter": bad})
        assert r.status_code == 400 and r.json()["detail"].startswith("filter:"), bad
    plain = all_items(service, "/collections/hazard_areas/items?limit=1000&classification=SHA")
    assert all(f["properties"]["classification"] == "SHA" for f in plain) and plain
    assert json.dumps(plain)


def test_evidence_is_served_to_logged_in_users_only(service: Service) -> None:
    """Points and polygons alike, with their properties; hidden from the public like finds."""
    with service.store.read() as conn:
        area = conn.execute(select(hazard_areas.c.geom)
                            .where(hazard_areas.c.code == "HA-000001")).scalar_one()
    report = Evidence(kind=EvidenceKind.SEIZURE, code="EV-API-1", evidence_date=date(2024, 5, 2),
                      source="police", description="a cache of mines, mapped as an area",
                      geometry=area.centroid.buffer(0.001))
    with service.store.write() as conn:
        insert_entities(service.store, conn, [report], "test", now_iso())
    with service.store.read() as conn:
        stored = {r.code: r for r in conn.execute(select(evidence))}
    assert len(stored) > 1

    served = {f["id"]: f for f in all_items(service, "/collections/evidence/items?limit=7",
                                            "viewer")}
    assert set(served) == set(stored)
    for code, row in stored.items():
        props = served[code]["properties"]
        assert {k: props[k] for k in ("kind", "source", "description")} == {
            "kind": row.kind, "source": row.source, "description": row.description}
        day = row.evidence_date
        assert props["evidence_date"] == (day.isoformat() if day is not None else None)
        assert shapely.geometry.shape(served[code]["geometry"]).equals_exact(row.geom, 1e-9)
    assert {f["geometry"]["type"] for f in served.values()} == {"Point", "Polygon"}
    one = service.client.get("/collections/evidence/items/EV-API-1",
                             headers=service.headers("viewer")).json()
    assert one["properties"]["kind"] == "seizure" and one["geometry"]["type"] == "Polygon"
    seizures = all_items(service, "/collections/evidence/items?filter=kind = 'seizure'",
                         "viewer")
    assert {f["id"] for f in seizures} == {c for c, r in stored.items() if r.kind == "seizure"}
    dated = all_items(service, "/collections/evidence/items?datetime=2024-05-02", "viewer")
    assert "EV-API-1" in {f["id"] for f in dated}
    queryables = service.client.get("/collections/evidence/queryables",
                                    headers=service.headers("viewer")).json()
    assert {"kind", "evidence_date", "source", "description"} <= set(queryables["properties"])
    assert queryables["properties"]["geometry"]["format"] == "geometry-any"
    html = service.client.get("/collections/evidence/items?f=html",
                              headers=service.headers("viewer"))
    assert html.status_code == 200 and "Evidence" in html.text

    def anonymous() -> list[int]:
        return [service.client.get(f"/collections/evidence{tail}").status_code
                for tail in ("", "/items", "/items/EV-API-1", "/queryables", "/schema")]

    assert anonymous() == [401] * 5
    set_setting(service.store, "public_read", "off", "test")
    try:
        assert anonymous() == [401] * 5
        assert service.client.get("/collections/evidence/items",
                                  headers=service.headers("viewer")).status_code == 200
    finally:
        set_setting(service.store, "public_read", "on", "test")
