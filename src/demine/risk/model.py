"""Training, left-out-unit validation, saving and applying the risk model.

LightGBM gives the ranking; its probabilities are calibrated by Platt scaling (a logistic fit of
the label on LightGBM's raw score) fitted on out-of-fold scores of the training units only: the
training units are split into at most 5 groups of whole units (GroupKFold), each scored by a model
trained on the others. Platt scaling keeps the ranking (so ROC AUC and the top-k shares are those of
LightGBM itself) and undoes the shift that `scale_pos_weight` puts on the probabilities. The
baseline is a logistic regression on standardised features with median imputation, unweighted.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.model_selection import GroupKFold, LeaveOneGroupOut, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from demine.risk.attach import EvidenceSource, prediction_features, training_index
from demine.risk.evidence import EvidenceIndex, feature_names
from demine.risk.scale import score_partitions
from demine.risk.table import (
    RiskError,
    TrainingTable,
    feature_matrix,
    numeric_problems,
    read_table,
    training_table,
)

MAX_LEAVE_ONE_OUT = 20
KFOLD_SPLITS = 10
CALIBRATION_SPLITS = 5
TOP_SHARES = (10, 20, 30)
RELIABILITY_BINS = 10
FORMAT = "demine-risk-tabular/1"


@dataclass
class Settings:
    trees: int = 100
    """100 trees of 15 leaves at a rate of 0.15 rank the RELand cells with evidence as well as 300
    of 31 at 0.05 (left-out-municipality ROC AUC 0.908 against 0.907 in a plain 19-fold run) and
    score a grid about five times faster."""
    learning_rate: float = 0.15
    num_leaves: int = 15
    min_child_samples: int = 20
    seed: int = 42
    threads: int = 1
    """LightGBM's OpenMP threads spin while they wait: on a busy machine two threads ran ten
    times slower than one, and the models here are small enough that one is quick."""

    def lightgbm(self, y: np.ndarray) -> dict[str, Any]:
        positives = float((y == 1).sum())
        negatives = float((y == 0).sum())
        return {
            "objective": "binary", "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves, "min_child_samples": self.min_child_samples,
            "scale_pos_weight": negatives / positives if positives and negatives else 1.0,
            "seed": self.seed, "num_threads": self.threads, "deterministic": True,
            "force_row_wise": True, "verbose": -1,
        }


# ---------------------------------------------------------------- models

def _booster(x: np.ndarray, y: np.ndarray, settings: Settings) -> lgb.Booster:
    data = lgb.Dataset(x, label=y, params={"verbose": -1}, free_raw_data=True)
    return lgb.train(settings.lightgbm(y), data, num_boost_round=settings.trees)


def _raw(booster: lgb.Booster, x: np.ndarray) -> np.ndarray:
    return np.asarray(booster.predict(x, raw_score=True, num_threads=1), dtype=float)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))


@dataclass
class Platt:
    slope: float
    intercept: float

    def __call__(self, raw: np.ndarray) -> np.ndarray:
        return _sigmoid(self.slope * raw + self.intercept)

    def document(self) -> dict[str, Any]:
        return {"method": "platt", "input": "lightgbm raw score",
                "formula": "1 / (1 + exp(-(slope * raw + intercept)))",
                "slope": self.slope, "intercept": self.intercept}


@dataclass
class Scorer:
    """Calibrated probabilities of a trained model: what dask sends to each partition."""

    booster: lgb.Booster
    platt: Platt

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.platt(_raw(self.booster, x))

    def score(self, x: np.ndarray, scheduler: str | None = None) -> np.ndarray:
        return score_partitions(self, x, scheduler)


def _fit_platt(raw: np.ndarray, y: np.ndarray) -> Platt:
    fit = LogisticRegression(C=1e4, max_iter=1000).fit(raw.reshape(-1, 1), y)
    return Platt(float(fit.coef_[0, 0]), float(fit.intercept_[0]))


def _calibrated_lightgbm(x: np.ndarray, y: np.ndarray, groups: np.ndarray,
                         settings: Settings) -> tuple[lgb.Booster, Platt]:
    """LightGBM on all given rows, and Platt scaling fitted on out-of-fold raw scores over whole
    units (GroupKFold, at most 5 folds)."""
    splits = min(CALIBRATION_SPLITS, len(set(groups.tolist())))
    if splits >= 2:
        folds = GroupKFold(n_splits=splits).split(x, y, groups)
    else:  # one unit only: rows in folds (calibration only; the ranking is untouched)
        folds = StratifiedKFold(n_splits=min(CALIBRATION_SPLITS, _smaller_class(y)),
                                shuffle=True, random_state=settings.seed).split(x, y)
    oof = np.zeros(len(y))
    for fit_rows, held_rows in folds:
        oof[held_rows] = _raw(_booster(x[fit_rows], y[fit_rows], settings), x[held_rows])
    return _booster(x, y, settings), _fit_platt(oof, y)


def _smaller_class(y: np.ndarray) -> int:
    return max(2, int(min((y == 1).sum(), (y == 0).sum())))


def _logistic(x: np.ndarray, y: np.ndarray, settings: Settings) -> Any:
    model = make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True),
                          StandardScaler(), LogisticRegression(max_iter=2000))
    return model.fit(x, y)


# ---------------------------------------------------------------- metrics

def _auc(y: np.ndarray, p: np.ndarray) -> float | None:
    return float(roc_auc_score(y, p)) if len(set(y.tolist())) == 2 else None


def reliability(y: np.ndarray, p: np.ndarray, bins: int = RELIABILITY_BINS) -> list[dict]:
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1], right=False), 0, bins - 1)
    curve = []
    for b in range(bins):
        inside = which == b
        n = int(inside.sum())
        curve.append({"lower": float(edges[b]), "upper": float(edges[b + 1]), "count": n,
                      "mean_predicted": float(p[inside].mean()) if n else None,
                      "observed_rate": float(y[inside].mean()) if n else None})
    return curve


def top_shares(y: np.ndarray, p: np.ndarray) -> dict[str, float | None]:
    """Of the labelled contaminated rows, the share found in the top k % of all rows (labelled or
    not: the land) ranked by probability, highest first."""
    order = np.argsort(-p, kind="stable")
    ranked = y[order]
    positives = float(np.nansum(y == 1))
    shares: dict[str, float | None] = {}
    for k in TOP_SHARES:
        n = math.ceil(k / 100 * len(p))
        shares[f"top_{k}"] = float((ranked[:n] == 1).sum() / positives) if positives else None
    return shares


def metrics(y: np.ndarray, p: np.ndarray, groups: np.ndarray) -> dict[str, Any]:
    """Pooled metrics over the left-out predictions of all rows (y NaN = unlabelled)."""
    lab = ~np.isnan(y)
    yl, pl = y[lab], p[lab]
    per_unit = {}
    for unit in sorted(set(groups.tolist())):
        rows = lab & (groups == unit)
        auc = _auc(y[rows], p[rows])
        if auc is not None:
            per_unit[unit] = auc
    return {
        "roc_auc": _auc(yl, pl),
        "pr_auc": float(average_precision_score(yl, pl)),
        "brier": float(brier_score_loss(yl, pl)),
        "top_share": top_shares(y, p),
        "reliability": reliability(yl, pl),
        "per_unit_roc_auc": per_unit,
    }


# ---------------------------------------------------------------- validation and training

def _folds(table: TrainingTable) -> tuple[str, list[tuple[np.ndarray, np.ndarray]]]:
    n = len(table.units)
    if n <= MAX_LEAVE_ONE_OUT:
        method = f"leave-one-unit-out ({n} folds, one unit left out in each)"
        splitter: Any = LeaveOneGroupOut()
    else:
        method = (f"GroupKFold: {KFOLD_SPLITS} folds of whole units ({n} units, each left out "
                  "exactly once)")
        splitter = GroupKFold(n_splits=KFOLD_SPLITS)
    return method, list(splitter.split(table.x, groups=table.groups))


def with_evidence(table: TrainingTable, index: EvidenceIndex | None,
                  left_out: set[str] | frozenset[str] = frozenset()) -> np.ndarray:
    """The feature matrix, with the evidence features where there is evidence: each row's finds
    features leave out the finds in the cells of its own unit and of the units `left_out`, so
    that every row is measured as a row of a unit never seen would be."""
    if index is None:
        return table.x
    excluded = {unit: frozenset({unit, *left_out}) for unit in table.units}
    features = index.features([excluded[unit] for unit in table.groups])
    return np.hstack([table.x, features.to_numpy(dtype=float)])


def validate(source: Path, table: TrainingTable, label: str, group: str,
             settings: Settings, index: EvidenceIndex | None = None) -> dict[str, Any]:
    method, folds = _folds(table)
    lab = table.labelled
    p_gbm = np.full(len(table.y), np.nan)
    p_log = np.full(len(table.y), np.nan)
    for train_rows, test_rows in folds:
        x = with_evidence(table, index, set(table.groups[test_rows].tolist()))
        fit = train_rows[lab[train_rows]]
        y = table.y[fit]
        if len(set(y.tolist())) < 2:
            left = ", ".join(sorted(set(table.groups[test_rows].tolist())))
            raise RiskError([f"{source}: column '{label}': with unit(s) {left} of column "
                             f"'{group}' left out, the other units' labelled rows have only one "
                             "class; the model cannot be validated"])
        booster, platt = _calibrated_lightgbm(x[fit], y, table.groups[fit], settings)
        p_gbm[test_rows] = platt(_raw(booster, x[test_rows]))
        p_log[test_rows] = _logistic(x[fit], y, settings).predict_proba(x[test_rows])[:, 1]
    return {"method": method, "folds": len(folds),
            "lightgbm": metrics(table.y, p_gbm, table.groups),
            "logistic": metrics(table.y, p_log, table.groups)}


def train(table_path: Path, label: str, group: str, out: Path, exclude: list[str],
          settings: Settings | None = None, evidence: EvidenceSource | None = None
          ) -> dict[str, Any]:
    """Validate, train the final model on all labelled rows, and write the model directory whole.
    Returns the report."""
    settings = settings or Settings()
    started = time.perf_counter()
    if out.exists() and not (out.is_dir() and ((out / "model.txt").is_file()
                                               or not any(out.iterdir()))):
        raise RiskError([f"{out}: exists and is not a risk model directory; choose another --out"])
    frame = read_table(table_path)
    table = training_table(table_path, frame, label, group, exclude)
    index = None if evidence is None else training_index(table_path, frame, table.groups,
                                                         evidence)
    validation = validate(table_path, table, label, group, settings, index)
    lab = table.labelled
    x = with_evidence(table, index)
    booster, platt = _calibrated_lightgbm(x[lab], table.y[lab], table.groups[lab], settings)
    if index is not None:
        table.features += feature_names()
        table.dtypes += ["float64"] * len(feature_names())
    seconds = time.perf_counter() - started
    report = {
        "table": str(table_path), "label": label, "group": group, "excluded": exclude,
        "rows": {"total": len(table.y), "labelled": int(lab.sum()),
                 "unlabelled": int((~lab).sum()), "positives": int((table.y == 1).sum()),
                 "negatives": int((table.y == 0).sum()), "units": len(table.units)},
        "features": table.features,
        "evidence": None if evidence is None else {
            "path": str(evidence.path), **evidence.document(),
            "left_out_in_validation": "finds (clearance outcomes) inside the cells of the unit "
                                      "left out and of each row's own unit"},
        "validation": validation,
        "models": {
            "lightgbm": {"trees": settings.trees, "learning_rate": settings.learning_rate,
                         "num_leaves": settings.num_leaves,
                         "min_child_samples": settings.min_child_samples,
                         "class_imbalance": "scale_pos_weight = negatives / positives",
                         "seed": settings.seed, "threads": settings.threads,
                         "calibration": "Platt scaling on out-of-fold raw scores of the training "
                                        f"units (GroupKFold, up to {CALIBRATION_SPLITS} folds)"},
            "logistic": "median imputation, standardised features, unweighted L2 logistic "
                        "regression (C=1)"},
        "top_share_definition": "of the labelled contaminated rows, the share in the top k % of "
                                "all rows (labelled or not) ranked by left-out probability",
        "seconds": round(seconds, 2),
    }
    _write_model(out, booster, platt, table, label, group, exclude, report,
                 None if evidence is None else evidence.document())
    return report


def _write_model(out: Path, booster: lgb.Booster, platt: Platt, table: TrainingTable,
                 label: str, group: str, exclude: list[str], report: dict[str, Any],
                 evidence: dict[str, Any] | None) -> None:
    out = out.absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        booster.save_model(str(staging / "model.txt"))
        (staging / "calibrator.json").write_text(json.dumps(platt.document(), indent=2))
        (staging / "features.json").write_text(json.dumps({
            "format": FORMAT, "label": label, "group": group, "excluded": exclude,
            "evidence": evidence,
            "features": [{"name": n, "dtype": d} for n, d in zip(table.features, table.dtypes,
                                                                   strict=True)]}, indent=2,
            ensure_ascii=False))
        (staging / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
            os.replace(out, old / "model")
            os.replace(staging, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


# ---------------------------------------------------------------- prediction

@dataclass
class Model:
    booster: lgb.Booster
    platt: Platt
    features: list[str]


def load_model(directory: Path) -> Model:
    needed = ["model.txt", "calibrator.json", "features.json"]
    missing = [name for name in needed if not (directory / name).is_file()]
    if missing:
        raise RiskError([f"{directory}: not a risk model directory (no {', '.join(missing)})"])
    try:
        meta = json.loads((directory / "features.json").read_text())
        calib = json.loads((directory / "calibrator.json").read_text())
        booster = lgb.Booster(model_file=str(directory / "model.txt"))
        features = [f["name"] for f in meta["features"]]
        platt = Platt(float(calib["slope"]), float(calib["intercept"]))
    except (json.JSONDecodeError, KeyError, TypeError, lgb.basic.LightGBMError) as exc:
        raise RiskError([f"{directory}: the risk model cannot be read: {exc}"]) from None
    return Model(booster, platt, features)


def predict(model_dir: Path, table_path: Path, out: Path, allow_missing: bool = False,
            contributions: bool = False, evidence: EvidenceSource | None = None,
            scheduler: str | None = None) -> pd.DataFrame:
    """Score every row of the table and write it with `probability` (and contributions); with
    evidence, the evidence features come from exactly the events given."""
    model = load_model(model_dir)
    given = read_table(table_path)
    table = given
    if evidence is not None:
        table = pd.concat([given, prediction_features(table_path, given, evidence)], axis=1)
    problems = []
    missing = [f for f in model.features if f not in table.columns]
    if missing and not allow_missing:
        hint = " or --evidence adds it" if evidence is None and any(
            f in feature_names() for f in missing) else ""
        problems += [f"{table_path}: column '{f}' is used by the model but missing from the table "
                     f"(--allow-missing treats it as missing values{hint})" for f in missing]
    added = ["probability"]
    if contributions:
        added += [f"contribution_{f}" for f in model.features]
    problems += [f"{table_path}: column '{c}' already exists; the prediction would overwrite it"
                 for c in added if c in given.columns]
    present = [f for f in model.features if f in table.columns]
    problems += numeric_problems(table_path, table, present)
    if problems:
        raise RiskError(problems)
    frame = table.copy()
    for name in missing:
        frame[name] = np.nan
    x = feature_matrix(frame, model.features)
    output = given.copy()
    output["probability"] = Scorer(model.booster, model.platt).score(x, scheduler)
    if contributions:
        contrib = np.asarray(model.booster.predict(x, pred_contrib=True), dtype=float)
        extra = pd.DataFrame(contrib[:, :len(model.features)], index=output.index,
                             columns=[f"contribution_{f}" for f in model.features])
        output = pd.concat([output, extra], axis=1)
    _write_csv(output, out)
    return output


def _write_csv(frame: pd.DataFrame, out: Path) -> None:
    out = out.absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(handle)
    try:
        frame.to_csv(name, index=False)
        os.replace(name, out)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
