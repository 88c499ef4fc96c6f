"""The survey-design calculators page: one form per calculator of `demine.stats.calculators`,
and the two plans for a hazard area of the registry (quality control, technical survey lanes).

The forms are rendered from CALCULATORS and from the web service's own /design handlers, so the
page offers the same arguments, types and defaults as the service and the command line. Its
script sends a form to /design/... and shows the answer; nothing is computed in the browser.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from demine import stats
from demine.api import design
from demine.api.auth import READ_ROLES
from demine.stats.calculators import CALCULATORS, REQUIRED, Calculator, Param
from demine.web.pages import current_user, render

router = APIRouter()

SHARES = frozenset({"hotspot", "transect", "acceptance", "uxo-fraction", "posterior"})
"""Calculators whose result is a probability or a fraction: shown with 4 decimals and in %."""
METRES = frozenset({"hotspot-spacing", "transect-spacing"})
"""Calculators whose result is a length in metres."""
RESULT = re.compile(r"\{result(?:[!:][^}]*)?\}")


@dataclass(frozen=True)
class Input:
    """One input of a calculator's form."""

    name: str
    kind: str
    """"number" (a float), "integer", "select", "list" or "text"."""
    help: str
    required: bool
    value: str
    choices: tuple[str, ...] = ()
    title: str = ""
    """The label, when not the name with spaces for underscores."""

    @property
    def label(self) -> str:
        return self.title or self.name.replace("_", " ")


@dataclass(frozen=True)
class Form:
    """A calculator as the page shows it: its form and how to read its answer."""

    id: str
    title: str
    summary: str
    url: str
    """The API path; a {name} in it is filled from the input of that name."""
    inputs: tuple[Input, ...]
    shows: str
    """How the script shows the result: "probability", "metres", "integer", "number", "plan",
    "qc" or "ts"."""
    before: str = ""
    after: str = ""
    """The calculator's reading around its result ("largest grid spacing: " ...)."""


def _text(value: Any) -> str:
    return "" if value is None or value is REQUIRED else str(value)


def input_of(param: Param) -> Input:
    if param.choices:
        kind = "select"
    elif param.kind is list:
        kind = "list"
    else:
        kind = {float: "number", int: "integer"}.get(param.kind, "text")
    return Input(param.name, kind, param.help, param.default is REQUIRED, _text(param.default),
                 param.choices)


def shown_as(calc: Calculator) -> str:
    try:
        returns = typing.get_type_hints(calc.function).get("return")
    except (NameError, TypeError):  # an annotation that does not resolve: show it as a number
        returns = None
    if returns is stats.Plan:
        return "plan"
    if returns is int:
        return "integer"
    if calc.name in SHARES:
        return "probability"
    return "metres" if calc.name in METRES else "number"


def calculator_form(calc: Calculator) -> Form:
    found = RESULT.search(calc.reading)
    before, after = ((calc.reading[:found.start()], calc.reading[found.end():]) if found
                     else (calc.reading, ""))
    return Form(calc.name, calc.name, calc.summary, f"/design/{calc.name}",
                tuple(input_of(p) for p in calc.params), shown_as(calc), before, after)


HAZARD = Input("hazard", "text", "Code of the hazard area, as in the registry (HA-000001).",
               True, "", title="hazard code")
LEVELS = next(p.choices for p in CALCULATORS["iso2859"].params if p.name == "level")


def handler_inputs(handler: Callable[..., Any], described: dict[str, tuple[str, str]],
                   choices: dict[str, tuple[str, ...]]) -> tuple[Input, ...]:
    """The query parameters of a /design handler as inputs, with its types and defaults;
    `described` gives each its label and help."""
    hints = typing.get_type_hints(handler)
    inputs = []
    for p in inspect.signature(handler).parameters.values():
        if p.name in ("request", "code"):
            continue
        label, text = described[p.name]
        default = REQUIRED if p.default is inspect.Parameter.empty else p.default
        param = Param(p.name, hints[p.name], text, default, choices.get(p.name, ()))
        inputs.append(dataclasses.replace(input_of(param), title=label))
    return tuple(inputs)


QC = Form("qc", "Quality control of a cleared area",
          "The ISO 2859-1 inspection plan for a hazard area's cleared land, divided into "
          "inspection units (the lot), with the chance that the lot passes.",
          "/design/qc/{hazard}",
          (HAZARD, *handler_inputs(design.qc, {
              "unit_m2": ("unit m²", "Area of one inspection unit (m²)."),
              "aql": ("AQL", "Acceptance quality limit of the ISO series (% defective)."),
              "level": ("level", "Inspection level.")}, {"level": LEVELS})),
          "qc")
TS = Form("ts", "Technical survey lanes",
          "Lane spacing for a technical survey of a hazard area's remaining land, so that the "
          "lanes cross a circular contaminated patch with the probability.",
          "/design/ts/{hazard}",
          (HAZARD, *handler_inputs(design.ts, {
              "target_radius_m": ("target radius m", "Radius of the contaminated patch to find "
                                  "(m)."),
              "swath_m": ("swath m", "Width searched by one lane (m)."),
              "probability": ("probability", "Probability that the lanes cross the patch, "
                              "in (0, 1).")}, {})),
          "ts")
REGISTRY_FORMS = (QC, TS)


def calculator_forms() -> list[Form]:
    """A form per calculator, in the order of CALCULATORS."""
    return [calculator_form(c) for c in CALCULATORS.values()]


@router.get("/calculators", include_in_schema=False)
def calculators_page(request: Request) -> Response:
    """Open to all, like /design; the registry's plans need a login, like their API."""
    user = current_user(request)
    return render(request, "calculators.html", forms=calculator_forms(),
                  registry=REGISTRY_FORMS, may_read=user is not None and user.role in READ_ROLES)
