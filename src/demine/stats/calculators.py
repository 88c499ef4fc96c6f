"""The design statistics as calculators: each function with its arguments, their types, help and
defaults, so that the command line, the web service and the calculator page offer the same
functions under the same names and print the same numbers."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from demine import stats

REQUIRED = object()
"""The default of an argument that must be given."""


@dataclass(frozen=True)
class Param:
    """One argument: its name (the function's), type, help and default."""

    name: str
    kind: type
    help: str
    default: Any = REQUIRED
    choices: tuple[str, ...] = ()

    @property
    def option(self) -> str:
        """The argument's name in kebab case, as the command line spells it."""
        return self.name.replace("_", "-")


@dataclass(frozen=True)
class Calculator:
    """A design statistic offered by name, with a one-line reading of its result."""

    name: str
    function: Callable[..., Any]
    summary: str
    params: tuple[Param, ...]
    reading: str
    """How to read the result: a format string with {result}."""

    @property
    def alias(self) -> str:
        """The function's own name in kebab case, accepted beside the short name."""
        return self.function.__name__.replace("_", "-")

    def run(self, inputs: dict[str, Any]) -> Any:
        """The function's result for the inputs (a ValueError names a bad argument)."""
        return self.function(**inputs)

    def document(self, inputs: dict[str, Any], result: Any) -> dict[str, Any]:
        """{"inputs": ..., "result": ...} as the command line and the web service give it."""
        value = dataclasses.asdict(result) if isinstance(result, stats.Plan) else result
        return {"inputs": inputs, "result": value}

    def read(self, result: Any) -> str:
        if isinstance(result, stats.Plan):
            return (f"code letter {result.code_letter}: inspect {result.n}, accept with "
                    f"{result.ac} or fewer defective, reject with {result.re} or more")
        return self.reading.format(result=result)


SEMI_MAJOR = Param("semi_major", float, "Semi-major axis of the target (m).")
SEMI_MINOR = Param("semi_minor", float, "Semi-minor axis of the target area (m).")
SHAPE = Param("shape", float, "Minor / major axis of the target, in (0, 1].", 1.0)
GRID = Param("grid", str, "Grid of sampling points.", "square", ("square", "triangular"))
PROBABILITY = Param("probability", float, "Probability to reach, in (0, 1).")
SWATH = Param("swath_width", float, "Width searched by one lane (m).")
CONFIDENCE = Param("confidence", float, "Confidence, in (0, 1).")
LOT_SIZE = Param("lot_size", int, "Units in the lot (a finite lot; leave out for a large one).",
                 None)

CALCULATORS: dict[str, Calculator] = {c.name: c for c in (
    Calculator("hotspot", stats.hotspot_detection_probability,
               "Probability that a grid of sampling points hits an elliptical target "
               "(ELIPGRID).",
               (SEMI_MAJOR, Param("spacing", float, "Distance between neighbouring points (m)."),
                SHAPE, GRID,
                Param("orientation", float, "Angle of the major axis to the grid (degrees); "
                      "random when left out.", None)),
               "probability that the grid hits the target: {result:.6f}"),
    Calculator("hotspot-spacing", stats.hotspot_spacing,
               "The largest grid spacing that hits the target with the probability.",
               (SEMI_MAJOR, PROBABILITY, SHAPE, GRID), "largest grid spacing: {result:.4f}"),
    Calculator("transect", stats.transect_traverse_probability,
               "Probability that parallel lanes cross an elliptical target area.",
               (SEMI_MAJOR, SEMI_MINOR, SWATH,
                Param("spacing", float, "Distance between lane centre lines (m).")),
               "probability that the lanes cross the target: {result:.6f}"),
    Calculator("transect-spacing", stats.transect_spacing,
               "The largest lane spacing that crosses the target with the probability.",
               (SEMI_MAJOR, SEMI_MINOR, SWATH, PROBABILITY),
               "largest lane spacing: {result:.4f}"),
    Calculator("zero-failure", stats.zero_failure_sample_size,
               "The smallest sample that, with no defect found, bounds the defect rate.",
               (Param("p", float, "Defect rate to show is not exceeded, in (0, 1)."),
                CONFIDENCE, LOT_SIZE),
               "sample size (no defect allowed): {result}"),
    Calculator("iso2859", stats.iso2859_plan,
               "The ISO 2859-1 single sampling plan for normal inspection.",
               (Param("lot_size", int, "Units in the lot (at least 2)."),
                Param("aql", float, "Acceptance quality limit of the ISO series."),
                Param("level", str, "Inspection level.", "II",
                      ("I", "II", "III", "S-1", "S-2", "S-3", "S-4"))),
               "{result}"),
    Calculator("acceptance", stats.acceptance_probability,
               "Probability that a lot passes a plan (its operating characteristic).",
               (Param("n", int, "Sample size."), Param("ac", int, "Acceptance number."),
                Param("p", float, "Defect rate of the lot, in [0, 1]."), LOT_SIZE),
               "probability of acceptance: {result:.6f}"),
    Calculator("uxo-fraction", stats.uxo_fraction_needed,
               "Fraction of an area to search, finding nothing, to bound the items left.",
               (Param("max_items", int, "Most items that may remain."), CONFIDENCE),
               "fraction to search: {result:.6f}"),
    Calculator("uxo-bound", stats.uxo_upper_bound,
               "Most items that can remain after a search that found nothing.",
               (Param("fraction_surveyed", float, "Fraction searched, in (0, 1]."),
                CONFIDENCE),
               "at most {result} items remain"),
    Calculator("posterior", stats.posterior_contamination,
               "Probability that an area is still contaminated after searches that found "
               "nothing.",
               (Param("prior", float, "Probability of contamination before, in [0, 1]."),
                Param("detection_probabilities", list, "Each search's probability of finding "
                      "contamination that is there (comma-separated, or the option repeated).")),
               "probability still contaminated: {result:.6f}"),
)}
"""Every calculator by its name (the `demine design` subcommand and the /design path)."""


def calculator(name: str) -> Calculator:
    """A calculator by short name or by its function's name in kebab case."""
    for calc in CALCULATORS.values():
        if name in (calc.name, calc.alias):
            return calc
    raise KeyError(f"unknown calculator {name!r} (expected one of {', '.join(CALCULATORS)})")


def parse(param: Param, values: list[str]) -> Any:
    """An argument from its text (the command line's, a query string's), or a ValueError
    naming it."""
    if param.kind is list:
        try:
            return [float(v) for item in values for v in item.split(",") if v.strip()]
        except ValueError:
            raise ValueError(f"{param.name} must be numbers separated by commas "
                             f"(got {','.join(values)!r})") from None
    text = values[-1].strip()
    if param.choices and text not in param.choices:
        raise ValueError(f"{param.name} must be one of {', '.join(param.choices)} "
                         f"(got {text!r})")
    try:
        return param.kind(text)
    except ValueError:
        raise ValueError(f"{param.name} must be a {param.kind.__name__} (got {text!r})") \
            from None


def inputs_of(calc: Calculator, given: Callable[[str], list[str]]) -> dict[str, Any]:
    """Every argument of `calc`, parsed from `given(name)` (a list of texts, empty when the
    argument was left out) or its default; a ValueError names the first missing or bad one."""
    inputs: dict[str, Any] = {}
    for param in calc.params:
        values = given(param.name)
        if values:
            inputs[param.name] = parse(param, values)
        elif param.default is REQUIRED:
            raise ValueError(f"{param.name} is required ({param.help})")
        else:
            inputs[param.name] = param.default
    return inputs
