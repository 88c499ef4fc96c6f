"""The OGC API's own OpenAPI 3.0 document, describing each collection as OGC servers do."""

from __future__ import annotations

from typing import Any

from demine.api.collections import COLLECTIONS

PARAMETERS: dict[str, Any] = {
    "bbox": {"name": "bbox", "in": "query", "required": False, "style": "form",
             "explode": False, "description": "minlon,minlat,maxlon,maxlat (CRS84)",
             "schema": {"type": "array", "minItems": 4, "maxItems": 6,
                        "items": {"type": "number"}}},
    "datetime": {"name": "datetime", "in": "query", "required": False,
                 "description": "An instant or an interval (a/b, '..' for an open end)",
                 "schema": {"type": "string"}},
    "limit": {"name": "limit", "in": "query", "required": False, "style": "form",
              "explode": False,
              "schema": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 100}},
    "offset": {"name": "offset", "in": "query", "required": False,
               "schema": {"type": "integer", "minimum": 0, "default": 0}},
    "filter": {"name": "filter", "in": "query", "required": False,
               "description": "A CQL2-text filter on the queryables", "schema": {"type": "string"}},
    "filter-lang": {"name": "filter-lang", "in": "query", "required": False,
                    "schema": {"type": "string", "enum": ["cql2-text"]}},
    "f": {"name": "f", "in": "query", "required": False,
          "schema": {"type": "string", "enum": ["json", "html"]}},
    "featureId": {"name": "featureId", "in": "path", "required": True,
                  "schema": {"type": "string"}},
}


def _ok(description: str, media: str = "application/json") -> dict[str, Any]:
    return {"description": description, "content": {media: {"schema": {"type": "object"}}}}


def _errors() -> dict[str, Any]:
    return {"400": {"description": "A parameter cannot be used"},
            "401": {"description": "A login is needed"},
            "403": {"description": "This role may not do this"},
            "404": {"description": "Not found"}}


def _responses(status: str, ok: dict[str, Any]) -> dict[str, Any]:
    return _with_errors({status: ok})


def _with_errors(responses: dict[str, Any]) -> dict[str, Any]:
    return {**responses, **_errors()}


def openapi_document(root: str) -> dict[str, Any]:
    """OpenAPI 3.0 for the landing page, conformance, collections and each collection's items."""
    ref = {k: {"$ref": f"#/components/parameters/{k}"} for k in PARAMETERS}
    paths: dict[str, Any] = {
        "/": {"get": {"operationId": "landing", "summary": "Landing page",
                      "parameters": [ref["f"]], "responses": {"200": _ok("Landing page")}}},
        "/conformance": {"get": {"operationId": "conformance", "summary": "Conformance classes",
                                 "parameters": [ref["f"]],
                                 "responses": {"200": _ok("Conformance classes")}}},
        "/collections": {"get": {"operationId": "collections", "summary": "Collections",
                                 "parameters": [ref["f"]],
                                 "responses": {"200": _ok("The collections")}}},
    }
    for coll in COLLECTIONS.values():
        base = f"/collections/{coll.id}"
        paths[base] = {"get": {"operationId": f"{coll.id}-collection", "summary": coll.title,
                               "parameters": [ref["f"]],
                               "responses": {"200": _ok(coll.description), **_errors()}}}
        paths[f"{base}/queryables"] = {"get": {
            "operationId": f"{coll.id}-queryables", "summary": f"Queryables of {coll.id}",
            "responses": _responses("200", _ok("Queryables", "application/schema+json"))}}
        paths[f"{base}/items"] = {"get": {
            "operationId": f"{coll.id}-items", "summary": f"Features of {coll.id}",
            "parameters": [ref[k] for k in ("bbox", "datetime", "limit", "offset", "filter",
                                            "filter-lang", "f")],
            "responses": _responses("200", _ok("A page of features", "application/geo+json"))}}
        item = {"get": {"operationId": f"{coll.id}-item", "summary": f"One feature of {coll.id}",
                        "parameters": [ref["featureId"], ref["f"]],
                        "responses": {"200": _ok("A feature", "application/geo+json"),
                                      **_errors()}}}
        if coll.id == "hazard_areas":
            body = {"required": True, "content": {"application/geo+json": {
                "schema": {"type": "object"}}}}
            paths[f"{base}/items"]["post"] = {
                "operationId": f"{coll.id}-create", "summary": "Record a hazard area",
                "requestBody": body, "security": [{"basic": []}, {"bearer": []}],
                "responses": {"201": {"description": "Created"}, "422": {"description":
                              "Invalid feature"}, **_errors()}}
            for method, summary in (("put", "Replace a hazard area's attributes"),
                                    ("patch", "Correct attributes of a hazard area")):
                item[method] = {"operationId": f"{coll.id}-{method}", "summary": summary,
                                "parameters": [ref["featureId"]], "requestBody": body,
                                "security": [{"basic": []}, {"bearer": []}],
                                "responses": _with_errors({
                                    "200": {"description": "Updated"},
                                    "412": {"description": "Stale If-Match"},
                                    "422": {"description": "Invalid values"}})}
            item["delete"] = {"operationId": f"{coll.id}-delete",
                              "summary": "Delete a hazard area with no work recorded",
                              "parameters": [ref["featureId"]],
                              "security": [{"basic": []}, {"bearer": []}],
                              "responses": _with_errors({
                                  "204": {"description": "Deleted"},
                                  "409": {"description": "Work is recorded on it"}})}
        paths[f"{base}/items/{{featureId}}"] = item
    return {
        "openapi": "3.0.3",
        "info": {"title": "demine", "version": "0.1.0",
                 "description": "OGC API - Features for the mine action registry"},
        "servers": [{"url": root}],
        "paths": paths,
        "components": {
            "parameters": PARAMETERS,
            "securitySchemes": {"basic": {"type": "http", "scheme": "basic"},
                                "bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
