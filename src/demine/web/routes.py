"""Pages of the browser UI: the map, record pages, the dashboard, the plan and the design
calculators, with their static files."""

from __future__ import annotations

from fastapi import APIRouter

from demine.web import assets, calculators, dashboard, mapview, planview, records, reports

router = APIRouter()
for module in (assets, mapview, records, dashboard, planview, calculators, reports):
    router.include_router(module.router)
