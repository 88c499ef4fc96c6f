"""`demine design`: every calculator prints the function's numbers, under both its names."""

from __future__ import annotations

import json
from typing import Any

import pytest

from demine import stats
from demine.stats.calculators import CALCULATORS
from tests.conftest import Cli

CASES: list[tuple[str, list[str], Any]] = [
    ("hotspot", ["--semi-major", "10", "--spacing", "20", "--shape", "0.5", "--grid",
                 "triangular"],
     stats.hotspot_detection_probability(10, 20, 0.5, "triangular")),
    ("hotspot", ["--semi-major", "10", "--spacing", "20", "--orientation", "30", "--shape",
                 "0.4"], stats.hotspot_detection_probability(10, 20, 0.4, orientation=30)),
    ("hotspot-spacing", ["--semi-major", "5", "--probability", "0.9"],
     stats.hotspot_spacing(5, 0.9)),
    ("transect", ["--semi-major", "50", "--semi-minor", "10", "--swath-width", "2",
                  "--spacing", "100"], stats.transect_traverse_probability(50, 10, 2, 100)),
    ("transect-spacing", ["--semi-major", "25", "--semi-minor", "25", "--swath-width", "1.5",
                          "--probability", "0.95"], stats.transect_spacing(25, 25, 1.5, 0.95)),
    ("zero-failure", ["--p", "0.01", "--confidence", "0.95"], 299),
    ("zero-failure", ["--p", "0.01", "--confidence", "0.95", "--lot-size", "100"], 78),
    ("iso2859", ["--lot-size", "1000", "--aql", "1.0"],
     {"code_letter": "J", "n": 80, "ac": 2, "re": 3}),
    ("iso2859", ["--lot-size", "100", "--aql", "0.4", "--level", "III"],
     {"code_letter": "G", "n": 32, "ac": 0, "re": 1}),
    ("acceptance", ["--n", "80", "--ac", "2", "--p", "0.01"],
     stats.acceptance_probability(80, 2, 0.01)),
    ("uxo-fraction", ["--max-items", "4", "--confidence", "0.95"],
     stats.uxo_fraction_needed(4, 0.95)),
    ("uxo-bound", ["--fraction-surveyed", "0.5", "--confidence", "0.95"], 4),
    ("posterior", ["--prior", "0.5", "--detection-probabilities", "0.9,0.8"],
     stats.posterior_contamination(0.5, [0.9, 0.8])),
    ("posterior", ["--prior", "0.5", "--detection-probabilities", "0.9",
                   "--detection-probabilities", "0.8"],
     stats.posterior_contamination(0.5, [0.9, 0.8])),
]


@pytest.mark.parametrize(("name", "options", "expected"), CASES)
def test_the_command_prints_the_function(tmp_path: Any, name: str, options: list[str],
                                         expected: Any) -> None:
    cli = Cli(str(tmp_path / "unused.gpkg"))
    for command in (name, CALCULATORS[name].alias):
        result = cli("design", command, *options, "--json")
        assert result.exit_code == 0, result.output
        document = json.loads(result.stdout)
        assert document["result"] == expected
        for option in options[::2]:
            assert option[2:].replace("-", "_") in document["inputs"]
    plain = cli("design", name, *options)
    assert plain.exit_code == 0 and plain.stdout.strip()
    assert not (tmp_path / "unused.gpkg").exists()


def test_defaults_are_shown_in_the_inputs(tmp_path: Any) -> None:
    result = Cli(str(tmp_path / "x.gpkg"))("design", "hotspot", "--semi-major", "5",
                                           "--spacing", "10", "--json")
    assert json.loads(result.stdout) == {
        "inputs": {"semi_major": 5.0, "spacing": 10.0, "shape": 1.0, "grid": "square",
                   "orientation": None},
        "result": stats.hotspot_detection_probability(5, 10)}


@pytest.mark.parametrize(("options", "message"), [
    (["hotspot", "--semi-major", "-1", "--spacing", "10"],
     "error: semi_major must be positive, in (0, inf) (got -1.0)"),
    (["hotspot", "--spacing", "10"], "error: semi_major is required"),
    (["hotspot", "--semi-major", "ten", "--spacing", "10"],
     "error: semi_major must be a float (got 'ten')"),
    (["hotspot", "--semi-major", "5", "--spacing", "10", "--grid", "hex"],
     "error: grid must be one of square, triangular (got 'hex')"),
    (["iso2859", "--lot-size", "1000", "--aql", "0.7"],
     "error: aql must be one of the ISO 2859-1 series"),
    (["iso2859", "--lot-size", "1", "--aql", "1.0"],
     "error: lot_size must be a whole number >= 2 (got 1)"),
    (["zero-failure", "--p", "1.5", "--confidence", "0.9"], "error: p must be in (0, 1)"),
])
def test_bad_input_is_one_line(tmp_path: Any, options: list[str], message: str) -> None:
    result = Cli(str(tmp_path / "x.gpkg"))("design", *options)
    assert result.exit_code == 1
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1, result.stderr
