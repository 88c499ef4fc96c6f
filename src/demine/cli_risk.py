"""`demine risk`: the contamination risk model, tabular mode (train with left-out-unit validation,
then predict)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from demine.console import fail, say, user_errors
from demine.risk.attach import DEFAULT_MAPPING, EvidenceSource
from demine.risk.evidence import DEFAULT_CELL_DEG
from demine.risk.model import Settings, predict, train
from demine.risk.table import RiskError

risk_app = typer.Typer(
    help="Contamination risk model: on a table of cells, or a map from the registry.",
    no_args_is_help=True)

EvidenceOption = Annotated[Path | None, typer.Option(
    "--evidence", help="Event file or directory (accidents, finds, suspicion reports ...) to add "
    "evidence features from.")]
MappingOption = Annotated[str, typer.Option(
    "--evidence-mapping", help="Interchange mapping of the events: a shipped name or a TOML file.")]
LonOption = Annotated[str | None, typer.Option("--lon", help="Column of each row's longitude.")]
LatOption = Annotated[str | None, typer.Option("--lat", help="Column of each row's latitude.")]
SchedulerOption = Annotated[str | None, typer.Option(
    "--scheduler", help="Address of a dask.distributed scheduler (tcp://host:8786) to score on; "
    "default: local threads.")]
CellOption = Annotated[float, typer.Option(
    "--cell-deg", help="Side of each row's cell in degrees: the finds inside a left-out unit's "
    "cells are left out of its features.")]


def _evidence(path: Path | None, mapping: str, lon: str | None, lat: str | None,
              cell_deg: float) -> EvidenceSource | None:
    if path is None:
        for option, value in (("--lon", lon), ("--lat", lat)):
            if value is not None:
                raise fail([f"error: {option} is only used with --evidence"])
        return None
    return EvidenceSource(path, mapping, lon, lat, cell_deg)


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def report_lines(report: dict[str, Any], out: Path) -> list[str]:
    rows = report["rows"]
    validation = report["validation"]
    lines = [
        f"table: {report['table']}  label: '{report['label']}'  group: '{report['group']}'",
        f"rows: {rows['total']} (labelled {rows['labelled']}: {rows['positives']} positive, "
        f"{rows['negatives']} negative; unlabelled {rows['unlabelled']}); units: {rows['units']}",
        f"features ({len(report['features'])}): " + ", ".join(report["features"]),
        *([] if not report.get("evidence") else [
            f"evidence: {report['evidence']['path']} (mapping {report['evidence']['mapping']}); "
            "left out in validation: " + report["evidence"]["left_out_in_validation"]]),
        f"validation: {validation['method']}; metrics pooled over all left-out predictions",
        "",
        f"{'model':<24}{'ROC AUC':>9}{'PR AUC':>9}{'Brier':>9}{'top 10%':>9}{'top 20%':>9}"
        f"{'top 30%':>9}",
    ]
    names = {"lightgbm": "lightgbm (calibrated)", "logistic": "logistic baseline"}
    for key, name in names.items():
        m = validation[key]
        top = m["top_share"]
        lines.append(f"{name:<24}{_number(m['roc_auc']):>9}{_number(m['pr_auc']):>9}"
                     f"{_number(m['brier']):>9}{_number(top['top_10']):>9}"
                     f"{_number(top['top_20']):>9}{_number(top['top_30']):>9}")
    lines.append("(top k%: share of the labelled contaminated rows in the top k % of all rows "
                 "ranked by probability)")
    lines += ["", "reliability (lightgbm, 10 bins): bin  count  mean predicted  observed rate"]
    for b in validation["lightgbm"]["reliability"]:
        if b["count"]:
            lines.append(f"  {b['lower']:.1f}-{b['upper']:.1f}  {b['count']:>6}  "
                         f"{_number(b['mean_predicted']):>14}  {_number(b['observed_rate']):>13}")
    lines += ["", "per-unit ROC AUC (units with both classes): unit  lightgbm  logistic"]
    gbm = validation["lightgbm"]["per_unit_roc_auc"]
    log = validation["logistic"]["per_unit_roc_auc"]
    for unit in gbm:
        lines.append(f"  {unit}  {_number(gbm[unit])}  {_number(log.get(unit))}")
    lines += ["", f"model saved to {out} (report in {out / 'report.json'}); "
              f"{report['seconds']:.1f} s"]
    return lines


@risk_app.command("train")
def train_command(
    table: Annotated[Path, typer.Option("--table", help="CSV table, one row a cell.")],
    label: Annotated[str, typer.Option("--label", help="Label column: 1, 0, -1 or empty.")],
    group: Annotated[str, typer.Option("--group", help="Unit column (left out whole).")],
    out: Annotated[Path, typer.Option("--out", help="Model directory to write.")],
    exclude: Annotated[list[str] | None, typer.Option(
        "--exclude", help="Column not to use as a feature (repeatable).")] = None,
    evidence: EvidenceOption = None,
    evidence_mapping: MappingOption = DEFAULT_MAPPING,
    lon: LonOption = None,
    lat: LatOption = None,
    cell_deg: CellOption = DEFAULT_CELL_DEG,
    trees: Annotated[int, typer.Option("--trees", hidden=True, min=1)] = 100,
) -> None:
    """Validate by leaving whole units out, then train on all labelled rows and save the model."""
    source = _evidence(evidence, evidence_mapping, lon, lat, cell_deg)
    with user_errors():
        try:
            report = train(table, label, group, out, list(exclude or []), Settings(trees=trees),
                           source)
        except RiskError as exc:
            raise fail([f"error: {p}" for p in exc.problems]) from None
    for line in report_lines(report, out):
        say(line)


@risk_app.command("predict")
def predict_command(
    model: Annotated[Path, typer.Option("--model", help="Model directory from `risk train`.")],
    table: Annotated[Path, typer.Option("--table", help="CSV table, one row a cell.")],
    out: Annotated[Path, typer.Option("--out", help="CSV to write: the input plus probability.")],
    allow_missing: Annotated[bool, typer.Option(
        "--allow-missing", help="Treat model columns missing from the table as missing values."
    )] = False,
    contributions: Annotated[bool, typer.Option(
        "--contributions", help="Add contribution_<feature> columns (LightGBM, log-odds).")
    ] = False,
    evidence: EvidenceOption = None,
    evidence_mapping: MappingOption = DEFAULT_MAPPING,
    lon: LonOption = None,
    lat: LatOption = None,
    scheduler: SchedulerOption = None,
) -> None:
    """Score every row: the output keeps every input column and adds `probability`."""
    source = _evidence(evidence, evidence_mapping, lon, lat, DEFAULT_CELL_DEG)
    with user_errors():
        try:
            frame = predict(model, table, out, allow_missing, contributions, source, scheduler)
        except RiskError as exc:
            raise fail([f"error: {p}" for p in exc.problems]) from None
    say(f"{len(frame)} rows scored; written to {out}")


def _validation_line(name: str, metrics: dict[str, Any]) -> str:
    top = metrics["top_share"]
    return (f"  {name:<22} ROC AUC {_number(metrics['roc_auc'])}  PR AUC "
            f"{_number(metrics['pr_auc'])}  top 10/20/30 %: {_number(top['top_10'])} / "
            f"{_number(top['top_20'])} / {_number(top['top_30'])}")


def map_lines(report: dict[str, Any]) -> list[str]:
    lines = [f"risk map as of {report['as_of']}: {report['cells']:,} cells of "
             f"{report['cell_m']:g} m written to the store (layer risk_cells); "
             f"{report['hazard_areas']:,} hazard areas scored (mean and maximum risk); "
             f"{report['seconds']:.1f} s",
             "labels (" + f"{report['labelled']:,} cells, {report['positives']:,} contaminated): "
             + "; ".join(f"{k} {v:,}" for k, v in report["labels"].items())]
    validation = report["validation"]
    if validation is None:
        lines.append("validation: not possible (labelled cells in fewer than two admin units, "
                     "or one class only once a unit is left out)")
    else:
        units = report["units"]
        named = ", ".join(units) if len(units) <= 8 else f"{len(units)} of them"
        lines.append(f"validation: {validation['method']}; {report['unit_kind']}: {named}")
        lines.append(_validation_line("lightgbm (calibrated)", validation["lightgbm"]))
        lines.append(_validation_line("logistic baseline", validation["logistic"]))
    truth = report.get("truth")
    if truth:
        survey = truth["survey"]
        searched = survey["km2_searched_for_90pct"]
        lines += [
            f"simulator truth: {truth['contaminated_cells']:,} contaminated cells; ROC AUC "
            f"{_number(truth['all_cells']['roc_auc'])} over all cells, "
            f"{_number(truth['suspected_land']['roc_auc'])} within suspected land",
            f"survey to find 90 % of the {survey['contaminated_cells_in_suspected_land']:,} "
            f"contaminated cells of {survey['suspected_land_km2']:,.1f} km2 of suspected land: "
            f"by risk {searched['by_risk']:,.1f} km2, by recorded priority "
            f"{searched['by_priority']:,.1f} km2, at random {searched['random_median']:,.1f} km2 "
            f"(knowing the truth: {searched['ideal']:,.1f} km2)"]
    return lines


@risk_app.command("map")
def map_command(
    ctx: typer.Context,
    cell_m: Annotated[float, typer.Option(
        "--cell-m", help="Side of the grid's cells in metres (100 to 1000).")] = 250.0,
    as_of: Annotated[str | None, typer.Option(
        "--date", help="The date the map is for (YYYY-MM-DD): only what was known by then is "
        "used. Default: the simulation's next day, else today.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    scheduler: SchedulerOption = None,
    trees: Annotated[int, typer.Option("--trees", hidden=True, min=1)] = 200,
) -> None:
    """Score a grid over the registry's region and write it to the store, with each hazard
    area's mean and maximum risk; scored against the ground truth on a simulated region."""
    import json
    from dataclasses import replace
    from datetime import date

    from demine.cli_plan import _next_day
    from demine.risk.registry import REGISTRY_SETTINGS, build_risk_map
    from demine.risk.truth import score_against_truth
    from demine.store import migrate
    from demine.store.risk import replace_hazard_risk, replace_risk_grid

    with user_errors():
        try:
            day = date.fromisoformat(as_of) if as_of else _next_day(ctx)
        except ValueError:
            raise fail([f"error: --date must be a date as YYYY-MM-DD (got {as_of!r})"]) from None
        store = ctx.obj.store()
        store.require()
        with store.read() as conn:
            if migrate.current_revision(conn) != migrate.head_revision():
                raise fail([f"error: {store.describe()} was made by an earlier demine and has "
                            "no place for a risk map yet; run 'demine init' to upgrade it"])
        try:
            with store.read() as conn:
                made = build_risk_map(conn, day, cell_m, replace(REGISTRY_SETTINGS, trees=trees),
                                      scheduler)
        except RiskError as exc:
            raise fail([f"error: {p}" for p in exc.problems]) from None
        with store.write() as conn:
            replace_risk_grid(conn, made.grid.ids(), made.grid.polygons(), made.risk,
                              made.hazard, made.contributions, day, ctx.obj.actor)
            replace_hazard_risk(conn, made.hazard_stats, day, made.hazard_contributions)
        report = {**made.report, "hazard_areas": len(made.hazard_stats),
                  "truth": score_against_truth(store, made)}
    if as_json:
        say(json.dumps(report))
        return
    for line in map_lines(report):
        say(line)
