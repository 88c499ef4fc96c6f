"""Design statistics over HTTP: every calculator at /design/NAME (query parameters named as the
function's arguments, the answer {"inputs", "result"} as the command line prints it), and the
plans for one hazard area of the registry at /design/qc/CODE and /design/ts/CODE."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse

from demine.api.auth import READ_ROLES, require
from demine.stats.calculators import CALCULATORS, REQUIRED, calculator, inputs_of
from demine.stats.proposals import qc_proposal, ts_proposal
from demine.store.hazards import UnknownRecord

router = APIRouter(prefix="/design", tags=["design"])


@router.get("", summary="The design calculators and their arguments")
def calculators() -> JSONResponse:
    return JSONResponse([
        {"name": c.name, "alias": c.alias, "summary": c.summary,
         "arguments": [{"name": p.name, "type": p.kind.__name__, "help": p.help,
                        "required": p.default is REQUIRED,
                        "default": None if p.default is REQUIRED else p.default,
                        **({"choices": list(p.choices)} if p.choices else {})}
                       for p in c.params]}
        for c in CALCULATORS.values()])


@router.get("/qc/{code}", summary="Inspection plan for a hazard area's cleared land")
def qc(request: Request, code: str, unit_m2: float = 100.0, aql: float = 1.0,
       level: str = "II") -> JSONResponse:
    require(request.state.user, READ_ROLES)
    inputs = {"hazard": code, "unit_m2": unit_m2, "aql": aql, "level": level}
    return _registry(request, inputs, lambda conn: qc_proposal(conn, code, unit_m2, aql, level))


@router.get("/ts/{code}", summary="Lane spacing for a technical survey of a hazard area")
def ts(request: Request, code: str, target_radius_m: float, swath_m: float,
       probability: float = 0.95) -> JSONResponse:
    require(request.state.user, READ_ROLES)
    inputs = {"hazard": code, "target_radius_m": target_radius_m, "swath_m": swath_m,
              "probability": probability}
    return _registry(request, inputs,
                     lambda conn: ts_proposal(conn, code, target_radius_m, swath_m, probability))


def _registry(request: Request, inputs: dict[str, Any], work: Any) -> JSONResponse:
    with request.app.state.store.read() as conn:
        try:
            result = work(conn)
        except UnknownRecord as exc:
            raise HTTPException(404, str(exc)) from None
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from None
    return JSONResponse({"inputs": inputs, "result": result})


@router.get("/{name}", summary="One design calculator")
def calculate(request: Request, name: str) -> JSONResponse:
    try:
        calc = calculator(name)
    except KeyError as exc:
        raise HTTPException(404, exc.args[0]) from None
    try:
        inputs = inputs_of(calc, request.query_params.getlist)
        result = calc.run(inputs)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None
    return JSONResponse(calc.document(inputs, result))
