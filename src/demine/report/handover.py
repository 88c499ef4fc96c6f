"""The figures of a completion and handover certificate: one closed hazard area, the land
released on it by method with the turning points of each polygon, the devices found, the
clearance depth and the result of quality control."""

from __future__ import annotations

import json
from typing import Any

import shapely
from sqlalchemy import Connection, or_, select

from demine.model.vocab import HazardStatus, ReleaseMethod
from demine.report.units import gazetteer
from demine.store.hazards import get_hazard
from demine.store.schema import activities, finds, inspections, organisations, releases

METHOD_ORDER = {m.value: k for k, m in enumerate(ReleaseMethod)}


def turning_points(geom: shapely.Geometry) -> list[dict[str, Any]]:
    """The vertices of each ring of a (multi)polygon, numbered from 1, without the closing
    repeat: what a surveyor marks on the ground and a certificate lists."""
    points: list[dict[str, Any]] = []
    parts = getattr(geom, "geoms", [geom])
    for p, polygon in enumerate(parts, start=1):
        for r, ring in enumerate([polygon.exterior, *polygon.interiors]):
            for lon, lat in list(ring.coords)[:-1]:
                points.append({"n": len(points) + 1, "part": p,
                               "ring": "outer" if r == 0 else f"hole {r}",
                               "lon": float(lon), "lat": float(lat)})
    return points


def _org_names(conn: Connection) -> dict[str, str]:
    return {r.code: r.name for r in conn.execute(select(organisations.c.code,
                                                        organisations.c.name))}


def handover_figures(conn: Connection, code: str) -> dict[str, Any]:
    """Everything a handover certificate shows for the closed hazard area `code` (an
    UnknownRecord for an unknown code, a ValueError for an area that is not closed)."""
    hazard = get_hazard(conn, code)
    if hazard["status"] != HazardStatus.CLOSED.value:
        raise ValueError(
            f"hazard area {code} is not closed (status {hazard['status']}, "
            f"{float(hazard['remaining_area_m2']):,.0f} m2 remain): a handover certificate is "
            "only issued for a closed area")
    orgs = _org_names(conn)
    places = gazetteer(conn)
    rel_rows = conn.execute(select(releases).where(releases.c.hazard == code)
                            .order_by(releases.c.release_date, releases.c.code)).mappings().all()
    released = []
    for row in sorted(rel_rows, key=lambda r: (METHOD_ORDER.get(r["method"], 9),
                                               str(r["release_date"]), r["code"])):
        released.append({
            "code": row["code"], "method": row["method"], "date": row["release_date"],
            "area_m2": float(row["area_m2"]), "activity": row["activity"],
            "organisation": orgs.get(row["organisation"], row["organisation"] or ""),
            "depth_cm": row["depth_cm"], "geom": row["geom"],
            "points": turning_points(row["geom"]),
        })
    acts = [dict(r) for r in conn.execute(
        select(activities.c.code, activities.c.type, activities.c.team,
               activities.c.organisation, activities.c.start_date, activities.c.end_date,
               activities.c.status, activities.c.method, activities.c.depth_cm)
        .where(activities.c.hazard == code).order_by(activities.c.start_date,
                                                     activities.c.code)).mappings()]
    activity_codes = [a["code"] for a in acts]
    found = [{**dict(r), "lon": r["geom"].x if r["geom"] is not None else None,
              "lat": r["geom"].y if r["geom"] is not None else None}
             for r in conn.execute(
                 select(finds.c.code, finds.c.category, finds.c.model, finds.c.condition,
                        finds.c.depth_cm, finds.c.disposal, finds.c.find_date, finds.c.geom)
                 .where(or_(finds.c.hazard == code, finds.c.activity.in_(activity_codes)))
                 .order_by(finds.c.find_date, finds.c.code)).mappings()]
    checks = []
    for r in conn.execute(select(inspections).where(inspections.c.activity.in_(activity_codes))
                          .order_by(inspections.c.inspection_date)).mappings():
        faults = [f"{n.get('severity', '')}: {n.get('description', '')}"
                  if isinstance(n, dict) else str(n)
                  for n in (json.loads(r["non_conformities"]) if r["non_conformities"] else [])]
        checks.append({"code": r["code"], "date": r["inspection_date"],
                       "activity": r["activity"],
                       "organisation": orgs.get(r["organisation"], r["organisation"] or ""),
                       "sample_size": r["sample_size"], "result": r["result"],
                       "non_conformities": faults})
    by_method = {m.value: sum(r["area_m2"] for r in released if r["method"] == m.value)
                 for m in ReleaseMethod}
    depths = sorted({int(d) for d in [r["depth_cm"] for r in released if r["method"] == "cleared"]
                     + [a["depth_cm"] for a in acts if a["type"] in ("CLEARANCE", "BAC")]
                     if d is not None})
    dates = [r["date"] for r in released if r["date"]]
    location = hazard.get("location")
    return {
        "hazard": {
            "code": code, "name": hazard.get("name") or "",
            "classification": hazard["classification"], "status": hazard["status"],
            "contamination": hazard.get("contamination") or "",
            "organisation": orgs.get(hazard.get("organisation") or "",
                                     hazard.get("organisation") or ""),
            "area_m2": float(hazard["area_m2"]),
            "reported_area_m2": hazard.get("reported_area_m2"),
            "remaining_area_m2": float(hazard["remaining_area_m2"]),
            "blocked_land_use": hazard.get("blocked_land_use") or "",
            "beneficiaries": hazard.get("beneficiaries"),
            "location": places.name(location) if location else "",
            "unit": places.name(places.admin2(location)) if location else "",
            "geom": hazard["geom"],
        },
        "releases": released,
        "by_method": by_method,
        "released_m2": sum(by_method.values()),
        "first_date": min(dates) if dates else None,
        "closed_date": max(dates) if dates else None,
        "activities": acts,
        "finds": found,
        "depths_cm": depths,
        "inspections": checks,
    }
