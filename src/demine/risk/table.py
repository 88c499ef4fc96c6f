"""Reading and checking the cell table: label, group and feature columns."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

LABEL_VALUES = {0.0, 1.0, -1.0}


class RiskError(ValueError):
    """The user's table or model directory cannot be used; one problem a line."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def read_table(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise RiskError([f"{path}: no such file"])
    try:
        return pd.read_csv(path, low_memory=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RiskError([f"{path}: not a readable CSV table: {reason}"]) from None


def _example(values: pd.Series) -> str:
    text = str(values.iloc[0])
    return repr(text if len(text) <= 40 else text[:37] + "...")


def numeric_problems(source: Path, table: pd.DataFrame, columns: list[str]) -> list[str]:
    """One problem for each column that is not numeric (booleans count as numeric)."""
    problems = []
    for column in columns:
        series = table[column]
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            continue
        converted = pd.to_numeric(series, errors="coerce")
        bad = series[series.notna() & converted.isna()]
        if bad.empty:  # e.g. an all-empty object column
            continue
        problems.append(f"{source}: column '{column}' is not numeric (e.g. {_example(bad)}); "
                        f"exclude it with --exclude '{column}'")
    return problems


def feature_matrix(table: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """The features as floats, missing and infinite values as NaN."""
    if not columns:
        return np.empty((len(table), 0))
    matrix = np.column_stack([pd.to_numeric(table[c], errors="coerce").astype(float).to_numpy()
                              for c in columns])
    matrix[~np.isfinite(matrix)] = np.nan
    return matrix


@dataclass
class TrainingTable:
    """A checked table: features, labels (NaN = unlabelled) and units."""

    features: list[str]
    dtypes: list[str]
    x: np.ndarray
    y: np.ndarray          # 0, 1 or NaN for unlabelled
    groups: np.ndarray     # unit of each row, as text
    units: list[str]

    @property
    def labelled(self) -> np.ndarray:
        return ~np.isnan(self.y)


def training_table(source: Path, table: pd.DataFrame, label: str, group: str,
                   exclude: list[str]) -> TrainingTable:
    """Check the table for training; every problem found is reported at once."""
    problems = []
    for role, column in (("label", label), ("group", group)):
        if column not in table.columns:
            problems.append(f"{source}: column '{column}' (the {role} column) is not in the table")
    for column in exclude:
        if column not in table.columns:
            problems.append(f"{source}: column '{column}' given to --exclude is not in the table")
    if problems:
        raise RiskError(problems)

    raw = table[label]
    as_number = pd.to_numeric(raw, errors="coerce")
    empty = raw.isna() | raw.astype(str).str.strip().eq("")
    bad = ~empty & ~as_number.isin(list(LABEL_VALUES))
    if bad.any():
        values = ", ".join(repr(str(v)) for v in pd.unique(raw[bad])[:5])
        problems.append(f"{source}: column '{label}' (the label) must be 0, 1, -1 or empty; "
                        f"found {values} in {int(bad.sum())} row(s)")
    groups_raw = table[group]
    no_group = groups_raw.isna() | groups_raw.astype(str).str.strip().eq("")
    if no_group.any():
        problems.append(f"{source}: column '{group}' (the group) is empty in "
                        f"{int(no_group.sum())} row(s)")
    excluded = {label, group, *exclude}
    features = [c for c in table.columns if c not in excluded]
    problems += numeric_problems(source, table, features)
    if not features:
        problems.append(f"{source}: no feature columns are left once the label, group and "
                        "excluded columns are set aside")
    if problems:
        raise RiskError(problems)

    y = as_number.where(~empty & as_number.ne(-1)).astype(float).to_numpy()
    groups = groups_raw.astype(str).to_numpy()
    units = sorted(set(groups))
    labelled = ~np.isnan(y)
    for unit in units:
        if not labelled[groups == unit].any():
            problems.append(f"{source}: column '{group}': unit '{unit}' has no labelled rows "
                            f"(column '{label}' is -1 or empty in all its rows); it cannot be "
                            "left out for validation")
    if len(units) < 2:
        problems.append(f"{source}: column '{group}' has {len(units)} unit(s); the left-out-unit "
                        "validation needs at least 2")
    classes = set(y[labelled].tolist())
    if not problems and classes != {0.0, 1.0}:
        problems.append(f"{source}: column '{label}': the labelled rows need both classes "
                        f"(0 and 1); found only {sorted(int(c) for c in classes)}")
    if problems:
        raise RiskError(problems)
    dtypes = [str(table[c].dtype) for c in features]
    return TrainingTable(features, dtypes, feature_matrix(table, features), y, groups, units)
