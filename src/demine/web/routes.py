"""Pages of the browser UI: the map, record pages, the dashboard and the design calculators, with
their static files."""

from __future__ import annotations

from fastapi import APIRouter

from demine.web import assets, calculators, dashboard, mapview, records

router = APIRouter()
for module in (assets, mapview, records, dashboard, calculators):
    router.include_router(module.router)
