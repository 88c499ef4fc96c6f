"""`demine risk train` and `demine risk predict` on small synthetic tables."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from demine.cli import app

runner = CliRunner()
TREES = ["--trees", "30"]


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args))


def synthetic(seed: int = 0, n: int = 300, shuffle: bool = False) -> pd.DataFrame:
    """6 units; the label depends on `a` and `b`, `noise` is noise, `geometry` is text."""
    rng = np.random.default_rng(seed)
    a, b, noise = rng.normal(size=n), rng.normal(size=n), rng.normal(size=n)
    logit = 2.5 * a - 2.0 * b
    label = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    if shuffle:
        label = rng.permutation(label)
    return pd.DataFrame({
        "cell_id": np.arange(n), "unit": [f"U{i % 6}" for i in range(n)],
        "a": a, "b": b, "noise": noise, "label": label,
        "geometry": [f"POINT ({x:.3f} {y:.3f})" for x, y in zip(a, b, strict=True)],
    })


def write(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False)
    return path


def train(table: Path, out: Path, *extra: str):  # type: ignore[no-untyped-def]
    return run("risk", "train", "--table", str(table), "--label", "label", "--group", "unit",
               "--out", str(out), "--exclude", "geometry", *extra, *TREES)


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, pd.DataFrame]:
    base = tmp_path_factory.mktemp("risk")
    frame = synthetic()
    frame.loc[:29, "label"] = -1
    frame["label"] = frame["label"].astype(object)
    frame.loc[30:49, "label"] = ""
    table = write(frame, base / "cells.csv")
    model = base / "model"
    result = train(table, model, "--exclude", "cell_id")
    assert result.exit_code == 0, result.output
    assert "ROC AUC" in result.stdout and "lightgbm" in result.stdout
    return table, model, frame


def test_train_writes_model_and_report(trained: tuple[Path, Path, pd.DataFrame]) -> None:
    _, model, _ = trained
    assert {p.name for p in model.iterdir()} == {"model.txt", "calibrator.json",
                                                  "features.json", "report.json"}
    report = json.loads((model / "report.json").read_text())
    assert report["features"] == ["a", "b", "noise"]  # excluded, label and group left out
    assert report["rows"]["labelled"] == 250 and report["rows"]["unlabelled"] == 50
    assert report["rows"]["positives"] + report["rows"]["negatives"] == 250
    assert "leave-one-unit-out" in report["validation"]["method"]
    for name in ("lightgbm", "logistic"):
        m = report["validation"][name]
        assert set(m) >= {"roc_auc", "pr_auc", "brier", "reliability", "top_share",
                          "per_unit_roc_auc"}
        assert m["roc_auc"] > 0.8
        assert len(m["reliability"]) == 10
        assert set(m["top_share"]) == {"top_10", "top_20", "top_30"}
        assert 0 <= m["top_share"]["top_10"] <= m["top_share"]["top_20"] <= 1
        assert set(m["per_unit_roc_auc"]) == {f"U{i}" for i in range(6)}


def test_shuffled_label_is_near_chance(tmp_path: Path) -> None:
    table = write(synthetic(seed=3, shuffle=True), tmp_path / "t.csv")
    assert train(table, tmp_path / "m").exit_code == 0
    report = json.loads((tmp_path / "m" / "report.json").read_text())
    assert abs(report["validation"]["lightgbm"]["roc_auc"] - 0.5) < 0.12
    assert abs(report["validation"]["logistic"]["roc_auc"] - 0.5) < 0.12


def test_predict_round_trip(trained: tuple[Path, Path, pd.DataFrame], tmp_path: Path) -> None:
    table, model, frame = trained
    out = tmp_path / "p.csv"
    result = run("risk", "predict", "--model", str(model), "--table", str(table),
                 "--out", str(out), "--contributions")
    assert result.exit_code == 0, result.output
    scored = pd.read_csv(out)
    assert list(scored.columns[:len(frame.columns)]) == list(frame.columns)
    assert "probability" in scored.columns
    assert scored["probability"].between(0, 1).all() and len(scored) == len(frame)
    assert {"contribution_a", "contribution_b", "contribution_noise"} <= set(scored.columns)
    assert scored["probability"].corr(scored["a"] - scored["b"]) > 0.5


def test_predict_missing_column(trained: tuple[Path, Path, pd.DataFrame],
                                tmp_path: Path) -> None:
    _table, model, frame = trained
    thin = write(frame.drop(columns=["noise", "label", "unit"]), tmp_path / "thin.csv")
    out = tmp_path / "p.csv"
    refused = run("risk", "predict", "--model", str(model), "--table", str(thin),
                  "--out", str(out))
    assert refused.exit_code == 1
    assert "'noise'" in refused.output and not out.exists()
    allowed = run("risk", "predict", "--model", str(model), "--table", str(thin),
                  "--out", str(out), "--allow-missing")
    assert allowed.exit_code == 0, allowed.output
    assert pd.read_csv(out)["probability"].between(0, 1).all()


def test_non_numeric_feature_needs_exclude(tmp_path: Path) -> None:
    table = write(synthetic(), tmp_path / "t.csv")
    result = run("risk", "train", "--table", str(table), "--label", "label", "--group", "unit",
                 "--out", str(tmp_path / "m"), *TREES)
    assert result.exit_code == 1
    assert "column 'geometry'" in result.output and "error:" in result.output
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize("change, column", [
    (lambda f: f.drop(columns=["label"]), "label"),
    (lambda f: f.drop(columns=["unit"]), "unit"),
    (lambda f: f.assign(label=f["label"].astype(object).where(f.index != 5, "maybe")), "label"),
    (lambda f: f.assign(label=f["label"].where(f.index != 5, 2)), "label"),
    (lambda f: f.assign(label=f["label"].where(f["unit"] != "U2", -1)), "unit"),
    (lambda f: f.assign(a=f["a"].astype(object).where(f.index != 7, "high")), "a"),
])
def test_bad_input_is_refused(tmp_path: Path, change, column: str) -> None:  # type: ignore[no-untyped-def]
    table = write(change(synthetic()), tmp_path / "t.csv")
    result = train(table, tmp_path / "m")
    assert result.exit_code == 1, result.output
    assert f"column '{column}'" in result.output and "error:" in result.output
    assert not (tmp_path / "m").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]


def test_exclude_removes_features(tmp_path: Path) -> None:
    table = write(synthetic(), tmp_path / "t.csv")
    result = train(table, tmp_path / "m", "--exclude", "noise", "--exclude", "cell_id")
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "m" / "report.json").read_text())
    assert report["features"] == ["a", "b"]
    features = json.loads((tmp_path / "m" / "features.json").read_text())
    assert [f["name"] for f in features["features"]] == ["a", "b"]


def test_predict_in_partitions_matches_and_runs_on_a_cluster(
        trained: tuple[Path, Path, pd.DataFrame], tmp_path: Path) -> None:
    """Scoring in dask partitions (threads, or a distributed scheduler) gives the same
    probabilities as scoring at once."""
    from distributed import LocalCluster

    from demine.risk.model import Scorer, load_model
    from demine.risk.scale import score_partitions

    _, model_dir, _ = trained
    model = load_model(model_dir)
    scorer = Scorer(model.booster, model.platt)
    x = np.random.default_rng(5).normal(size=(1000, len(model.features)))
    whole = scorer(x)
    assert np.allclose(score_partitions(scorer, x, partition_rows=64), whole)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster:
        assert np.allclose(score_partitions(scorer, x, cluster.scheduler_address, 300), whole)
        table = tmp_path / "cells.csv"
        pd.DataFrame(x, columns=model.features).to_csv(table, index=False)
        out = tmp_path / "scored.csv"
        result = run("risk", "predict", "--model", str(model_dir), "--table", str(table),
                     "--out", str(out), "--scheduler", cluster.scheduler_address)
        assert result.exit_code == 0, result.output
        assert np.allclose(pd.read_csv(out)["probability"], whole)
