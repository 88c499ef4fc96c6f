"""`demine report`: the progress report, a closed area's handover certificate and the accidents
report, as self-contained HTML or vector PDF. A file is written whole or not at all: on any
error nothing is written."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from demine.console import say, user_errors

if TYPE_CHECKING:
    from demine.report import ReportRequest
    from demine.stats.landrelease import Period

report_app = typer.Typer(help="Reports as PDF or HTML: progress, handover, accidents.",
                         no_args_is_help=True)

Format = Annotated[str | None, typer.Option(
    "--format", help="pdf or html (default: from the --out file's extension).",
    metavar="pdf|html", show_default=False)]
Out = Annotated[Path, typer.Option("--out", help="The file to write.", show_default=False)]
Start = Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD).")]
End = Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD).")]
Admin = Annotated[str | None, typer.Option(
    "--admin", help="Only this admin unit (its code or name).")]


def _write(ctx: typer.Context, request: ReportRequest, fmt: str | None, out: Path) -> None:
    from demine.report import make_report, report_format, write_whole

    with user_errors():
        chosen = report_format(fmt, out)
        folder = out.parent if str(out.parent) else Path(".")
        if not folder.is_dir():
            raise ValueError(f"cannot write {out}: no folder {folder}")
        if out.is_dir():
            raise ValueError(f"cannot write {out}: it is a folder")
        store = ctx.obj.store()
        data = make_report(store, request, chosen, ctx.obj.actor)
        write_whole(out, data)
    say(f"wrote the {request.kind} report ({chosen}, {len(data):,} bytes) to {out}")


def _period(start: str | None, end: str | None) -> Period:
    from demine.cli import _parse_day
    from demine.stats.landrelease import Period

    with user_errors():
        return Period(_parse_day(start, "--from"), _parse_day(end, "--to"))


@report_app.command()
def progress(ctx: typer.Context, out: Out, fmt: Format = None, start: Start = None,
             end: End = None, admin: Admin = None) -> None:
    """Land-release progress: land cancelled, reduced and cleared; what remains and where;
    devices; accidents and victims; beneficiaries; team productivity; charts and a map."""
    from demine.report import ReportRequest

    period = _period(start, end)
    _write(ctx, ReportRequest("progress", period, admin=admin), fmt, out)


@report_app.command()
def handover(
    ctx: typer.Context,
    hazard: Annotated[str, typer.Argument(help="Code of the closed hazard area.",
                                          metavar="HAZARD_CODE")],
    out: Out, fmt: Format = None,
) -> None:
    """The completion and handover certificate of a closed hazard area."""
    from demine.report import ReportRequest

    _write(ctx, ReportRequest("handover", hazard=hazard), fmt, out)


@report_app.command()
def accidents(
    ctx: typer.Context, out: Out, fmt: Format = None, start: Start = None, end: End = None,
    admin: Admin = None,
    personal: Annotated[bool, typer.Option(
        "--include-personal",
        help="Add victims' names and dates of birth (recorded in the audit log).")] = False,
) -> None:
    """Accidents and victims by sex and age group, civilian or deminer, device and activity."""
    from demine.report import ReportRequest

    period = _period(start, end)
    _write(ctx, ReportRequest("accidents", period, admin=admin, personal=personal), fmt, out)
