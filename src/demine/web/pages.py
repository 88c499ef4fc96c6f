"""What every page of the browser UI shares: templates, the login gate and the CSRF token.

The pages extend the web service's own `base.html`, so the header and its links live in one
place; this package's templates come first in the search path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from demine.api.auth import SESSION_COOKIE, WRITE_ROLES
from demine.api.collections import COLLECTIONS, Collection
from demine.store.accounts import User, get_setting

HERE = Path(__file__).parent
API_TEMPLATES = HERE.parent / "api" / "templates"

TEMPLATES = Environment(
    loader=ChoiceLoader([FileSystemLoader(HERE / "templates"), FileSystemLoader(API_TEMPLATES)]),
    autoescape=select_autoescape(["html"]),
)


def csrf_token(request: Request) -> str | None:
    """The token a write through this session must send (None without a session cookie)."""
    cookie = request.cookies.get(SESSION_COOKIE)
    return request.app.state.auth.csrf_token(cookie) if cookie else None


def current_user(request: Request) -> User | None:
    return getattr(request.state, "user", None)


def may_write(user: User | None) -> bool:
    return user is not None and user.role in WRITE_ROLES


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page of this package, with the user and the CSRF token every page carries."""
    page = TEMPLATES.get_template(name).render(
        request=request, user=current_user(request), csrf_token=csrf_token(request), **context)
    return HTMLResponse(page, status_code=status)


def login_redirect(request: Request) -> Response | None:
    """A redirect to the login form (coming back here after) when nobody is logged in."""
    if current_user(request) is not None:
        return None
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)


def visible_collections(request: Request) -> list[Collection]:
    """Collections the asker may read: all with a login, else the public ones if allowed."""
    if current_user(request) is not None:
        return list(COLLECTIONS.values())
    with request.app.state.store.read() as conn:
        if get_setting(conn, "public_read", "on") != "on":
            return []
    return [c for c in COLLECTIONS.values() if c.public]
