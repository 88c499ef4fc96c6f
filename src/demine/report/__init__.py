"""Reports: the land-release progress report, a closed area's completion and handover
certificate, and the accidents and victims report, as self-contained HTML or vector PDF.

Their figures come from `demine.stats.landrelease.summary` (what `demine stats --json` prints)
and, for what it lacks, from `demine.report.figures`; `make_report` is what the command line
and the web UI call.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from demine.report.output import FORMATS, html_to_pdf, report_format, write_whole
from demine.report.render import accidents_html, handover_html, progress_html
from demine.report.units import AdminUnit, resolve_admin
from demine.stats.landrelease import Period
from demine.store import Store, audit
from demine.store.base import now_iso

KINDS = ("progress", "accidents", "handover")


@dataclass(frozen=True)
class ReportRequest:
    """What to report on: a kind, a period and admin unit (progress, accidents) or a hazard
    area (handover), and whether victims' personal data is wanted."""

    kind: str
    period: Period = field(default_factory=Period)
    admin: str | None = None
    hazard: str | None = None
    personal: bool = False

    @property
    def scope(self) -> str:
        if self.kind == "handover":
            return f"handover {self.hazard}"
        dates = self.period.as_dict()
        return (f"{self.kind} from {dates['from'] or 'start'} to {dates['to'] or 'end'}"
                + (f" in {self.admin}" if self.admin else ""))


def make_report(store: Store, request: ReportRequest, fmt: str, actor: str) -> bytes:
    """The report as HTML or PDF bytes. A report with victims' names and dates of birth is
    recorded in the audit log as read by `actor` ("read_personal" on "victims")."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r} (expected pdf or html)")
    with store.read() as conn:
        unit: AdminUnit | None = resolve_admin(conn, request.admin) if request.admin else None
        if request.kind == "progress":
            html = progress_html(conn, request.period, unit)
        elif request.kind == "accidents":
            html = accidents_html(conn, request.period, unit, request.personal)
        elif request.kind == "handover" and request.hazard:
            html = handover_html(conn, request.hazard)
        else:
            raise ValueError(f"unknown report {request.kind!r} (expected one of "
                             f"{', '.join(KINDS)})")
    data = html.encode() if fmt == "html" else html_to_pdf(html)
    if request.kind == "accidents" and request.personal:
        record_personal_read(store, actor, request)
    return data


def record_personal_read(store: Store, actor: str, request: ReportRequest) -> None:
    with store.write() as conn:
        audit.append(conn, [audit.AuditEntry(
            actor, "read_personal", "victims", f"report {request.scope}",
            after={"report": request.kind, **request.period.as_dict(),
                   "admin": request.admin})], now_iso())


__all__ = ["FORMATS", "KINDS", "ReportRequest", "make_report", "report_format",
           "resolve_admin", "write_whole"]
