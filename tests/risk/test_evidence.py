"""Evidence features from an event file: the measures themselves, the clearance outcomes left out
of a left-out unit's features, and `--evidence` on `risk train` and `risk predict`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from demine.cli import app
from demine.plan.instance import haversine_km
from demine.risk.evidence import RADII_KM, Events, EvidenceIndex, cell_units, feature_names

runner = CliRunner()
CELL = 0.009
TYPE_OF = {"accident": "1", "find": "4", "suspicion": "8", "presence": "5"}


def event_file(path: Path, events: list[tuple[str, float, float]]) -> Path:
    """A GeoJSON file in the layout of the shared Colombian events."""
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                 "properties": {"TIPO_EVENTO": TYPE_OF[kind], "AÑO": "2010",
                                "MUNICIPIO": "X", "DEPARTAMENTO": "Y", "TIPO_AREA": "Rural"}}
                for kind, lon, lat in events]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def test_measures_match_brute_force() -> None:
    rng = np.random.default_rng(3)
    kinds = np.array(["accident", "find", "suspicion", "presence"])[rng.integers(0, 4, 300)]
    events = Events(-75 + rng.random(300) * 0.3, 6 + rng.random(300) * 0.3, kinds)
    lon, lat = -75 + rng.random(50) * 0.3, 6 + rng.random(50) * 0.3
    table = EvidenceIndex(events, lon, lat).features()
    assert list(table.columns) == feature_names()
    for kind in ("accident", "find", "suspicion", "presence"):
        mine = events.kind == kind
        for i in range(len(lon)):
            km = haversine_km(lon[i], lat[i], events.lon[mine], events.lat[mine])
            assert table[f"ev_{kind}_dist_km"][i] == pytest.approx(km.min(), rel=1e-6)
            for radius in RADII_KM:
                assert table[f"ev_{kind}_n_{radius:g}km"][i] == (km <= radius).sum()


def test_finds_of_units_left_out_are_not_counted() -> None:
    # two cells of unit A and one of unit B; a find in each cell and one outside every cell
    lon, lat = np.array([0.0, 0.009, 0.5]), np.zeros(3)
    units = np.array(["A", "A", "B"])
    events = Events(np.array([0.001, 0.0095, 0.5, 0.2]), np.array([0.001, 0.0, 0.004, 0.0]),
                    np.array(["find"] * 4))
    held = cell_units(events, lon, lat, units, CELL)
    assert held == [frozenset({"A"}), frozenset({"A"}), frozenset({"B"}), frozenset()]
    index = EvidenceIndex(events, lon, lat, held)
    everything = index.features()
    assert everything["ev_find_n_10km"].tolist() == [2, 2, 1]
    without_a = index.features([frozenset({"A"})] * 3)
    assert without_a["ev_find_n_10km"].tolist() == [0, 0, 1]
    # the nearest find left for unit A's cells is the one outside every cell, 0.2 degrees away
    assert without_a["ev_find_dist_km"][0] == pytest.approx(
        haversine_km(0.0, 0.0, 0.2, 0.0), rel=1e-6)


def separated_units(seed: int = 0) -> tuple[pd.DataFrame, list[tuple[str, float, float]]]:
    """Six units far apart, 60 cells each. A cell is contaminated at random; every contaminated
    cell holds a find (the outcome of its clearance) and nothing else tells them apart, except
    the suspicion reports near half of them when `suspicion` is asked for."""
    rng = np.random.default_rng(seed)
    rows, events = [], []
    for u in range(6):
        for i in range(60):
            lon, lat = -75 + u * 1.0 + (i % 10) * CELL, 6 + (i // 10) * CELL
            label = int(rng.random() < 0.4)
            rows.append({"unit": f"U{u}", "x": lon, "y": lat, "noise": rng.normal(),
                         "label": label})
            if label:
                events.append(("find", lon + 0.001, lat - 0.001))
    return pd.DataFrame(rows), events


def train_args(table: Path, out: Path, events: Path, *extra: str) -> list[str]:
    return ["risk", "train", "--table", str(table), "--label", "label", "--group", "unit",
            "--out", str(out), "--exclude", "x", "--exclude", "y", "--evidence", str(events),
            "--lon", "x", "--lat", "y", "--cell-deg", str(CELL), "--trees", "30", *extra]


def test_validation_never_sees_the_left_out_units_finds(tmp_path: Path) -> None:
    frame, events = separated_units()
    table = tmp_path / "cells.csv"
    frame.to_csv(table, index=False)
    result = runner.invoke(app, train_args(table, tmp_path / "model",
                                           event_file(tmp_path / "ev.json", events)))
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "model" / "report.json").read_text())
    assert "ev_find_n_1km" in report["features"]
    # the finds would give the label away; left out, the model is no better than chance
    assert report["validation"]["lightgbm"]["roc_auc"] < 0.65
    assert "unit left out" in report["evidence"]["left_out_in_validation"]


def test_evidence_informs_and_predict_uses_the_events_given(tmp_path: Path) -> None:
    frame, events = separated_units(1)
    contaminated = frame[frame["label"] == 1]
    events += [("suspicion", x, y) for x, y in zip(contaminated["x"], contaminated["y"],
                                                   strict=True)][::2]
    events += [("accident", x + 0.002, y) for x, y in zip(contaminated["x"],
                                                          contaminated["y"], strict=True)][1::2]
    table = tmp_path / "cells.csv"
    frame.to_csv(table, index=False)
    evidence = event_file(tmp_path / "ev.json", events)
    model = tmp_path / "model"
    result = runner.invoke(app, train_args(table, model, evidence))
    assert result.exit_code == 0, result.output
    assert "evidence:" in result.stdout
    report = json.loads((model / "report.json").read_text())
    assert report["validation"]["lightgbm"]["roc_auc"] > 0.8

    unseen = frame[frame["unit"] == "U0"].drop(columns=["label"])
    unseen_path = tmp_path / "unseen.csv"
    unseen.to_csv(unseen_path, index=False)
    out = tmp_path / "scored.csv"
    result = runner.invoke(app, ["risk", "predict", "--model", str(model), "--table",
                                 str(unseen_path), "--out", str(out), "--evidence",
                                 str(evidence), "--lon", "x", "--lat", "y"])
    assert result.exit_code == 0, result.output
    scored = pd.read_csv(out)
    assert list(scored.columns) == [*unseen.columns, "probability"]
    truth = frame[frame["unit"] == "U0"]["label"].to_numpy()
    assert scored["probability"][truth == 1].mean() > scored["probability"][truth == 0].mean()

    # without the events, the model's evidence columns are missing: named, with the way out
    result = runner.invoke(app, ["risk", "predict", "--model", str(model), "--table",
                                 str(unseen_path), "--out", str(tmp_path / "no.csv")])
    assert result.exit_code != 0
    assert "ev_suspicion_dist_km" in result.output and "--evidence" in result.output
    assert not (tmp_path / "no.csv").exists()


def test_evidence_options_are_checked(tmp_path: Path) -> None:
    frame, events = separated_units()
    table = tmp_path / "cells.csv"
    frame.to_csv(table, index=False)
    evidence = event_file(tmp_path / "ev.json", events)
    base = ["risk", "train", "--table", str(table), "--label", "label", "--group", "unit",
            "--out", str(tmp_path / "m"), "--evidence", str(evidence)]
    result = runner.invoke(app, [*base, "--lon", "x"])
    assert result.exit_code != 0 and "--lat" in result.output
    result = runner.invoke(app, [*base, "--lon", "x", "--lat", "northing"])
    assert result.exit_code != 0 and "'northing'" in result.output
    result = runner.invoke(app, [*base[:-2], "--lon", "x", "--lat", "y"])
    assert result.exit_code != 0 and "--evidence" in result.output
    result = runner.invoke(app, [*base[:-1], str(tmp_path / "nowhere"), "--lon", "x",
                                 "--lat", "y"])
    assert result.exit_code != 0 and "nowhere" in result.output
    assert not (tmp_path / "m").exists()
