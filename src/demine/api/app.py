"""The web application: one factory that binds the routers to a store."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, Response

from demine.api import edit, ogc, public, registry, session
from demine.api.auth import Authenticator
from demine.store import Store
from demine.web import routes as web


def create_app(store: Store) -> FastAPI:
    """The demine web service over a store (which must already hold a registry)."""
    store.require()
    store.init()  # bring the schema up to date (accounts came in a later revision)
    app = FastAPI(title="demine", version="0.1.0", docs_url="/docs",
                  openapi_url="/openapi.json")
    app.state.store = store
    app.state.auth = Authenticator(store)

    @app.middleware("http")
    async def who(request: Request, call_next: Callable[[Request], Awaitable[Response]]
                  ) -> Response:
        try:
            request.state.user = app.state.auth.user(request)
        except HTTPException as exc:
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code,
                                headers=exc.headers)
        return await call_next(request)

    for router in (ogc.router, edit.router, registry.router, public.router, session.router,
                   web.router):
        app.include_router(router)
    return app


def app_from_environment() -> FastAPI:
    """The app over $DEMINE_DB, for uvicorn's worker processes (`serve --workers N`)."""
    from demine.store import open_store

    return create_app(open_store(os.environ.get("DEMINE_DB")))
