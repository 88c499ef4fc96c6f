"""The registry API: records that are not plain features, and a hazard area's history.

Activities with their outcomes, victims, quality inspections and progress reports are created,
read and corrected here. Bodies are checked by pydantic (422, one message per field); each record
carries an ETag (a digest of its stored state) so a correction made from an older copy fails with
412; a create retried with the same Idempotency-Key creates one record. Victims' names and dates
of birth reach admin and qa only.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import shapely
import shapely.geometry
from fastapi import APIRouter, Body, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy import Connection, Table, func, select, update

from demine.api.auth import READ_ROLES, require
from demine.api.idempotency import remember, replay
from demine.model.vocab import (
    ActivityStatus,
    ActivityType,
    InspectionResult,
    OrdnanceCategory,
    Role,
    Severity,
    Sex,
    VictimOutcome,
    VictimRole,
)
from demine.store import audit
from demine.store.accounts import User
from demine.store.base import now_iso
from demine.store.history import timeline
from demine.store.records import insert_records
from demine.store.schema import (
    accidents,
    activities,
    hazard_areas,
    inspections,
    progress_reports,
    teams,
    victims,
)

router = APIRouter(prefix="/registry", tags=["registry"])
PERSONAL = ("name", "birth_date")


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=True)


class ActivityIn(Record):
    type: ActivityType
    hazard: str | None = None
    organisation: str | None = None
    team: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    status: ActivityStatus = ActivityStatus.PLANNED
    method: str | None = None
    depth_cm: int | None = Field(None, ge=0, le=10_000)
    geometry: dict[str, Any] | None = None

    @model_validator(mode="after")
    def dates_in_order(self) -> ActivityIn:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError("end_date comes before start_date")
        return self


class VictimIn(Record):
    accident: str
    outcome: VictimOutcome
    role: VictimRole = VictimRole.CIVILIAN
    sex: Sex = Sex.UNKNOWN
    age: int | None = Field(None, ge=0, le=120)
    name: str | None = None
    birth_date: date | None = None


class NonConformity(Record):
    severity: Severity
    description: str = Field(min_length=1)


class InspectionIn(Record):
    activity: str
    inspection_date: date
    result: InspectionResult
    organisation: str | None = None
    sample_size: int | None = Field(None, ge=0)
    non_conformities: list[NonConformity] = []
    geometry: dict[str, Any] | None = None


class ProgressReportIn(Record):
    team: str
    report_date: date
    area_m2: float = Field(ge=0)
    task: str | None = None
    finds_by_category: dict[OrdnanceCategory, int] = {}

    @model_validator(mode="after")
    def counts_not_negative(self) -> ProgressReportIn:
        if any(v < 0 for v in self.finds_by_category.values()):
            raise ValueError("finds_by_category counts must be 0 or more")
        return self


@dataclass(frozen=True)
class Kind:
    """One kind of registry record: its table, body model, code prefix and who may write it."""

    table: Table
    model: type[Record]
    prefix: str
    writers: frozenset[Role]
    references: dict[str, Table]
    """Fields that must name an existing record (field -> table whose `code` it names)."""


KINDS: dict[str, Kind] = {
    "activities": Kind(activities, ActivityIn, "ACT", frozenset({Role.ADMIN, Role.EDITOR}),
                       {"hazard": hazard_areas, "team": teams}),
    "victims": Kind(victims, VictimIn, "V", frozenset({Role.ADMIN, Role.EDITOR, Role.QA}),
                    {"accident": accidents}),
    "inspections": Kind(inspections, InspectionIn, "QC", frozenset({Role.ADMIN, Role.QA}),
                        {"activity": activities}),
    "progress_reports": Kind(progress_reports, ProgressReportIn, "PR",
                             frozenset({Role.ADMIN, Role.EDITOR}), {"team": teams}),
}


def kind_or_404(name: str) -> Kind:
    if name not in KINDS:
        raise HTTPException(404, f"no registry records {name!r} (expected one of "
                                 f"{', '.join(KINDS)})")
    return KINDS[name]


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, shapely.Geometry):
        return json.loads(shapely.to_geojson(value))
    return value


def record_json(row: dict[str, Any], user: User | None) -> dict[str, Any]:
    """A stored row as the API shows it (personal data only to admin and qa)."""
    out = {("geometry" if k == "geom" else k): _plain(v) for k, v in row.items()
           if k not in ("fid", "id")}
    for key in ("finds_by_category", "non_conformities"):
        if isinstance(out.get(key), str):
            out[key] = json.loads(out[key])
    if user is None or user.role not in (Role.ADMIN, Role.QA):
        for key in PERSONAL:
            if key in out:
                out[key] = None
    return out


def etag(row: dict[str, Any]) -> str:
    full = record_json(row, User("", Role.ADMIN, None))
    full.pop("updated_at", None)
    digest = hashlib.sha256(json.dumps(full, sort_keys=True, default=str).encode()).hexdigest()
    return f'"{digest[:32]}"'


def fetch(conn: Connection, kind: Kind, code: str) -> dict[str, Any]:
    row = conn.execute(select(kind.table).where(kind.table.c.code == code)).mappings().first()
    if row is None:
        raise HTTPException(404, f"no {kind.table.name} record {code!r}")
    return dict(row)


def check_references(conn: Connection, kind: Kind, values: dict[str, Any]) -> None:
    errors = []
    for field_name, table in kind.references.items():
        value = values.get(field_name)
        if value is not None and not conn.execute(
                select(table.c.code).where(table.c.code == value)).first():
            errors.append({"field": field_name,
                           "message": f"no {table.name} record {value!r}"})
    if errors:
        raise HTTPException(422, errors)


def to_row(values: dict[str, Any]) -> dict[str, Any]:
    row = dict(values)
    if "geometry" in row:
        geom = row.pop("geometry")
        try:
            row["geom"] = None if geom is None else shapely.geometry.shape(geom)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise HTTPException(422, [{"field": "geometry",
                                       "message": f"not a GeoJSON geometry ({exc})"}]) from None
        if row["geom"] is not None and row["geom"].geom_type == "Polygon":
            row["geom"] = shapely.MultiPolygon([row["geom"]])
    for key in ("finds_by_category", "non_conformities"):
        if key in row and not isinstance(row[key], str):
            row[key] = json.dumps(row[key], sort_keys=True)
    return row


def writer(request: Request, kind: Kind) -> User:
    user = require(request.state.user, kind.writers)
    request.app.state.auth.check_csrf(request, request.headers.get("x-csrf-token"))
    return user


def own_organisation(conn: Connection, user: User, kind: Kind, values: dict[str, Any]) -> None:
    """Editors write only their own organisation's activities and reports."""
    if user.role != Role.EDITOR:
        return
    org: str | None = values.get("organisation")
    if kind.table is progress_reports and values.get("team"):
        org = conn.execute(select(teams.c.organisation)
                           .where(teams.c.code == values["team"])).scalar()
    if kind.table in (activities, progress_reports) and org != user.organisation:
        raise HTTPException(403, f"an editor of {user.organisation} cannot write records of "
                                 f"{org}")


@router.get("/hazard_areas/{code}/history", summary="A hazard area's history")
def hazard_history(request: Request, code: str) -> JSONResponse:
    require(request.state.user, READ_ROLES)
    with request.app.state.store.read() as conn:
        try:
            events = timeline(conn, code)
        except LookupError:
            raise HTTPException(404, f"no hazard area {code!r}") from None
    return JSONResponse([e.as_dict() for e in events])


@router.get("/{kind_name}", summary="Registry records of one kind")
def list_records(request: Request, kind_name: str, limit: int = 100, offset: int = 0
                 ) -> JSONResponse:
    kind = kind_or_404(kind_name)
    user = require(request.state.user, READ_ROLES)
    limit = max(1, min(limit, 10_000))
    with request.app.state.store.read() as conn:
        total = conn.execute(select(func.count()).select_from(kind.table)).scalar_one()
        rows = conn.execute(select(kind.table).order_by(kind.table.c.fid)
                            .limit(limit).offset(max(0, offset))).mappings().all()
    return JSONResponse({"numberMatched": total,
                         "records": [record_json(dict(r), user) for r in rows]})


@router.get("/{kind_name}/{code}", summary="One registry record")
def get_record(request: Request, kind_name: str, code: str) -> JSONResponse:
    kind = kind_or_404(kind_name)
    user = require(request.state.user, READ_ROLES)
    with request.app.state.store.read() as conn:
        row = fetch(conn, kind, code)
    return JSONResponse(record_json(row, user), headers={"ETag": etag(row)})


def _validated(kind: Kind, values: dict[str, Any]) -> dict[str, Any]:
    try:
        model = kind.model.model_validate(values)
    except ValidationError as exc:
        raise HTTPException(422, [
            {"field": ".".join(str(p) for p in err["loc"]) or "body", "message": err["msg"]}
            for err in exc.errors()]) from None
    return model.model_dump(exclude_unset=False)


@router.post("/{kind_name}", status_code=201, summary="Create a registry record")
def create_record(request: Request, kind_name: str,
                  body: dict[str, Any] = Body(...)) -> Response:
    kind = kind_or_404(kind_name)
    user = writer(request, kind)
    store = request.app.state.store
    key = request.headers.get("idempotency-key")
    if key:
        earlier = replay(store, user, key)
        if earlier is not None:
            return earlier
    values = _validated(kind, body)
    with store.write() as conn:
        check_references(conn, kind, values)
        own_organisation(conn, user, kind, values)
        done = insert_records(store, conn, kind.table, [to_row(values)], user.actor, now_iso(),
                              kind.prefix)
        row = fetch(conn, kind, done[0]["code"])
    response = JSONResponse(record_json(row, user), status_code=201,
                            headers={"ETag": etag(row), "Location":
                                     f"{str(request.base_url).rstrip('/')}/registry/"
                                     f"{kind_name}/{row['code']}"})
    if key:
        remember(store, user, key, response)
    return response


@router.patch("/{kind_name}/{code}", summary="Correct a registry record")
def correct_record(request: Request, kind_name: str, code: str,
                   body: dict[str, Any] = Body(...)) -> Response:
    kind = kind_or_404(kind_name)
    user = writer(request, kind)
    store = request.app.state.store
    with store.write() as conn:
        row = fetch(conn, kind, code)
        sent = request.headers.get("if-match")
        if sent is not None and sent.strip() != "*" and sent.strip() != etag(row):
            raise HTTPException(412, f"{code} changed since that copy was read")
        current = {k: v for k, v in record_json(row, User("", Role.ADMIN, None)).items()
                   if k in kind.model.model_fields}
        values = _validated(kind, {**current, **body})
        check_references(conn, kind, values)
        own_organisation(conn, user, kind, {**current, **values})
        new = to_row({k: values[k] for k in body if k in values})
        before = {k: _plain(row.get(k)) for k in new}
        changed = {k: v for k, v in new.items() if _plain(v) != before.get(k)}
        if changed:
            now = now_iso()
            conn.execute(update(kind.table).where(kind.table.c.code == code)
                         .values(updated_at=now, **_encoded(store, kind.table, changed)))
            audit.append(conn, [audit.AuditEntry(
                user.actor, "update", kind.table.name, code,
                {k: before[k] for k in changed if k != "geom"},
                {k: _plain(v) for k, v in changed.items() if k != "geom"})], now)
        row = fetch(conn, kind, code)
    return JSONResponse(record_json(row, user), headers={"ETag": etag(row)})


def _encoded(store: Any, table: Table, values: dict[str, Any]) -> dict[str, Any]:
    out = dict(values)
    if out.get("geom") is not None:
        arr = np.empty(1, dtype=object)
        arr[0] = out["geom"]
        out["geom"] = store.encode(arr, multi=True)[0]
    return out

