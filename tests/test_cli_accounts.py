"""Accounts from the command line: organisations, users (password on stdin), tokens."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from demine.api.app import create_app
from demine.cli import app
from demine.store import open_store


def run(db: str, *args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["--db", db, *args], input=stdin)


def test_users_tokens_and_first_admin(tmp_path: Path) -> None:
    db = str(tmp_path / "accounts.gpkg")
    assert run(db, "init").exit_code == 0
    first = run(db, "user", "first-admin")
    assert first.exit_code == 0 and "created user admin with password" in first.stdout
    password = first.stdout.split("password ")[1].split(" ")[0]
    assert run(db, "user", "first-admin").stdout == ""  # only on the first run
    assert run(db, "org", "add", "OPS-7", "Seventh Operator").exit_code == 0
    dup = run(db, "org", "add", "OPS-7", "Again")
    assert dup.exit_code != 0 and "already exists" in dup.stderr
    ok = run(db, "user", "add", "maria", "--role", "editor", "--org", "OPS-7",
             stdin="a-long-password\n")
    assert ok.exit_code == 0, ok.output
    for args, stdin, reason in (
        (("user", "add", "x", "--role", "boss"), "a-long-password\n", "boss"),
        (("user", "add", "y", "--role", "viewer"), "short\n", "at least 8"),
        (("user", "add", "z", "--role", "editor"), "a-long-password\n", "needs --org"),
        (("user", "add", "w", "--role", "editor", "--org", "NOPE"), "a-long-password\n",
         "unknown organisation"),
        (("user", "add", "maria", "--role", "viewer"), "a-long-password\n", "already exists"),
    ):
        bad = run(db, *args, stdin=stdin)
        assert bad.exit_code != 0 and reason in bad.stderr, (args, bad.stderr)
    made = run(db, "token", "create", "maria")
    assert made.exit_code == 0
    token = made.stdout.strip().splitlines()[-1]
    assert " " not in token and len(token) >= 40
    assert run(db, "token", "create", "nobody").exit_code != 0
    store = open_store(db)
    client = TestClient(create_app(store))
    me = client.get("/collections/finds/items", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert client.get("/collections/finds/items",
                      headers={"Authorization": "Bearer wrong"}).status_code == 401
    login = client.post("/login", data={"name": "admin", "password": password},
                        follow_redirects=False)
    assert login.status_code == 303
    cookie = login.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert client.post("/login", data={"name": "admin", "password": "wrong-one"},
                       follow_redirects=False).status_code == 401
    with store.read() as conn:
        hashes = [r[0] for r in conn.exec_driver_sql("SELECT token_hash FROM tokens")]
        stored = [r[0] for r in conn.exec_driver_sql("SELECT password_hash FROM users")]
    assert token not in hashes and all(h.startswith("$argon2") for h in stored)
    client.cookies.clear()
    assert run(db, "public-access", "off").exit_code == 0
    assert client.get("/collections/hazard_areas/items").status_code == 401
    assert run(db, "public-access", "on").exit_code == 0
    assert client.get("/collections/hazard_areas/items").status_code == 200
    client.close()
    store.dispose()


def test_session_writes_need_the_csrf_token(tmp_path: Path) -> None:
    db = str(tmp_path / "csrf.gpkg")
    assert run(db, "demo", "--scenario", "small").exit_code == 0
    assert run(db, "user", "add", "ana", "--role", "admin", stdin="a-long-password\n"
               ).exit_code == 0
    store = open_store(db)
    client = TestClient(create_app(store))
    client.post("/login", data={"name": "ana", "password": "a-long-password"})
    body = {"properties": {"name": "Via the browser"}}
    refused = client.patch("/collections/hazard_areas/items/HA-000001", json=body)
    assert refused.status_code == 403 and "CSRF" in refused.text
    session = client.cookies.get("demine_session")
    token = client.app.state.auth.csrf_token(session)  # type: ignore[attr-defined]
    ok = client.patch("/collections/hazard_areas/items/HA-000001", json=body,
                      headers={"X-CSRF-Token": token})
    assert ok.status_code == 200
    client.close()
    store.dispose()


def test_session_secret_is_shared_and_never_in_the_audit_log(tmp_path: Path) -> None:
    db = str(tmp_path / "secret.gpkg")
    assert run(db, "init").exit_code == 0
    store = open_store(db)
    first, second = create_app(store), create_app(store)  # two workers
    a = first.state.auth.secret
    assert a == second.state.auth.secret and len(a) == 32
    with store.read() as conn:
        logged = " ".join(str(r) for r in conn.exec_driver_sql("SELECT * FROM audit_log"))
    assert a.hex() not in logged
    store.dispose()
