"""Editing through the API: every role against every write, ETags, idempotency, the audit log."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, text, update

from demine.store.schema import audit_log, hazard_areas
from tests.api.conftest import Service

SQUARE = {"type": "Polygon", "coordinates": [[[36.30, 49.80], [36.301, 49.80], [36.301, 49.801],
                                              [36.30, 49.801], [36.30, 49.80]]]}


def new_area(code: str, org: str | None = None) -> dict[str, Any]:
    props: dict[str, Any] = {"code": code, "name": f"Area {code}", "classification": "SHA",
                             "date": "2025-02-01"}
    if org:
        props["organisation"] = org
    return {"type": "Feature", "geometry": SQUARE, "properties": props}


WRITES = ["create", "patch", "put", "delete"]
ALLOWED = {None: 401, "viewer": 403, "qa": 403, "other": 403, "editor": None, "admin": None}


def attempt(svc: Service, write: str, user: str | None, code: str) -> int:
    h = svc.headers(user)
    if write == "create":
        return svc.client.post("/collections/hazard_areas/items",
                               json=new_area(code, "OPS-1"), headers=h).status_code
    if write == "patch":
        return svc.client.patch(f"/collections/hazard_areas/items/{code}",
                                json={"properties": {"priority": 2}}, headers=h).status_code
    if write == "put":
        feature = svc.client.get(f"/collections/hazard_areas/items/{code}").json()
        feature["properties"]["name"] = "Put by test"
        return svc.client.put(f"/collections/hazard_areas/items/{code}", json=feature,
                              headers=h).status_code
    return svc.client.delete(f"/collections/hazard_areas/items/{code}", headers=h).status_code


@pytest.mark.parametrize("user", list(ALLOWED))
def test_each_role_against_each_write(service: Service, user: str | None) -> None:
    tag = (user or "anon").upper()
    for write in WRITES:
        code = f"R-{tag}-{write}"
        if write != "create":  # the record exists, owned by OPS-1
            assert service.client.post("/collections/hazard_areas/items",
                                       json=new_area(code, "OPS-1"),
                                       headers=service.headers("admin")).status_code == 201
        status = attempt(service, write, user, code if write != "create" else f"{code}-new")
        expected = ALLOWED[user]
        if expected is None:
            assert status == {"create": 201, "patch": 200, "put": 200, "delete": 204}[write], \
                (user, write, status)
        else:
            assert status == expected, (user, write, status)


def test_read_only_collections_and_options(service: Service) -> None:
    admin = service.headers("admin")
    r = service.client.post("/collections/releases/items", json=new_area("X"), headers=admin)
    assert r.status_code == 405 and "GET" in r.headers["allow"]
    opts = service.client.options("/collections/hazard_areas/items/HA-000001")
    assert set(opts.headers["allow"].split(", ")) == {"GET", "PUT", "PATCH", "DELETE", "OPTIONS"}
    assert "POST" in service.client.options("/collections/hazard_areas/items").headers["allow"]


def test_etag_if_match_and_field_errors(service: Service) -> None:
    admin = service.headers("admin")
    first = service.client.get("/collections/hazard_areas/items/HA-000003")
    tag = first.headers["etag"]
    ok = service.client.patch("/collections/hazard_areas/items/HA-000003",
                              json={"properties": {"name": "Checked", "priority": 1}},
                              headers={**admin, "If-Match": tag})
    assert ok.status_code == 200 and ok.headers["etag"] != tag
    assert ok.json()["properties"]["name"] == "Checked"
    stale = service.client.patch("/collections/hazard_areas/items/HA-000003",
                                 json={"properties": {"name": "Late"}},
                                 headers={**admin, "If-Match": tag})
    assert stale.status_code == 412
    bad = service.client.patch(
        "/collections/hazard_areas/items/HA-000003",
        json={"properties": {"priority": "high", "classification": "maybe", "area_m2": 5}},
        headers=admin)
    assert bad.status_code == 422
    fields = {d["field"]: d["message"] for d in bad.json()["detail"]}
    assert set(fields) == {"priority", "classification", "area_m2"}
    moved = service.client.get("/collections/hazard_areas/items/HA-000003").json()
    moved["geometry"] = SQUARE
    refused = service.client.put("/collections/hazard_areas/items/HA-000003", json=moved,
                                 headers=admin)
    assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == "geometry"


def test_idempotent_create(service: Service) -> None:
    h = {**service.headers("admin"), "Idempotency-Key": "retry-1"}
    body = new_area("")
    body["properties"].pop("code")
    body["properties"]["name"] = "Idempotent area"
    first = service.client.post("/collections/hazard_areas/items", json=body, headers=h)
    again = service.client.post("/collections/hazard_areas/items", json=body, headers=h)
    assert first.status_code == again.status_code == 201
    assert first.headers["location"] == again.headers["location"]
    code = first.json()["id"]
    with service.store.read() as conn:
        named = conn.execute(select(hazard_areas.c.code)
                             .where(hazard_areas.c.name == "Idempotent area")).scalars().all()
    assert named == [code]


def test_api_edit_is_audited_and_tampering_is_found(fresh: Service) -> None:
    r = fresh.client.patch("/collections/hazard_areas/items/HA-000004",
                           json={"properties": {"name": "Audited"}},
                           headers=fresh.headers("admin"))
    assert r.status_code == 200
    with fresh.store.read() as conn:
        entry = conn.execute(select(audit_log.c.seq, audit_log.c.actor, audit_log.c.after)
                             .where(audit_log.c.record == "HA-000004")
                             .order_by(audit_log.c.seq.desc())).first()
    assert entry is not None and entry.actor == "web:admin" and "Audited" in entry.after
    ok = fresh.cli("audit", "verify")
    assert ok.exit_code == 0 and "intact" in ok.stdout
    with fresh.store.write() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == entry.seq)
                     .values(after='{"name": "Forged"}'))
    broken = fresh.cli("audit", "verify")
    assert broken.exit_code != 0 and f"entry {entry.seq}" in broken.stderr
    with fresh.store.write() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq = :s"), {"s": entry.seq - 1})
    assert fresh.cli("audit", "verify").exit_code != 0


def test_pages_follow_every_write(service: Service) -> None:
    """Pages served from memory show each committed write at once, whatever path made it."""
    admin = service.headers("admin")

    def page() -> dict[str, dict[str, Any]]:
        r = service.client.get("/collections/hazard_areas/items?limit=10000", headers=admin)
        return {f["id"]: f["properties"] for f in r.json()["features"]}

    before = page()
    service.client.post("/collections/hazard_areas/items", json=new_area("PAGE-1", "OPS-1"),
                        headers=admin)
    service.client.patch("/collections/hazard_areas/items/PAGE-1",
                         json={"properties": {"name": "Renamed page"}}, headers=admin)
    after = page()
    assert set(after) == set(before) | {"PAGE-1"}
    assert after["PAGE-1"]["name"] == "Renamed page"
    box = service.client.get("/collections/hazard_areas/items?bbox=36.2999,49.7999,36.3011,"
                             "49.8011", headers=admin).json()
    assert "PAGE-1" in {f["id"] for f in box["features"]}
    assert service.cli("simulate", "--days", "20").exit_code == 0  # writes from elsewhere
    with service.store.read() as conn:
        stored = {code: status for code, status in conn.execute(
            select(hazard_areas.c.code, hazard_areas.c.status))}
    assert {c: p["status"] for c, p in page().items()} == stored
    service.client.delete("/collections/hazard_areas/items/PAGE-1", headers=admin)
    assert "PAGE-1" not in page()


def test_entries_cut_off_the_end_of_the_log_are_found(fresh: Service) -> None:
    fresh.client.patch("/collections/hazard_areas/items/HA-000006",
                       json={"properties": {"name": "Last words"}},
                       headers=fresh.headers("admin"))
    assert fresh.cli("audit", "verify").exit_code == 0
    with fresh.store.write() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)"))
    cut = fresh.cli("audit", "verify")
    assert cut.exit_code != 0 and "cut off the end" in cut.stderr
