"""Logging in and out of the browser UI (a signed, HttpOnly, SameSite session cookie)."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from demine.api.auth import SESSION_COOKIE, SESSION_SECONDS
from demine.api.html import render

router = APIRouter()


def safe_next(target: str | None) -> str:
    """Only local paths, so the login form cannot send people elsewhere."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/map"


@router.get("/login", include_in_schema=False)
def login_form(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", next=safe_next(next), error=None)


@router.post("/login", include_in_schema=False)
def login(request: Request, name: str = Form(...), password: str = Form(...),
          next: str = Form("/map")) -> Response:
    auth = request.app.state.auth
    user = auth.login(name, password)
    if user is None:
        return render(request, "login.html", status=401, next=safe_next(next),
                      error="unknown user or wrong password")
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, auth.session_value(user), max_age=SESSION_SECONDS,
                        httponly=True, samesite="lax", path="/")
    return response


@router.get("/logout", include_in_schema=False)
def logout() -> Response:
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
