"""The demine command line: parses, calls the layers, prints. Errors go to stderr, one a line."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from demine.cli_design import design_app
from demine.cli_plan import forecast as forecast_command
from demine.cli_plan import plan as plan_command
from demine.cli_report import report_app
from demine.cli_risk import risk_app
from demine.console import err, fail, out, say, user_errors
from demine.model.problems import InputError
from demine.store import Store, open_store
from demine.store.base import cli_actor

app = typer.Typer(
    name="demine",
    help="Information management and planning for humanitarian mine action.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
import_app = typer.Typer(help="Import records from a file (one transaction: all or nothing).",
                         no_args_is_help=True)
app.add_typer(import_app, name="import")

class Context:
    """Global options: which database, and who is writing."""

    def __init__(self, db: str | None, actor: str | None):
        self.db = db or os.environ.get("DEMINE_DB") or "demine.gpkg"
        self.actor = cli_actor(actor)
        self.opened: list[Store] = []

    def open(self) -> Store:
        """The store, closed again when the command ends."""
        store = open_store(self.db)
        self.opened.append(store)
        return store

    def close(self) -> None:
        """Close connections, so the embedded store folds its write-ahead log back in."""
        for store in self.opened:
            store.dispose()

    def store(self, create: bool = False) -> Store:
        store = self.open()
        if create:
            store.init()
        else:
            store.require()
        return store


def _layer_import(layer: str) -> Any:
    def command(
        ctx: typer.Context,
        file: Annotated[Path, typer.Argument(help="Any vector or table file GDAL reads.")],
    ) -> None:
        from demine.io.layers import import_layer, read_layer

        with user_errors(file):
            batch = read_layer(file, layer)
            if batch.problems:  # before touching (or creating) the store
                raise InputError(batch.problems)
            store = ctx.obj.store(create=True)
            created, already = import_layer(store, batch, ctx.obj.actor, str(file))
        if already:
            say(f"nothing to import: all {already} rows of {file} are already in the store")
        else:
            say(f"imported {created} {layer} from {file}")

    command.__doc__ = f"Import {layer} (columns named as the layer's fields; codes kept)."
    return command


for _layer in ("organisations", "locations", "activities", "finds", "evidence", "accidents",
               "victims", "teams", "tasks", "progress_reports", "inspections",
               "education_sessions", "roads", "rivers", "land_cover", "front_lines",
               "positions"):
    import_app.command(_layer)(_layer_import(_layer))


@app.callback()
def main_options(
    ctx: typer.Context,
    db: Annotated[str | None, typer.Option(
        "--db", help="Database: a .gpkg path, sqlite:///FILE or postgresql://... "
        "(default: $DEMINE_DB or ./demine.gpkg).")] = None,
    as_user: Annotated[str | None, typer.Option(
        "--as", help="Who is writing (default cli:<your user name>).")] = None,
) -> None:
    """demine: registry, land-release accounting and statistics for mine action."""
    ctx.obj = Context(db, as_user)
    ctx.call_on_close(ctx.obj.close)


@app.command()
def init(ctx: typer.Context) -> None:
    """Create the registry (or bring its schema up to date)."""
    with user_errors():
        store = ctx.obj.open()
        created = store.init()
        say(f"{'created' if created else 'up to date:'} registry {store.describe()}")


def _report_import(kind: str, path: Path, result: Any) -> None:
    for notice in result.notices:  # part of the import's report, not errors
        say(f"note: {notice}")
    if result.already:
        say(f"nothing to import: all {result.already} features of {path} are already in the store")
    else:
        say(f"imported {result.created} {kind} from {path}")


@import_app.command("hazards")
def import_hazards_cmd(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Any vector file GDAL reads, in any CRS.")],
    repair: Annotated[bool, typer.Option(help="Repair invalid polygons (make_valid).")] = False,
) -> None:
    """Import hazard areas (code, name, classification, contamination, reported_area_m2, date,
    organisation)."""
    from demine.io.hazards import read_hazards
    from demine.store.imports import import_hazards

    with user_errors(file):
        with phases(f"importing {file.name}") as step:
            batch = read_hazards(file, repair=repair)
            if batch.problems:  # before touching (or creating) the store
                raise InputError(batch.problems)
            step()
            store = ctx.obj.store(create=True)
            result = import_hazards(store, batch, ctx.obj.actor, str(file))
            step()
        _report_import("hazard areas", file, result)


@import_app.command("events")
def import_events_cmd(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="An event file, or a directory of them.")],
    mapping: Annotated[str, typer.Option(
        help="A shipped mapping's name (colombia_events) or the path of a mapping TOML file.")],
) -> None:
    """Import events (accidents, finds, evidence) from another system through a mapping."""
    from demine.io.events import import_events, read_events

    with user_errors():
        batch = read_events(path, mapping)
        for notice in batch.notices:
            say(f"note: {notice}")
        if batch.problems:  # before touching (or creating) the store
            raise InputError(batch.problems)
        store = ctx.obj.store(create=True)
        result = import_events(store, batch, ctx.obj.actor, str(path))
    if result.get("already"):
        say(f"nothing to import: all {result['already']} events of {path} are already in the "
            "store")
    else:
        say(f"imported {result['accidents']} accidents, {result['finds']} finds, "
            f"{result['evidence']} evidence from {path}")


import_app.command("hazard_areas", help="Import hazard areas (the same as `import hazards`).")(
    import_hazards_cmd)


@import_app.command("submissions")
def import_submissions_cmd(
    ctx: typer.Context,
    form: Annotated[str, typer.Argument(
        help="A shipped form (nts, eo_spot, clearance_daily, accident) or an XLSForm's path.")],
    file: Annotated[Path, typer.Argument(
        help="The tool's export: KoboToolbox XLSX, or a ZIP of ODK Central's CSV files.")],
) -> None:
    """Import field-form submissions; those already imported are left alone."""
    from demine.io.submissions import import_submissions, read_submissions

    with user_errors():
        export = read_submissions(form, file)  # before touching (or creating) the store
        store = ctx.obj.store(create=True)
        result = import_submissions(store, export, ctx.obj.actor)
    for notice in result.notices:
        say(f"note: {notice}")
    made = ", ".join(f"{n} {layer}" for layer, n in result.created.items() if n)
    if result.submissions:
        say(f"imported {result.submissions} submissions from {file}: {made}")
    if result.already:
        say(f"{result.already} submissions of {file} were already in the store")
    if not result.submissions and not result.already:
        say(f"nothing to import: {file} holds no submissions")


@import_app.command("releases")
def import_releases_cmd(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Any vector file GDAL reads, in any CRS.")],
    repair: Annotated[bool, typer.Option(help="Repair invalid polygons (make_valid).")] = False,
) -> None:
    """Import released land (hazard, method cancelled|reduced|cleared, date, organisation,
    depth_cm)."""
    from demine.io.releases import read_releases
    from demine.store.imports import import_releases

    with user_errors(file):
        with phases(f"importing {file.name}") as step:
            batch = read_releases(file, repair=repair)
            step()
            store = ctx.obj.store()
            result = import_releases(store, batch, ctx.obj.actor, str(file))
            step()
        _report_import("releases", file, result)


@contextmanager
def phases(label: str, count: int = 2) -> Iterator[Any]:
    """A progress bar over the phases of a long command, on stderr when it is a terminal."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                        console=err, transient=True, disable=not sys.stderr.isatty())
    with progress:
        task = progress.add_task(label, total=count)
        yield lambda: progress.advance(task)


def _parse_day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{option} {value!r} is not a date (expected YYYY-MM-DD)") from None


@app.command()
def stats(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
    start: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD).")] = None,
) -> None:
    """Land release, finds, accidents and teams; for a period, remaining land at its end."""
    from demine.stats.landrelease import Period, summary

    with user_errors():
        period = Period(_parse_day(start, "--from"), _parse_day(end, "--to"))
        store = ctx.obj.store()
        with store.read() as conn:
            figures = summary(conn, period)
    if as_json:
        sys.stdout.write(json.dumps(figures) + "\n")
        return
    print_stats(figures)


def print_stats(figures: dict[str, Any]) -> None:
    """The headline figures as readable tables."""
    period = figures["period"]
    title = "demine registry"
    if period["from"] or period["to"]:
        title += f" from {period['from'] or 'the start'} to {period['to'] or 'today'}"
    table = Table(title=title, show_header=False)
    table.add_column("figure")
    table.add_column("value", justify="right")
    hz = figures["hazard_areas"]
    table.add_row("hazard areas", f"{hz['count']:,} (open {hz['open']:,}, worked on "
                  f"{hz['worked_on']:,}, closed {hz['closed']:,})")
    for key, value in figures["area_m2"].items():
        table.add_row(f"area {key.replace('_', ' ')}", f"{value:,.0f} m2")
    finds = figures["finds"]
    by = ", ".join(f"{k} {v}" for k, v in finds["by_category"].items())
    table.add_row("finds", f"{finds['count']:,}" + (f" ({by})" if by else ""))
    ev = figures["evidence"]
    table.add_row("evidence", f"{ev['count']:,}")
    acc = figures["accidents"]
    table.add_row("accidents", f"{acc['count']:,} (killed {acc['killed']}, "
                  f"injured {acc['injured']})")
    tm = figures["teams"]
    table.add_row("teams", f"{tm['count']:,} ({tm['deminers']:,} deminers)")
    out.print(table)


@app.command("export")
def export_cmd(
    ctx: typer.Context,
    layer: Annotated[str, typer.Argument(
        help="A layer name, e.g. hazard_areas (or hazards); with --all, the output file.")],
    file: Annotated[Path | None, typer.Argument(
        help="Output file: .geojson, .gpkg, .fgb, .csv, .kml, .kmz or .shp.zip.")] = None,
    all_layers: Annotated[bool, typer.Option(
        "--all", help="Every layer into one GeoPackage with QGIS styles (a field package).")]
    = False,
    include_personal: Annotated[bool, typer.Option(
        help="Include victims' names and dates of birth (recorded in the audit log).")] = False,
) -> None:
    """Write a layer to a file (format by extension), or with --all every layer to a .gpkg."""
    from demine.io.export import export_all, export_layer
    from demine.store import audit
    from demine.store.base import now_iso

    if all_layers:
        if file is not None:
            raise fail(["error: with --all give only the output file (demine export --all "
                        "FILE.gpkg)"])
        with user_errors():
            store = ctx.obj.store()
            with store.read() as conn:
                counts = export_all(conn, Path(layer))
        say(f"exported {len(counts)} layers ({sum(counts.values())} records) to {layer}")
        return
    if file is None:
        raise fail(["error: give a layer and an output file (or --all FILE.gpkg)"])
    with user_errors():
        store = ctx.obj.store()
        with phases(f"exporting {layer}", count=1) as step, store.read() as conn:
            count = export_layer(conn, layer, file, include_personal)
            step()
        if include_personal:
            with store.write() as conn:
                audit.append(conn, [audit.AuditEntry(
                    ctx.obj.actor, "export_personal", layer, str(file))], now_iso())
        say(f"exported {count} {layer} to {file}")


@app.command()
def history(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="The hazard area's code.")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="Show its state on this date.")]
    = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON on stdout.")] = False,
) -> None:
    """A hazard area's timeline, or its state on a past date."""
    from demine.store.history import state_as_of, timeline

    with user_errors():
        day = _parse_day(as_of, "--as-of")
        store = ctx.obj.store()
        with store.read() as conn:
            if day is not None:
                state = state_as_of(conn, code, day)
            else:
                events = timeline(conn, code)
    if day is not None:
        if as_json:
            sys.stdout.write(json.dumps(state, default=str) + "\n")
            return
        table = Table(title=f"{code} as of {day}", show_header=False)
        for key, value in state.items():
            if isinstance(value, dict):
                value = ", ".join(f"{k} {v:,.0f} m2" for k, v in value.items())
            elif isinstance(value, float):
                value = f"{value:,.0f} m2"
            table.add_row(key, "" if value is None else str(value))
        out.print(table)
        return
    if as_json:
        sys.stdout.write(json.dumps([e.as_dict() for e in events]) + "\n")
        return
    table = Table(title=f"history of {code}")
    for col in ("date", "recorded at", "by", "event", "detail"):
        table.add_column(col)
    for e in events:
        table.add_row(str(e.on or ""), e.recorded_at, e.actor, e.event, e.detail)
    out.print(table)


audit_app = typer.Typer(help="The audit log: who changed what and when.",
                        invoke_without_command=True)
app.add_typer(audit_app, name="audit")


@audit_app.callback()
def audit(
    ctx: typer.Context,
    verify: Annotated[bool, typer.Option("--verify", help="Check the hash chain.")] = False,
    last: Annotated[int, typer.Option(help="How many of the latest entries to show.")] = 20,
) -> None:
    """The audit log: who changed what and when; `audit verify` checks no entry was altered."""
    if ctx.invoked_subcommand:
        return
    if verify:
        verify_audit(ctx)
        return
    from sqlalchemy import select

    from demine.store.schema import audit_log

    with user_errors():
        store = ctx.obj.store()
        with store.read() as conn:
            rows = conn.execute(
                select(audit_log.c.seq, audit_log.c.recorded_at, audit_log.c.actor,
                       audit_log.c.action, audit_log.c.entity, audit_log.c.record)
                .order_by(audit_log.c.seq.desc()).limit(last)
            ).all()
    table = Table(title="audit log (latest first)")
    for col in ("seq", "recorded at", "by", "action", "layer", "record"):
        table.add_column(col)
    for row in rows:
        table.add_row(*(str(v) for v in row))
    out.print(table)


@audit_app.command("verify")
def verify_audit(ctx: typer.Context) -> None:
    """Check that no audit entry was altered or deleted (the SHA-256 hash chain)."""
    from sqlalchemy import func, select

    from demine.store.audit import verify_chain
    from demine.store.schema import audit_log

    with user_errors():
        store = ctx.obj.store()
        with store.read() as conn:
            broken = verify_chain(conn)
            total = conn.execute(select(func.count()).select_from(audit_log)).scalar_one()
            last = conn.execute(select(func.max(audit_log.c.seq))).scalar() or 0
    if broken is not None and broken > last:
        raise fail([f"error: entries were cut off the end of the audit log after entry "
                    f"{broken - 1}: its last hash is not the one recorded"])
    if broken is not None:
        raise fail([f"error: the audit log was altered at entry {broken} "
                    f"(of {total}): its hash does not follow from the one before"])
    say(f"audit log intact: {total} entries chained")


@app.command()
def demo(
    ctx: typer.Context,
    seed: Annotated[int, typer.Option(help="Random seed of the generated region.")] = 1,
    scenario: Annotated[str, typer.Option(
        help="A shipped scenario's name (border, small) or the path of a scenario TOML file."
    )] = "border",
    replace: Annotated[bool, typer.Option(help="Replace the data already in the store.")] = False,
) -> None:
    """Generate a region, its ground truth and what the authority knows into the store.

    Refuses a store that already holds data unless --replace is given.
    """
    from demine.sim.world import build_demo

    with user_errors():
        store = ctx.obj.open()
        summary = build_demo(store, seed=seed, replace=replace, actor=ctx.obj.actor,
                             scenario=scenario)
        say(summary)


@app.command()
def simulate(
    ctx: typer.Context,
    days: Annotated[int, typer.Option(help="Days to simulate from where the last run stopped.")],
    policy: Annotated[str, typer.Option(
        help="priority, nearest, optimise (most risk removed per day of work, travel included), "
             "or a schedule CSV (team,hazard,start_day,end_day,area_m2).",
    )] = "priority",
    seed: Annotated[int, typer.Option(help="Random seed of this run.")] = 0,
) -> None:
    """Advance the simulated region day by day: survey, clearance, finds, accidents, reports."""
    from demine.sim.run import simulate as run

    with user_errors():
        store = ctx.obj.open()
        say(run(store, days, policy, seed, ctx.obj.actor).line())


@app.command()
def check(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="JSON on stdout.")] = False,
) -> None:
    """Look for data that cannot be right: invalid shapes, duplicates, overlaps, area typos,
    finds outside hazards or in released land, dates out of order, orphans.

    Exits with 1 when an error-severity finding is made, so scripts can stop on bad data.
    """
    from demine.stats.quality import readable_report, run_checks

    with user_errors():
        store = ctx.obj.store()
        with store.read() as conn:
            findings = run_checks(conn)
    if as_json:
        sys.stdout.write(json.dumps([f.as_dict() for f in findings]) + "\n")
    else:
        say(readable_report(findings))
    if any(f.severity == "error" for f in findings):
        raise typer.Exit(1)


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Serve the registry: OGC API - Features, the registry API, the web map."""
    import uvicorn

    from demine.api.app import create_app

    with user_errors():
        store = ctx.obj.store()
        say(f"serving {store.describe()} on http://{host}:{port} (Ctrl+C stops)")
        if workers > 1:
            os.environ["DEMINE_DB"] = store.url
            uvicorn.run("demine.api.app:app_from_environment", factory=True, host=host,
                        port=port, workers=workers, log_level="warning")
        else:
            uvicorn.run(create_app(store), host=host, port=port, log_level="warning")


org_app = typer.Typer(help="Organisations: the authority, operators and others.")
app.add_typer(org_app, name="org")


@org_app.command("add")
def org_add(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="Short code users quote, e.g. OPS-1.")],
    name: Annotated[str, typer.Argument(help="Full name.")],
    kind: Annotated[str, typer.Option(help="authority, operator or other.")] = "operator",
) -> None:
    """Add an organisation."""
    from demine.store.organisations import add_organisation

    with user_errors():
        store = ctx.obj.store(create=True)
        add_organisation(store, code, name, kind, ctx.obj.actor)
        say(f"organisation {code} added")


user_app = typer.Typer(help="Web-service accounts.")
app.add_typer(user_app, name="user")


@user_app.command("add")
def user_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="User name.")],
    role: Annotated[str, typer.Option(help="admin, editor, qa or viewer.")],
    org: Annotated[str | None, typer.Option(help="Organisation code (editors need one).")]
    = None,
) -> None:
    """Add a user; the password is read from standard input (one line)."""
    from demine.store.accounts import add_user

    password = sys.stdin.readline().rstrip("\r\n")
    with user_errors():
        store = ctx.obj.store(create=True)
        add_user(store, name, role, org, password, ctx.obj.actor)
        say(f"user {name} added as {role}")


@user_app.command("first-admin")
def user_first_admin(ctx: typer.Context) -> None:
    """On a registry with no users yet, make `admin` with a random password printed once."""
    from demine.store.accounts import first_admin

    with user_errors():
        store = ctx.obj.store(create=True)
        password = first_admin(store, ctx.obj.actor)
    if password:
        say(f"created user admin with password {password} (shown once; keep it)")


token_app = typer.Typer(help="Bearer tokens for scripts.")
app.add_typer(token_app, name="token")


@token_app.command("create")
def token_create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The user the token acts for.")],
) -> None:
    """Create a token; it is printed once, alone on the last line."""
    from demine.store.accounts import create_token

    with user_errors():
        store = ctx.obj.store(create=True)
        token = create_token(store, name, ctx.obj.actor)
    say(f"token for {name} (shown once; send it as 'Authorization: Bearer TOKEN'):")
    say(token)


@app.command("public-access")
def public_access(
    ctx: typer.Context,
    state: Annotated[str, typer.Argument(help="on or off")],
) -> None:
    """Whether anyone may read hazard areas, releases and context layers without a login."""
    from demine.store.accounts import set_setting

    if state not in ("on", "off"):
        raise fail([f"error: state must be on or off (got {state!r})"])
    with user_errors():
        store = ctx.obj.store(create=True)
        set_setting(store, "public_read", state, ctx.obj.actor)
        say(f"public read access is {state}")


app.add_typer(design_app, name="design")
app.add_typer(risk_app, name="risk")
app.add_typer(report_app, name="report")
app.command("plan")(plan_command)
app.command("forecast")(forecast_command)


def main() -> None:
    """Console entry point."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except Exception as exc:  # a bug, not a user error: say so in one line unless debugging
        if os.environ.get("DEMINE_DEBUG"):
            raise
        err.print(f"error: internal error ({type(exc).__name__}: {exc}); "
                  "set DEMINE_DEBUG=1 to see where", markup=False, highlight=False, soft_wrap=True)
        sys.exit(2)
