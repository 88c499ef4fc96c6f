"""The web application: one factory that binds the routers to a store."""

from __future__ import annotations

import os

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from demine.api import design, edit, ogc, plan, public, registry, session
from demine.api.auth import Authenticator
from demine.api.cache import FeatureCache
from demine.api.collections import COLLECTIONS
from demine.store import Store
from demine.web import routes as web


class WhoIsAsking:
    """Sets `request.state.user` from the credentials sent (401 for wrong ones).

    A plain ASGI middleware: Starlette's BaseHTTPMiddleware would cost more than a whole page
    of features does.
    """

    def __init__(self, app: ASGIApp, auth: Authenticator):
        self.app = app
        self.auth = auth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            try:
                user = self.auth.user(Request(scope))
            except HTTPException as exc:
                response = JSONResponse({"detail": exc.detail}, status_code=exc.status_code,
                                        headers=exc.headers)
                await response(scope, receive, send)
                return
            scope.setdefault("state", {})["user"] = user
        await self.app(scope, receive, send)


def create_app(store: Store) -> FastAPI:
    """The demine web service over a store (which must already hold a registry)."""
    store.require()
    store.init()  # bring the schema up to date (accounts came in a later revision)
    app = FastAPI(title="demine", version="0.1.0", docs_url="/docs",
                  openapi_url="/openapi.json")
    app.state.store = store
    app.state.auth = Authenticator(store)
    app.state.features = FeatureCache()
    app.state.nearby = public.NearbyIndex(store)
    app.state.nearby.warm()
    app.state.features.warm(store, COLLECTIONS["hazard_areas"])

    app.add_middleware(WhoIsAsking, auth=app.state.auth)
    for router in (ogc.router, edit.router, registry.router, public.router, session.router,
                   design.router, plan.router, web.router):
        app.include_router(router)
    return app


def app_from_environment() -> FastAPI:
    """The app over $DEMINE_DB, for uvicorn's worker processes (`serve --workers N`)."""
    from demine.store import open_store

    return create_app(open_store(os.environ.get("DEMINE_DB")))
