"""Contamination risk model, tabular mode: a LightGBM model with calibrated probabilities and a
logistic-regression baseline, trained on a table of cells (one row a cell) and judged by leaving
whole units (e.g. municipalities) out."""

from demine.risk.table import RiskError

__all__ = ["RiskError"]
