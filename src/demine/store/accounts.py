"""Accounts of the web service: users with roles, hashed passwords and tokens, settings.

Passwords are hashed with argon2; tokens are 32 random bytes shown once and stored as their
SHA-256 (a token is as strong as a key, so a fast hash is enough to keep a stolen table useless).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, delete, insert, select, update

from demine.model.problems import InputError, Problem
from demine.model.vocab import Role
from demine.store import audit
from demine.store.base import Store, now_iso
from demine.store.schema import organisations, settings, tokens, users

HASHER = PasswordHasher()
MIN_PASSWORD = 8


@dataclass(frozen=True)
class User:
    """Who is making a request."""

    name: str
    role: Role
    organisation: str | None

    @property
    def actor(self) -> str:
        return f"web:{self.name}"


def add_user(store: Store, name: str, role: str, organisation: str | None, password: str,
             actor: str) -> User:
    """A new account; the password is checked and hashed, never stored."""
    problems = []
    if not name or not name.strip() or ":" in name:
        problems.append(Problem(None, name, "user name must be non-empty and have no ':'"))
    parsed = Role.VIEWER
    try:
        parsed = Role(Role.parse(role).value)
    except ValueError as exc:
        problems.append(Problem(None, name, str(exc)))
    if len(password) < MIN_PASSWORD:
        problems.append(Problem(None, name, f"password must have at least {MIN_PASSWORD} "
                                            "characters"))
    if parsed == Role.EDITOR and not organisation:
        problems.append(Problem(None, name, "an editor needs --org: the organisation whose "
                                            "records they write"))
    if problems:
        raise InputError(problems)
    now = now_iso()
    with store.write() as conn:
        if conn.execute(select(users.c.name).where(users.c.name == name)).first():
            raise InputError([Problem(None, name, f"user {name!r} already exists")])
        if organisation and not conn.execute(
                select(organisations.c.code).where(organisations.c.code == organisation)).first():
            raise InputError([Problem(None, name, f"unknown organisation {organisation!r} "
                                                  "(add it with 'demine org add')")])
        row = {"name": name, "role": parsed.value, "organisation": organisation,
               "password_hash": HASHER.hash(password), "active": True, "created_at": now,
               "updated_at": now, "created_by": actor}
        conn.execute(insert(users), row)
        audit.append(conn, [audit.AuditEntry(actor, "create", "users", name, None,
                                             {"role": parsed.value,
                                              "organisation": organisation})], now)
    return User(name, parsed, organisation)


def first_admin(store: Store, actor: str) -> str | None:
    """An `admin` account with a random password when there is no account yet (else None)."""
    with store.read() as conn:
        if conn.execute(select(users.c.name).limit(1)).first():
            return None
    password = secrets.token_urlsafe(12)
    add_user(store, "admin", Role.ADMIN.value, None, password, actor)
    return password


def active_user(conn: Connection, name: str) -> tuple[User, str] | None:
    row = conn.execute(select(users.c.name, users.c.role, users.c.organisation,
                              users.c.password_hash)
                       .where(users.c.name == name, users.c.active.is_(True))).first()
    if row is None:
        return None
    return User(row.name, Role(row.role), row.organisation), row.password_hash


def check_password(conn: Connection, name: str, password: str) -> User | None:
    """The user whose password this is, or None (argon2 verification)."""
    found = active_user(conn, name)
    if found is None:
        HASHER.hash(password)  # same cost whether or not the user exists
        return None
    user, digest = found
    try:
        HASHER.verify(digest, password)
    except (VerificationError, InvalidHashError):
        return None
    return user


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(store: Store, name: str, actor: str) -> str:
    """A new bearer token for a user: returned once, kept only as its hash."""
    token = secrets.token_urlsafe(32)
    now = now_iso()
    with store.write() as conn:
        if active_user(conn, name) is None:
            raise InputError([Problem(None, name, f"unknown user {name!r}")])
        conn.execute(insert(tokens), {"user_name": name, "token_hash": token_digest(token),
                                      "created_at": now})
        audit.append(conn, [audit.AuditEntry(actor, "create", "tokens", name, None,
                                             {"user": name})], now)
    return token


def user_for_token(conn: Connection, token: str) -> User | None:
    name = conn.execute(select(tokens.c.user_name)
                        .where(tokens.c.token_hash == token_digest(token))).scalar()
    found = active_user(conn, name) if name else None
    return found[0] if found else None


def get_setting(conn: Connection, key: str, default: str) -> str:
    value = conn.execute(select(settings.c.value).where(settings.c.key == key)).scalar()
    return default if value is None else str(value)


def set_setting(store: Store, key: str, value: str, actor: str) -> None:
    now = now_iso()
    with store.write() as conn:
        before = conn.execute(select(settings.c.value).where(settings.c.key == key)).scalar()
        conn.execute(delete(settings).where(settings.c.key == key))
        conn.execute(insert(settings), {"key": key, "value": value})
        audit.append(conn, [audit.AuditEntry(actor, "update", "settings", key,
                                             {"value": before}, {"value": value})], now)


def session_secret(store: Store) -> bytes:
    """The key that signs browser sessions: made once, shared by every worker, never audited
    in clear (the audit log says only that it was made)."""
    with store.write() as conn:
        value = conn.execute(select(settings.c.value)
                             .where(settings.c.key == "session_secret")).scalar()
        if value is None:
            value = secrets.token_hex(32)
            conn.execute(insert(settings), {"key": "session_secret", "value": value})
            audit.append(conn, [audit.AuditEntry("system", "create", "settings",
                                                 "session_secret", None,
                                                 {"value": "(secret)"})], now_iso())
    return bytes.fromhex(str(value))


def deactivate(store: Store, name: str, actor: str) -> None:
    now = now_iso()
    with store.write() as conn:
        conn.execute(update(users).where(users.c.name == name).values(active=False,
                                                                       updated_at=now))
        audit.append(conn, [audit.AuditEntry(actor, "update", "users", name,
                                             {"active": True}, {"active": False})], now)
