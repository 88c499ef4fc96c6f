"""The registry API: field errors, ETags, idempotency keys, personal data by role, history."""

from __future__ import annotations

from sqlalchemy import func, select

from demine.store.schema import inspections, victims
from tests.api.conftest import Service


def an_activity(svc: Service) -> str:
    r = svc.client.get("/registry/activities?limit=1", headers=svc.headers("viewer"))
    return str(r.json()["records"][0]["code"])


def test_one_message_per_field(service: Service) -> None:
    r = service.client.post("/registry/inspections", headers=service.headers("qa"), json={
        "activity": an_activity(service), "inspection_date": "2025-02-30", "result": "ok",
        "sample_size": -3, "colour": "red"})
    assert r.status_code == 422
    fields = {d["field"] for d in r.json()["detail"]}
    assert fields == {"inspection_date", "result", "sample_size", "colour"}
    unknown = service.client.post("/registry/inspections", headers=service.headers("qa"), json={
        "activity": "ACT-999999", "inspection_date": "2025-05-01", "result": "passed"})
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["field"] == "activity"


def test_idempotency_key_makes_one_record(service: Service) -> None:
    with service.store.read() as conn:
        before = conn.execute(select(func.count()).select_from(inspections)).scalar_one()
    body = {"activity": an_activity(service), "inspection_date": "2025-05-02",
            "result": "failed", "sample_size": 40,
            "non_conformities": [{"severity": "major", "description": "lane left unchecked"}]}
    h = {**service.headers("qa"), "Idempotency-Key": "qc-once"}
    first = service.client.post("/registry/inspections", json=body, headers=h)
    again = service.client.post("/registry/inspections", json=body, headers=h)
    assert first.status_code == again.status_code == 201
    assert first.json()["code"] == again.json()["code"]
    assert first.json()["non_conformities"] == body["non_conformities"]
    with service.store.read() as conn:
        after = conn.execute(select(func.count()).select_from(inspections)).scalar_one()
    assert after == before + 1


def test_stale_correction_is_412(service: Service) -> None:
    h = service.headers("qa")
    made = service.client.post("/registry/inspections", headers=h, json={
        "activity": an_activity(service), "inspection_date": "2025-05-03", "result": "pending"})
    code, tag = made.json()["code"], made.headers["etag"]
    ok = service.client.patch(f"/registry/inspections/{code}", json={"result": "passed"},
                              headers={**h, "If-Match": tag})
    assert ok.status_code == 200 and ok.json()["result"] == "passed"
    assert ok.headers["etag"] != tag
    late = service.client.patch(f"/registry/inspections/{code}", json={"result": "failed"},
                                headers={**h, "If-Match": tag})
    assert late.status_code == 412
    assert service.client.get(f"/registry/inspections/{code}",
                              headers=h).json()["result"] == "passed"
    assert service.client.patch(f"/registry/inspections/{code}", json={"result": "failed"},
                                headers=service.headers("editor")).status_code == 403


def test_victims_personal_data_only_for_admin_and_qa(service: Service) -> None:
    with service.store.read() as conn:
        accident = conn.execute(select(victims.c.accident)).scalars().first()
    made = service.client.post("/registry/victims", headers=service.headers("admin"), json={
        "accident": accident, "outcome": "injured", "sex": "female", "age": 34,
        "name": "A. Person", "birth_date": "1991-04-02"})
    assert made.status_code == 201, made.text
    code = made.json()["code"]
    for user, visible in (("admin", True), ("qa", True), ("editor", False),
                          ("viewer", False)):
        record = service.client.get(f"/registry/victims/{code}",
                                    headers=service.headers(user)).json()
        assert (record["name"] == "A. Person") is visible, user
        assert (record["birth_date"] == "1991-04-02") is visible, user
        assert record["age"] == 34
    assert service.client.get("/collections/victims/items").status_code == 404


def test_hazard_history_shows_api_edits(service: Service) -> None:
    service.client.patch("/collections/hazard_areas/items/HA-000005",
                         json={"properties": {"name": "Seen in history"}},
                         headers=service.headers("admin"))
    events = service.client.get("/registry/hazard_areas/HA-000005/history",
                                headers=service.headers("viewer")).json()
    assert events[0]["event"] == "recorded"
    assert any(e["actor"] == "web:admin" and "Seen in history" in e["detail"] for e in events)
    assert service.client.get("/registry/hazard_areas/HA-000005/history").status_code == 401
