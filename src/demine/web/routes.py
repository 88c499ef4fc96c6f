"""Pages of the browser UI: the map, record pages and the dashboard, with their static files."""

from __future__ import annotations

from fastapi import APIRouter

from demine.web import assets, dashboard, mapview, records

router = APIRouter()
for module in (assets, mapview, records, dashboard):
    router.include_router(module.router)
