"""Who is asking: session cookies for the browser, bearer tokens for scripts, HTTP Basic for GIS.

QGIS 3.22 can send credentials only through its authentication manager's Basic method, and it
pages through a layer with many requests: a Basic credential verified with argon2 is remembered
for a minute (keyed by its SHA-256, never kept in clear) so paging does not pay the hash each time.
Cookie sessions are HMAC-signed, HttpOnly and SameSite=Lax; a write through a session also needs
the CSRF token of that session.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
from dataclasses import dataclass, field

from fastapi import HTTPException, Request

from demine.model.vocab import Role
from demine.store import Store
from demine.store.accounts import (
    User,
    active_user,
    check_password,
    session_secret,
    user_for_token,
)

SESSION_COOKIE = "demine_session"
SESSION_SECONDS = 12 * 3600
BASIC_CACHE_SECONDS = 60.0
READ_ROLES = frozenset(Role)
WRITE_ROLES = frozenset({Role.ADMIN, Role.EDITOR})


@dataclass
class Authenticator:
    """Checks credentials against the store, with the session secret and the Basic cache."""

    store: Store
    secret: bytes = b""
    _basic: dict[str, tuple[User, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.secret = session_secret(self.store)

    def sign(self, text: str) -> str:
        return hmac.new(self.secret, text.encode(), hashlib.sha256).hexdigest()

    def session_value(self, user: User) -> str:
        expires = int(time.time()) + SESSION_SECONDS
        body = f"{user.name}|{expires}"
        return f"{body}|{self.sign(body)}"

    def csrf_token(self, session: str) -> str:
        return self.sign("csrf:" + session)

    def from_session(self, value: str) -> User | None:
        try:
            name, expires, mac = value.rsplit("|", 2)
        except ValueError:
            return None
        if not hmac.compare_digest(mac, self.sign(f"{name}|{expires}")):
            return None
        if not expires.isdigit() or int(expires) < time.time():
            return None
        with self.store.read() as conn:
            found = active_user(conn, name)
        return found[0] if found else None

    def from_basic(self, encoded: str) -> User | None:
        key = hashlib.sha256(encoded.encode()).hexdigest()
        now = time.monotonic()
        with self._lock:
            cached = self._basic.get(key)
            if cached and cached[1] > now:
                return cached[0]
        try:
            name, password = base64.b64decode(encoded).decode().split(":", 1)
        except (ValueError, UnicodeDecodeError):
            return None
        with self.store.read() as conn:
            user = check_password(conn, name, password)
        if user is not None:
            with self._lock:
                self._basic[key] = (user, now + BASIC_CACHE_SECONDS)
        return user

    def from_token(self, token: str) -> User | None:
        with self.store.read() as conn:
            return user_for_token(conn, token)

    def login(self, name: str, password: str) -> User | None:
        with self.store.read() as conn:
            return check_password(conn, name, password)

    def user(self, request: Request) -> User | None:
        """The request's user: from its Authorization header, else its session cookie."""
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and value:
            return self._or_401(self.from_token(value.strip()))
        if scheme.lower() == "basic" and value:
            return self._or_401(self.from_basic(value.strip()))
        cookie = request.cookies.get(SESSION_COOKIE)
        return self.from_session(cookie) if cookie else None

    @staticmethod
    def _or_401(user: User | None) -> User:
        if user is None:
            raise HTTPException(401, "invalid credentials",
                                headers={"WWW-Authenticate": 'Basic realm="demine"'})
        return user

    def check_csrf(self, request: Request, sent: str | None) -> None:
        """A write through a session cookie must carry that session's CSRF token."""
        if request.headers.get("authorization"):
            return
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie and not (sent and hmac.compare_digest(sent, self.csrf_token(cookie))):
            raise HTTPException(403, "missing or wrong CSRF token")


def require(user: User | None, roles: frozenset[Role]) -> User:
    """401 without a login, 403 for a role that may not do this."""
    if user is None:
        raise HTTPException(401, "log in to do this",
                            headers={"WWW-Authenticate": 'Basic realm="demine"'})
    if user.role not in roles:
        raise HTTPException(403, f"the {user.role.value} role may not do this")
    return user
