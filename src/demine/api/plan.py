"""The plan over HTTP: the last forecast (`demine forecast`), for the plan page's curves."""

from __future__ import annotations

import json

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse

from demine.api.auth import READ_ROLES, require
from demine.store.accounts import get_setting

router = APIRouter(prefix="/plan", tags=["plan"])


@router.get("/forecast", summary="The last completion forecast, with its what-if runs")
def last_forecast(request: Request) -> JSONResponse:
    require(request.state.user, READ_ROLES)
    with request.app.state.store.read() as conn:
        text = get_setting(conn, "forecast", "")
    if not text:
        raise HTTPException(404, "no forecast yet: run demine forecast")
    return JSONResponse(json.loads(text))
