"""A bounded schemathesis run against the OGC API document at /api: no request makes a 500."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings

from demine.api.app import create_app
from demine.store import open_store
from tests.api.conftest import PASSWORDS, build

ADMIN = "Basic " + base64.b64encode(f"admin:{PASSWORDS['admin']}".encode()).decode()


def test_no_request_makes_a_server_error(tmp_path: Path) -> None:
    svc = build(f"sqlite:///{tmp_path / 'fuzz.gpkg'}")
    svc.client.close()
    app = create_app(open_store(svc.store.url))
    schema = schemathesis.openapi.from_asgi("/api", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 40
    failures: list[str] = []
    statuses: list[int] = []
    for op in operations:
        @given(case=op.as_strategy())
        @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck),
                  database=None)
        def call(case: Any) -> None:
            response = case.call(headers={"Authorization": ADMIN})
            statuses.append(response.status_code)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path}: {response.status_code} "
                                f"{response.text[:200]}")

        call()
    assert not failures, failures[:5]
    assert len(statuses) > 3 * len(operations)  # the run did send requests
    assert any(s == 200 for s in statuses) and any(400 <= s < 500 for s in statuses)
