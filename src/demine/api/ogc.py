"""OGC API - Features: Part 1 Core (GeoJSON and HTML), Part 3 filtering, Part 4 editing.

Routes are thin: they parse, check who is asking, and call `features` (reads) or the store's own
write functions (edits), so a feature edited here is accounted and audited like any other write.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Connection, and_

from demine.api import features as fx
from demine.api.auth import READ_ROLES, require
from demine.api.collections import COLLECTIONS, Collection
from demine.api.cql2 import FilterError, parse_filter
from demine.api.html import render
from demine.api.openapi_doc import openapi_document
from demine.store.accounts import User, get_setting

GEOJSON = "application/geo+json"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
]
"""What this service conforms to: every class here is exercised by the tests."""

router = APIRouter()


def wants_html(request: Request) -> bool:
    f = request.query_params.get("f")
    if f:
        return f.lower() == "html"
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "json" not in accept


def base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def readable(request: Request, coll: Collection, conn: Connection | None = None
             ) -> User | None:
    """The user, after checking that they (or the public) may read the collection."""
    user: User | None = request.state.user
    if user is None and coll.public:
        if conn is None:
            with request.app.state.store.read() as own:
                public = get_setting(own, "public_read", "on") == "on"
        else:
            public = get_setting(conn, "public_read", "on") == "on"
        if public:
            return None
    require(user, READ_ROLES)
    return user


def collection_or_404(collection_id: str) -> Collection:
    coll = COLLECTIONS.get(collection_id)
    if coll is None:
        raise HTTPException(404, f"no collection {collection_id!r} (see /collections)")
    return coll


@router.get("/", summary="Landing page")
def landing(request: Request) -> Response:
    root = base(request)
    doc = {
        "title": "demine",
        "description": "Registry of hazardous areas, land release, finds, evidence and "
                       "accidents (OGC API - Features)",
        "links": [
            {"href": f"{root}/?f=json", "rel": "self", "type": "application/json",
             "title": "This document"},
            {"href": f"{root}/?f=html", "rel": "alternate", "type": "text/html",
             "title": "This document as HTML"},
            {"href": f"{root}/api", "rel": "service-desc",
             "type": "application/vnd.oai.openapi+json;version=3.0", "title": "The API"},
            {"href": f"{root}/conformance", "rel": "conformance", "type": "application/json",
             "title": "Conformance classes"},
            {"href": f"{root}/collections", "rel": "data", "type": "application/json",
             "title": "Collections"},
        ],
    }
    if wants_html(request):
        return render(request, "landing.html", doc=doc)
    return JSONResponse(doc)


@router.get("/conformance", summary="Conformance classes")
def conformance(request: Request) -> Response:
    doc = {"conformsTo": CONFORMANCE}
    if wants_html(request):
        return render(request, "conformance.html", doc=doc)
    return JSONResponse(doc)


@router.get("/api", summary="The OGC API's OpenAPI 3.0 document")
def api_document(request: Request) -> Response:
    return JSONResponse(openapi_document(base(request)),
                        media_type="application/vnd.oai.openapi+json;version=3.0")


def collection_doc(root: str, coll: Collection, conn: Any) -> dict[str, Any]:
    url = f"{root}/collections/{coll.id}"
    return {
        "id": coll.id, "title": coll.title, "description": coll.description,
        "itemType": "feature", "crs": [CRS84], "storageCrs": CRS84,
        "extent": fx.extent(conn, coll),
        "links": [
            {"href": url, "rel": "self", "type": "application/json", "title": coll.title},
            {"href": f"{url}?f=html", "rel": "alternate", "type": "text/html"},
            {"href": f"{url}/items", "rel": "items", "type": GEOJSON, "title": "Items"},
            {"href": f"{url}/items?f=html", "rel": "items", "type": "text/html"},
            {"href": f"{url}/schema", "rel": "describedby", "type": "application/schema+json",
             "title": "JSON schema of the items"},
            {"href": f"{url}/queryables", "rel": "http://www.opengis.net/def/rel/ogc/1.0/"
             "queryables", "type": "application/schema+json", "title": "Queryables"},
        ],
    }


@router.get("/collections", summary="Collections")
def collections(request: Request) -> Response:
    root = base(request)
    user = request.state.user
    with request.app.state.store.read() as conn:
        public = get_setting(conn, "public_read", "on") == "on"
        shown = [c for c in COLLECTIONS.values() if user is not None or (c.public and public)]
        doc = {"links": [{"href": f"{root}/collections", "rel": "self",
                          "type": "application/json"}],
               "collections": [collection_doc(root, c, conn) for c in shown]}
    if wants_html(request):
        return render(request, "collections.html", doc=doc)
    return JSONResponse(doc)


@router.get("/collections/{collection_id}", summary="A collection")
def collection(request: Request, collection_id: str) -> Response:
    coll = collection_or_404(collection_id)
    readable(request, coll)
    with request.app.state.store.read() as conn:
        doc = collection_doc(base(request), coll, conn)
    if wants_html(request):
        return render(request, "collection.html", doc=doc)
    return JSONResponse(doc)


def property_schema(coll: Collection) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for c in coll.properties:
        kind = {"INTEGER": "integer", "FLOAT": "number", "BOOLEAN": "boolean"}.get(
            str(c.type).split("(")[0], "string")
        entry: dict[str, Any] = {"title": c.name, "type": kind}
        if str(c.type) == "DATE":
            entry["format"] = "date"
        props[c.name] = entry
    if coll.geometry is not None:
        props["geometry"] = {"x-ogc-role": "primary-geometry",
                             "format": f"geometry-{_geometry_kind(coll)}"}
    return props


def _geometry_kind(coll: Collection) -> str:
    geom = coll.geometry
    kind = getattr(geom.type, "geometry_type", "GEOMETRY") if geom is not None else ""
    return {"MULTIPOLYGON": "multipolygon", "POINT": "point", "LINESTRING": "linestring"}.get(
        kind, "any")


@router.get("/collections/{collection_id}/schema", summary="JSON schema of the items")
def schema(request: Request, collection_id: str) -> Response:
    coll = collection_or_404(collection_id)
    readable(request, coll)
    doc = {"$schema": "https://json-schema.org/draft/2020-12/schema",
           "$id": f"{base(request)}/collections/{coll.id}/schema", "type": "object",
           "title": coll.title, "properties": property_schema(coll)}
    return JSONResponse(doc, media_type="application/schema+json")


@router.get("/collections/{collection_id}/queryables", summary="Queryable properties")
def queryables(request: Request, collection_id: str) -> Response:
    coll = collection_or_404(collection_id)
    readable(request, coll)
    doc = {"$schema": "https://json-schema.org/draft/2020-12/schema",
           "$id": f"{base(request)}/collections/{coll.id}/queryables", "type": "object",
           "title": coll.title, "properties": property_schema(coll),
           "additionalProperties": False}
    return JSONResponse(doc, media_type="application/schema+json")


def queryable_names(coll: Collection) -> set[str]:
    return {c.name for c in coll.properties}


def items_query(request: Request, coll: Collection) -> fx.Query:
    """The items query of a request, or a 400 naming the parameter at fault."""
    params = request.query_params
    try:
        bbox = fx.parse_bbox(params.get("bbox"))
        start, end = fx.parse_datetime(params.get("datetime"))
        limit = fx.parse_limit(params.get("limit"))
        offset_text = params.get("offset") or "0"
        if not offset_text.isdigit():
            raise fx.QueryError("offset", "must be a whole number, 0 or more")
        where = None
        text_filter = params.get("filter")
        lang = params.get("filter-lang", "cql2-text")
        if text_filter:
            if lang != "cql2-text":
                raise fx.QueryError("filter-lang", "only cql2-text is supported")
            with request.app.state.store.read() as conn:
                dialect = conn.dialect.name
            try:
                where = parse_filter(text_filter, coll.table, queryable_names(coll), dialect)
            except FilterError as exc:
                raise fx.QueryError("filter", str(exc)) from None
        conditions = [coll.table.c[name] == value for name, value in params.items()
                      if name in queryable_names(coll)]
        if conditions:
            where = and_(*(([where] if where is not None else []) + conditions))
    except fx.QueryError as exc:
        raise HTTPException(400, str(exc)) from None
    return fx.Query(bbox, start, end, limit, min(int(offset_text), 2**62), where)


@router.get("/collections/{collection_id}/items", summary="Features of a collection")
async def items(request: Request, collection_id: str) -> Response:
    coll = collection_or_404(collection_id)
    q = items_query(request, coll)
    with request.app.state.store.read() as conn:
        readable(request, coll, conn)
        if coll.cached and q.where is None and q.start is None and q.end is None:
            matched, page = request.app.state.features.page(conn, coll, q.bbox, q.limit,
                                                            q.offset)
        else:
            page = fx.items(conn, coll, q)
            # a page that is not full from the first row holds every match: no count needed
            matched = (len(page) if q.offset == 0 and len(page) < q.limit
                       else fx.count(conn, coll, q))
    url = f"{base(request)}/collections/{coll.id}/items"
    keep = [(k, v) for k, v in request.query_params.multi_items() if k not in ("offset", "f")]
    links = [{"href": _url(url, [*keep, ("offset", str(q.offset))]), "rel": "self",
              "type": GEOJSON},
             {"href": f"{base(request)}/collections/{coll.id}", "rel": "collection",
              "type": "application/json"}]
    if q.offset + len(page) < matched:
        links.append({"href": _url(url, [*keep, ("offset", str(q.offset + q.limit))]),
                      "rel": "next", "type": GEOJSON})
    if q.offset > 0:
        links.append({"href": _url(url, [*keep, ("offset", str(max(0, q.offset - q.limit)))]),
                      "rel": "prev", "type": GEOJSON})
    if wants_html(request):
        return render(request, "items.html", collection=coll,
                      features=[json.loads(f) for f in page], matched=matched, links=links)
    body = ('{"type":"FeatureCollection","numberMatched":' + str(matched)
            + ',"numberReturned":' + str(len(page)) + ',"links":' + json.dumps(links)
            + ',"features":[' + ",".join(page) + "]}")
    return Response(body, media_type=GEOJSON)


def _url(url: str, params: list[tuple[str, str]]) -> str:
    return f"{url}?{urlencode(params)}" if params else url


@router.get("/collections/{collection_id}/items/{feature_id}", summary="One feature")
def item(request: Request, collection_id: str, feature_id: str) -> Response:
    coll = collection_or_404(collection_id)
    readable(request, coll)
    with request.app.state.store.read() as conn:
        found = fx.one(conn, coll, feature_id)
        version = fx.version(conn, coll, feature_id)
    if found is None:
        raise HTTPException(404, f"no feature {feature_id!r} in {coll.id}")
    headers = {"ETag": f'"{version}"'} if version is not None else {}
    if wants_html(request):
        return render(request, "item.html", collection=coll, feature=json.loads(found))
    feature = json.loads(found)
    url = f"{base(request)}/collections/{coll.id}/items/{feature_id}"
    feature["links"] = [{"href": url, "rel": "self", "type": GEOJSON},
                        {"href": f"{base(request)}/collections/{coll.id}", "rel": "collection",
                         "type": "application/json"}]
    return Response(json.dumps(feature), media_type=GEOJSON, headers=headers)
