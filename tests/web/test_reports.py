"""Reports from the web UI: linked from the dashboard and a closed area's page, made by the same
code as `demine report`, behind a login, personal data for admin and qa only (and audited)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from demine.report.output import CHROMIUM
from demine.store.schema import audit_log, hazard_areas
from tests.web.conftest import Region, log_in


def hazard(region: Region, closed: bool) -> str:
    with region.store.read() as conn:
        wanted = hazard_areas.c.status == "closed" if closed else \
            hazard_areas.c.status != "closed"
        code = conn.execute(select(hazard_areas.c.code).where(wanted)
                            .order_by(hazard_areas.c.code)).scalars().first()
    assert code, "the web region has no such hazard area"
    return str(code)


def test_reports_need_a_login(client: TestClient) -> None:
    for url in ("/reports/progress", "/reports/accidents?format=pdf", "/reports/handover/X"):
        response = client.get(url, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_dashboard_links_the_reports(client: TestClient) -> None:
    log_in(client, "viewer")
    page = client.get("/dashboard").text
    for link in ("/reports/progress?format=pdf", "/reports/progress?format=html",
                 "/reports/accidents?format=pdf", "/reports/accidents?format=html"):
        assert f'href="{link}"' in page
    assert 'name="personal"' not in page  # a viewer is not offered personal data
    log_in(client, "admin")
    assert 'name="personal"' in client.get("/dashboard").text


def test_progress_report_as_html_and_pdf(client: TestClient) -> None:
    log_in(client, "viewer")
    html = client.get("/reports/progress", params={"format": "html", "from": "2025-03-01",
                                                   "to": "2025-04-30", "admin": "ADM2-1"})
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "Land release progress report" in html.text and "Northern district" in html.text
    if not CHROMIUM.exists():
        pytest.skip("no chromium to print the PDF")
    pdf = client.get("/reports/progress", params={"format": "pdf"})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert "attachment" in pdf.headers["content-disposition"]


def test_handover_linked_from_a_closed_area(client: TestClient, region: Region) -> None:
    log_in(client, "viewer")
    closed = hazard(region, closed=True)
    page = client.get(f"/records/hazard_areas/{closed}").text
    assert f'href="/reports/handover/{closed}?format=pdf"' in page
    certificate = client.get(f"/reports/handover/{closed}", params={"format": "html"})
    assert certificate.status_code == 200
    assert "Completion and handover certificate" in certificate.text
    still_open = hazard(region, closed=False)
    assert "/reports/handover/" not in client.get(f"/records/hazard_areas/{still_open}").text
    refused = client.get(f"/reports/handover/{still_open}")
    assert refused.status_code == 400 and "is not closed" in refused.json()["detail"]
    assert client.get("/reports/handover/HA-999999").status_code == 404


@pytest.mark.parametrize("params, message", [
    ({"from": "2025-06-01", "to": "2025-01-01"}, "after it ends"),
    ({"admin": "Atlantis"}, "unknown admin unit"),
    ({"from": "soon"}, "is not a date"),
    ({"format": "docx"}, "format must be html or pdf"),
])
def test_bad_requests_are_refused(client: TestClient, params: dict[str, str],
                                  message: str) -> None:
    log_in(client, "viewer")
    for kind in ("progress", "accidents"):
        response = client.get(f"/reports/{kind}", params=params)
        assert response.status_code == 400 and message in response.json()["detail"]


def test_personal_data_for_admin_and_qa_only_and_audited(client: TestClient,
                                                         region: Region) -> None:
    log_in(client, "viewer")
    assert client.get("/reports/accidents", params={"personal": "true"}).status_code == 403
    plain = client.get("/reports/accidents")
    assert plain.status_code == 200 and "date of birth" not in plain.text
    with region.store.read() as conn:
        before = conn.execute(select(func.max(audit_log.c.seq))).scalar_one()
    log_in(client, "admin")
    personal = client.get("/reports/accidents", params={"personal": "true"})
    assert personal.status_code == 200 and "date of birth" in personal.text
    with region.store.read() as conn:
        entries = conn.execute(select(audit_log.c.actor, audit_log.c.action, audit_log.c.entity)
                               .where(audit_log.c.seq > before)).all()
    assert [tuple(e) for e in entries] == [("web:admin", "read_personal", "victims")]
