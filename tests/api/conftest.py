"""A served region on each store: the small scenario after some simulated days, with one user per
role, behind a TestClient (the real app, the real store)."""

from __future__ import annotations

import base64
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from demine.api.app import create_app
from demine.store import Store, open_store
from demine.store.accounts import add_user
from demine.store.organisations import add_organisation
from tests.conftest import BACKENDS, Cli
from tests.postgis import new_database

PASSWORDS = {"admin": "admin-pass-1", "editor": "editor-pass-1", "other": "other-pass-1",
             "qa": "qa-pass-1", "viewer": "viewer-pass-1"}
_count = itertools.count()


@dataclass
class Service:
    """The app over a store, and ways to ask it as each user."""

    client: TestClient
    store: Store
    cli: Cli

    def headers(self, user: str | None) -> dict[str, str]:
        if user is None:
            return {}
        token = base64.b64encode(f"{user}:{PASSWORDS[user]}".encode()).decode()
        return {"Authorization": f"Basic {token}"}


def build(url: str) -> Service:
    cli = Cli(url)
    assert cli("demo", "--scenario", "small", "--seed", "3").exit_code == 0
    assert cli("simulate", "--days", "60").exit_code == 0
    store = open_store(url)
    store.init()
    add_organisation(store, "OPS-9", "Another operator", "operator", "test")
    add_user(store, "admin", "admin", None, PASSWORDS["admin"], "test")
    add_user(store, "editor", "editor", "OPS-1", PASSWORDS["editor"], "test")
    add_user(store, "other", "editor", "OPS-9", PASSWORDS["other"], "test")
    add_user(store, "qa", "qa", None, PASSWORDS["qa"], "test")
    add_user(store, "viewer", "viewer", None, PASSWORDS["viewer"], "test")
    return Service(TestClient(create_app(store)), store, cli)


@pytest.fixture(scope="module", params=BACKENDS)
def service(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[Service]:
    """One served region per store and test module (tests write to distinct records)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('api') / 'served.gpkg'}"
    else:
        url = new_database(request.getfixturevalue("postgis_admin"), f"api{next(_count)}")
    svc = build(url)
    yield svc
    svc.client.close()
    svc.store.dispose()


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Service]:
    """A served region of its own (for tests that alter the audit log)."""
    svc = build(f"sqlite:///{tmp_path / 'own.gpkg'}")
    yield svc
    svc.client.close()
    svc.store.dispose()
