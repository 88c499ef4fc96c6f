"""`demine design`: survey design and quality-control statistics from the command line.

Each statistic has a subcommand whose options are its argument names in kebab case (and a
hidden alias named after the function); `--json` prints {"inputs": {...}, "result": ...} with the
very numbers the function returns.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from typing import Annotated, Any

import typer

from demine.console import say, user_errors
from demine.stats.calculators import CALCULATORS, REQUIRED, Calculator, inputs_of

design_app = typer.Typer(help="Survey design, quality-control sampling and residual risk.",
                         no_args_is_help=True)

Json = Annotated[bool, typer.Option("--json", help="Print {inputs, result} as JSON.")]
METAVARS = {float: "NUMBER", int: "INTEGER", str: "TEXT", list: "P[,P...]"}


def _emit(as_json: bool, document: dict[str, Any], text: str) -> None:
    say(json.dumps(document) if as_json else text)


def _command(name: str, alias: str | None = None) -> Callable[[Any], Any]:
    def register(function: Any) -> Any:
        design_app.command(name)(function)
        if alias:
            design_app.command(alias, hidden=True)(function)
        return function
    return register


def _calculator_command(calc: Calculator) -> Callable[..., None]:
    """A subcommand for a calculator: its options are the arguments in kebab case, read as text
    and parsed by the calculator, so every mistake gets the same one-line error."""
    def command(**given: Any) -> None:
        as_json = given.pop("as_json")
        with user_errors():
            def texts(name: str) -> list[str]:
                value = given.get(name)
                return [] if value is None else value if isinstance(value, list) else [value]
            inputs = inputs_of(calc, texts)
            result = calc.run(inputs)
        _emit(as_json, calc.document(inputs, result), calc.read(result))

    options = []
    for param in calc.params:
        wanted = "" if param.default in (REQUIRED, None) else f" Default: {param.default}."
        metavar = "|".join(param.choices) or METAVARS[param.kind]
        options.append(inspect.Parameter(
            param.name, inspect.Parameter.KEYWORD_ONLY,
            annotation=list[str] | None if param.kind is list else str | None,
            default=typer.Option(None, f"--{param.option}", help=param.help + wanted,
                                 metavar=metavar, show_default=False)))
    options.append(inspect.Parameter("as_json", inspect.Parameter.KEYWORD_ONLY, annotation=bool,
                                     default=typer.Option(False, "--json",
                                                          help="Print {inputs, result} as JSON.")))
    command.__signature__ = inspect.Signature(options)  # type: ignore[attr-defined]
    command.__doc__ = calc.summary
    command.__name__ = calc.name.replace("-", "_")
    return command


for _calc in CALCULATORS.values():
    _command(_calc.name, _calc.alias)(_calculator_command(_calc))


@_command("qc")
def qc(
    ctx: typer.Context,
    hazard: Annotated[str, typer.Argument(help="Code of the hazard area.")],
    unit_m2: Annotated[float, typer.Option(help="Inspection unit (m2).")] = 100.0,
    aql: Annotated[float, typer.Option(help="Acceptance quality limit (ISO series).")] = 1.0,
    level: Annotated[str, typer.Option(help="Inspection level.")] = "II",
    as_json: Json = False,
) -> None:
    """A post-clearance inspection plan for a hazard area's cleared land."""
    from demine.stats.proposals import qc_proposal

    with user_errors():
        store = ctx.obj.store()
        with store.engine.connect() as conn:
            result = qc_proposal(conn, hazard, unit_m2, aql, level)
    plan = result["plan"]
    _emit(as_json, {"inputs": {"hazard": hazard, "unit_m2": unit_m2, "aql": aql, "level": level},
                    "result": result},
          f"{hazard}: {result['cleared_m2']:,.0f} m2 cleared = {result['lot_size']} units of "
          f"{unit_m2:g} m2; code letter {plan['code_letter']}: inspect "
          f"{result['inspected_units']} units ({result['inspected_m2']:,.0f} m2), accept with "
          f"{plan['ac']} or fewer defective, reject with {plan['re']} or more")


@_command("ts")
def ts(
    ctx: typer.Context,
    hazard: Annotated[str, typer.Argument(help="Code of the hazard area.")],
    target_radius_m: Annotated[float, typer.Option(help="Radius of the patch to find (m).")],
    swath_m: Annotated[float, typer.Option(help="Width searched by one lane (m).")],
    probability: Annotated[float, typer.Option(help="Probability of crossing, (0, 1).")]
    = 0.95,
    as_json: Json = False,
) -> None:
    """Lane spacing for a technical survey of a hazard area's remaining land."""
    from demine.stats.proposals import ts_proposal

    with user_errors():
        store = ctx.obj.store()
        with store.engine.connect() as conn:
            result = ts_proposal(conn, hazard, target_radius_m, swath_m, probability)
    _emit(as_json, {"inputs": {"hazard": hazard, "target_radius_m": target_radius_m,
                               "swath_m": swath_m, "probability": probability},
                    "result": result},
          f"{hazard}: lanes of {swath_m:g} m every {result['spacing_m']:.2f} m "
          f"({result['lanes']} lanes, {result['lane_length_m']:,.0f} m in all) search "
          f"{result['searched_fraction']:.1%} of {result['remaining_m2']:,.0f} m2; if they find "
          f"nothing, at most {result['if_nothing_found']['max_items_left']} items remain "
          f"(95 % confidence)")
