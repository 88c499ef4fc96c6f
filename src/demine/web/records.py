"""Record pages: a list per collection, one page per record, the hazard area's edit form.

Pages read through the same feature functions as the OGC API, so a page and the API show the
same properties. Edits are not posted to these pages: the form's script sends them to the API
(PATCH with If-Match and the CSRF token), so there is one place that checks and writes an edit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import Connection, and_, select

from demine.api import features as fx
from demine.api.collections import COLLECTIONS, Collection
from demine.model.vocab import Classification, HazardStatus, LandUse, OrdnanceCategory
from demine.store.hazards import EDITABLE
from demine.store.risk import hazard_contributions, hazard_risk
from demine.store.schema import locations, organisations
from demine.web.pages import login_redirect, may_write, render

router = APIRouter()
PAGE_SIZE = 100
STAMPS = {"id", "created_at", "updated_at", "created_by"}
LIST_COLUMNS = {
    "hazard_areas": ["code", "name", "classification", "status", "remaining_area_m2", "area_m2",
                     "priority", "location", "organisation"],
    "risk_cells": ["cell", "risk", "as_of", "hazard"],
}
"""Columns of a collection's list page; others show their first properties."""
FILTERS = {"hazard_areas": {"classification": [c.value for c in Classification],
                            "status": [s.value for s in HazardStatus]}}
"""Properties a list page can be narrowed by, with their choices."""
LINKED = {"hazard": "hazard_areas", "location": "locations", "team": "teams",
          "activity": "activities"}
"""Properties that name a record of another collection, shown as links to its page."""


@dataclass(frozen=True)
class Field:
    """One input of the hazard area's edit form."""

    name: str
    kind: str = "text"
    choices: tuple[str, ...] = ()
    hint: str = ""
    suggestions: tuple[tuple[str, str], ...] = ()


def list_columns(coll: Collection) -> list[str]:
    if coll.id in LIST_COLUMNS:
        return LIST_COLUMNS[coll.id]
    return [c.name for c in coll.properties if c.name not in STAMPS][:8]


def shown_properties(coll: Collection, props: dict[str, Any]) -> dict[str, Any]:
    """Properties as the pages show them: a risk cell's probability as a percentage and its
    contributions as (feature, log-odds) pairs, largest effect first."""
    if coll.id != "risk_cells":
        return props
    shown = dict(props)
    if isinstance(props.get("risk"), float):
        shown["risk"] = f"{props['risk']:.1%}"
    shown["contributions"] = ranked_contributions(props.get("contributions"))
    return shown


def ranked_contributions(text: str | None) -> list[tuple[str, float]] | str | None:
    """JSON of feature -> log-odds as pairs, largest effect first (other text as it is)."""
    try:
        values = json.loads(text) if text else None
    except ValueError:
        return text
    if not isinstance(values, dict):
        return text
    pairs = [(str(k), float(v)) for k, v in values.items() if isinstance(v, (int, float))]
    return sorted(pairs, key=lambda pair: -abs(pair[1]))


def edit_fields(conn: Connection) -> list[Field]:
    """The form's inputs: one per editable attribute, with the vocabularies as choices."""
    places = tuple((str(r.code), str(r.name)) for r in conn.execute(
        select(locations.c.code, locations.c.name).order_by(locations.c.code)))
    orgs = tuple((str(r.code), str(r.name)) for r in conn.execute(
        select(organisations.c.code, organisations.c.name).order_by(organisations.c.code)))
    known = {
        "classification": Field("classification", "select",
                                tuple(c.value for c in Classification)),
        "contamination": Field("contamination", hint="comma-separated: " + ", ".join(
            c.value for c in OrdnanceCategory)),
        "blocked_land_use": Field("blocked_land_use", hint="comma-separated: " + ", ".join(
            u.value for u in LandUse)),
        "beneficiaries": Field("beneficiaries", "number"),
        "priority": Field("priority", "number", hint="1 is the most urgent"),
        "location": Field("location", suggestions=places),
        "organisation": Field("organisation", suggestions=orgs),
    }
    return [known.get(name, Field(name)) for name in EDITABLE]


def _missing(request: Request, what: str) -> Response:
    return render(request, "missing.html", status=404, what=what)


@router.get("/records", include_in_schema=False)
def record_index(request: Request) -> Response:
    if (redirect := login_redirect(request)) is not None:
        return redirect
    return render(request, "record_index.html", collections=list(COLLECTIONS.values()))


@router.get("/records/{collection_id}", include_in_schema=False)
def record_list(request: Request, collection_id: str, page: int = 1) -> Response:
    if (redirect := login_redirect(request)) is not None:
        return redirect
    coll = COLLECTIONS.get(collection_id)
    if coll is None:
        return _missing(request, f"no collection {collection_id!r}")
    choices = FILTERS.get(coll.id, {})
    chosen = {k: v for k, v in request.query_params.items() if k in choices and v}
    where = and_(*(coll.table.c[k] == v for k, v in chosen.items())) if chosen else None
    page = max(page, 1)
    query = fx.Query(limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, where=where)
    with request.app.state.store.read() as conn:
        matched = fx.count(conn, coll, query)
        rows = [json.loads(f) for f in fx.items(conn, coll, query)]
    for row in rows:
        row["properties"] = shown_properties(coll, row["properties"])
    pages = max(1, -(-matched // PAGE_SIZE))
    return render(request, "record_list.html", collection=coll, columns=list_columns(coll),
                  features=rows, matched=matched, page=page, pages=pages, filters=choices,
                  chosen=chosen)


@router.get("/records/{collection_id}/{feature_id}", include_in_schema=False)
def record_page(request: Request, collection_id: str, feature_id: str) -> Response:
    if (redirect := login_redirect(request)) is not None:
        return redirect
    coll = COLLECTIONS.get(collection_id)
    if coll is None:
        return _missing(request, f"no collection {collection_id!r}")
    with request.app.state.store.read() as conn:
        found = fx.one(conn, coll, feature_id)
        version = fx.version(conn, coll, feature_id)
        editable = coll.id == "hazard_areas"
        fields = edit_fields(conn) if editable else []
        risk = hazard_risk(conn).get(feature_id) if coll.id == "hazard_areas" else None
        drivers = ranked_contributions(hazard_contributions(conn, feature_id)) if risk else None
    if found is None:
        return _missing(request, f"no record {feature_id!r} in {coll.title.lower()}")
    feature = json.loads(found)
    props = {k: v for k, v in feature["properties"].items() if k not in {"id"}}
    return render(request, "record.html", collection=coll, feature=feature,
                  properties=shown_properties(coll, props), risk=risk, drivers=drivers,
                  version=version, editable=editable, fields=fields,
                  can_edit=editable and may_write(request.state.user), linked=LINKED,
                  collections=COLLECTIONS)
