"""OGC API - Features Part 4: creating, replacing, correcting and deleting hazard areas.

Edits go through the store's own functions (the same import as a file's, the same correction
with its audit entry as the CLI's). A hazard area's shape is not edited in place: land leaves a
hazard area by releases, so a changed geometry is refused with that reason. Editors write only
their own organisation's records; `If-Match` with the record's ETag makes a stale edit fail (412),
and a retried POST with the same `Idempotency-Key` creates one record.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import shapely
import shapely.geometry
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from demine.api import features as fx
from demine.api.auth import WRITE_ROLES, require
from demine.api.collections import COLLECTIONS
from demine.api.idempotency import remember, replay
from demine.api.ogc import GEOJSON, base, collection_or_404
from demine.io.hazards import hazards_from_table
from demine.io.vector import FeatureTable
from demine.model.problems import InputError
from demine.model.vocab import Role
from demine.store.accounts import User
from demine.store.codes import next_codes
from demine.store.hazards import (
    EDITABLE,
    RecordInUse,
    StaleRecord,
    delete_hazard,
    get_hazard,
    parse_changes,
    update_hazard,
)
from demine.store.imports import import_hazards
from demine.store.schema import hazard_areas

router = APIRouter()
EDITED = "hazard_areas"
"""The collection that takes edits (others answer 405 with what they allow)."""


def invalid(errors: dict[str, str]) -> HTTPException:
    """422 with one message per field."""
    return HTTPException(422, [{"field": k, "message": v} for k, v in errors.items()])


def writer(request: Request) -> User:
    user = require(request.state.user, WRITE_ROLES)
    request.app.state.auth.check_csrf(request, request.headers.get("x-csrf-token"))
    return user


def own_records(user: User) -> Callable[[dict[str, Any]], None]:
    """Editors may write only the records of their own organisation."""
    def check(row: dict[str, Any]) -> None:
        if user.role == Role.EDITOR and row.get("organisation") != user.organisation:
            raise HTTPException(403, f"{row.get('code')} belongs to {row.get('organisation')}, "
                                     f"not to {user.organisation}")
    return check


def expected_version(request: Request) -> int | None:
    value = request.headers.get("if-match")
    if value is None or value.strip() == "*":
        return None
    tag = value.strip().removeprefix("W/").strip('"')
    if not tag.isdigit():
        raise HTTPException(412, f"If-Match {value!r} is not an ETag of this record")
    return int(tag)


def edited_collection(collection_id: str, allow: str) -> None:
    collection_or_404(collection_id)
    if collection_id != EDITED:
        raise HTTPException(405, f"{collection_id} is read-only through this API",
                            headers={"Allow": allow})


async def feature_body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise HTTPException(400, "the body must be a GeoJSON feature (JSON)") from None
    if not isinstance(body, dict):
        raise HTTPException(400, "the body must be a GeoJSON feature (a JSON object)")
    props = body.get("properties", {})
    if props is not None and not isinstance(props, dict):
        raise invalid({"properties": "must be an object"})
    return body


def read_geometry(body: dict[str, Any]) -> shapely.Geometry | None:
    if body.get("geometry") is None:
        return None
    try:
        geom = shapely.geometry.shape(body["geometry"])
    except (KeyError, TypeError, ValueError, AttributeError, shapely.errors.GEOSException) as exc:
        raise invalid({"geometry": f"not a GeoJSON geometry ({exc})"}) from None
    return geom


def feature_response(request: Request, code: str, status: int = 200) -> Response:
    coll = COLLECTIONS[EDITED]
    with request.app.state.store.read() as conn:
        text = fx.one(conn, coll, code)
        version = fx.version(conn, coll, code)
    headers = {"ETag": f'"{version}"',
               "Location": f"{base(request)}/collections/{EDITED}/items/{code}"}
    return Response(text or "null", status_code=status, media_type=GEOJSON, headers=headers)


@router.post("/collections/{collection_id}/items", summary="Create a feature")
async def create(request: Request, collection_id: str) -> Response:
    edited_collection(collection_id, "GET, OPTIONS")
    user = writer(request)
    key = request.headers.get("idempotency-key")
    store = request.app.state.store
    if key:
        earlier = replay(store, user, key)
        if earlier is not None:
            return earlier
    body = await feature_body(request)
    geom = read_geometry(body)
    if geom is None:
        raise invalid({"geometry": "a hazard area needs a polygon"})
    props = dict(body.get("properties") or {})
    if user.role == Role.EDITOR:
        org = props.setdefault("organisation", user.organisation)
        if org != user.organisation:
            raise HTTPException(403, f"an editor of {user.organisation} cannot record areas "
                                     f"of {org}")
    if not props.get("code"):
        with store.read() as conn:
            props["code"] = next_codes(conn, hazard_areas, "HA", 1)[0]
    shapes = np.empty(1, dtype=object)
    shapes[0] = geom
    batch = hazards_from_table(FeatureTable(shapes, pd.DataFrame([props])))
    if batch.problems:
        raise invalid({_field(p.reason): p.reason for p in batch.problems})
    try:
        result = import_hazards(store, batch, user.actor, "api")
    except InputError as exc:
        raise invalid({_field(p.reason): p.reason for p in exc.problems}) from None
    if result.already:
        raise HTTPException(409, f"hazard area {props['code']} exists already")
    response = feature_response(request, str(props["code"]), 201)
    if key:
        remember(store, user, key, response)
    return response


def _field(reason: str) -> str:
    head = reason.split(":", 1)[0].split(" ", 1)[0]
    return head if head in hazard_areas.c or head == "geometry" else "feature"


async def _update(request: Request, collection_id: str, feature_id: str, whole: bool
                  ) -> Response:
    edited_collection(collection_id, "GET, OPTIONS")
    user = writer(request)
    body = await feature_body(request)
    store = request.app.state.store
    with store.read() as conn:
        try:
            row = get_hazard(conn, feature_id)
        except LookupError:
            raise HTTPException(404, f"no feature {feature_id!r} in {EDITED}") from None
    geom = read_geometry(body)
    errors: dict[str, str] = {}
    if geom is not None and not shapely.equals_exact(
            shapely.normalize(geom), shapely.normalize(row["geom"]), tolerance=1e-9):
        errors["geometry"] = ("a hazard area's shape is not changed in place: land leaves it "
                              "by releases; record a new hazard area for new land")
    props = dict(body.get("properties") or {})
    changes = {k: v for k, v in props.items() if k in EDITABLE}
    for key, value in props.items():
        if key not in EDITABLE and not _same(row.get(key), value):
            errors[key] = f"{key} is not edited through this API (editable: {', '.join(EDITABLE)})"
    if whole:  # PUT: editable attributes left out are cleared
        changes.update({k: None for k in EDITABLE if k not in props and row.get(k) is not None})
    parsed, refused = parse_changes(changes)
    errors.update(refused)
    if errors:
        raise invalid(errors)
    try:
        update_hazard(store, feature_id, parsed, user.actor, expected_version(request),
                      own_records(user))
    except StaleRecord as exc:
        raise HTTPException(412, str(exc)) from None
    return feature_response(request, feature_id)


def _same(stored: Any, sent: Any) -> bool:
    """Whether a read-only value sent back equals the stored one (as GIS clients resend them)."""
    if stored is None or sent is None:
        return stored is None and sent is None
    if isinstance(stored, float) or isinstance(sent, float):
        try:
            return math.isclose(float(stored), float(sent), rel_tol=1e-9, abs_tol=1e-6)
        except (TypeError, ValueError):
            return False
    return str(stored)[:10] == str(sent)[:10] if hasattr(stored, "isoformat") else \
        str(stored) == str(sent)


@router.put("/collections/{collection_id}/items/{feature_id}", summary="Replace a feature")
async def replace(request: Request, collection_id: str, feature_id: str) -> Response:
    return await _update(request, collection_id, feature_id, whole=True)


@router.patch("/collections/{collection_id}/items/{feature_id}", summary="Correct a feature")
async def correct(request: Request, collection_id: str, feature_id: str) -> Response:
    return await _update(request, collection_id, feature_id, whole=False)


@router.delete("/collections/{collection_id}/items/{feature_id}", summary="Delete a feature")
def remove(request: Request, collection_id: str, feature_id: str) -> Response:
    edited_collection(collection_id, "GET, OPTIONS")
    user = writer(request)
    try:
        delete_hazard(request.app.state.store, feature_id, user.actor,
                      expected_version(request), own_records(user))
    except LookupError:
        raise HTTPException(404, f"no feature {feature_id!r} in {EDITED}") from None
    except StaleRecord as exc:
        raise HTTPException(412, str(exc)) from None
    except RecordInUse as exc:
        raise HTTPException(409, str(exc)) from None
    return Response(status_code=204)


@router.options("/collections/{collection_id}/items", include_in_schema=False)
def items_options(collection_id: str) -> Response:
    collection_or_404(collection_id)
    allow = "GET, POST, OPTIONS" if collection_id == EDITED else "GET, OPTIONS"
    return Response(status_code=204, headers={"Allow": allow})


@router.options("/collections/{collection_id}/items/{feature_id}", include_in_schema=False)
def item_options(collection_id: str, feature_id: str) -> Response:
    collection_or_404(collection_id)
    allow = ("GET, PUT, PATCH, DELETE, OPTIONS" if collection_id == EDITED
             else "GET, OPTIONS")
    return Response(status_code=204, headers={"Allow": allow})
