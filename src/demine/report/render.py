"""The reports as self-contained HTML: one Jinja2 template each, inline CSS, charts and maps
as inline SVG, plain tables. Nothing in the page is fetched from anywhere."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import shapely
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from sqlalchemy import Connection, select

from demine.model.vocab import Classification, HazardStatus, LocationLevel
from demine.report import charts
from demine.report.figures import METHODS, accident_figures, period_label, progress_figures
from demine.report.handover import handover_figures
from demine.report.maps import Layer, map_svg
from demine.report.units import AdminUnit, gazetteer
from demine.stats.landrelease import Period
from demine.store.schema import hazard_areas, locations, releases

TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                        autoescape=select_autoescape(["html"]))
OUTLINE = {HazardStatus.OPEN.value: ("#4a1010", None),
           HazardStatus.WORKED_ON.value: ("#4a1010", "3 2"),
           HazardStatus.CLOSED.value: ("#8c8c8c", None)}


def m2(value: Any) -> str:
    """Square metres as `demine stats` prints them (thousands separated, no decimals)."""
    return "0" if value is None else f"{float(value):,.0f}"


def number(value: Any) -> str:
    return "" if value is None else f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"


TEMPLATES.filters.update(m2=m2, number=number)


def _page(template: str, **context: Any) -> str:
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return TEMPLATES.get_template(template).render(palette=charts.PALETTE, generated=generated,
                                                   methods=METHODS, **context)


def _region_map(conn: Connection, period: Period, figures: dict[str, Any],
                unit: AdminUnit | None) -> Markup:
    """Hazard areas in scope (CHA red, SHA orange, status by outline) with the land released by
    the period's end on top, by method, and the admin units' outlines."""
    codes = {u["code"] for u in figures["remaining_by_unit"]}
    rows = conn.execute(select(hazard_areas.c.code, hazard_areas.c.classification,
                               hazard_areas.c.location, hazard_areas.c.geom)).all()
    status: pd.Series = figures["status_at_end"]
    rows = [r for r in rows if r.code in status.index]
    layers = []
    for state, (stroke, dash) in OUTLINE.items():
        chosen = [r for r in rows if status[r.code] == state]
        layers.append(Layer([r.geom for r in chosen],
                            [charts.PALETTE[r.classification] for r in chosen],
                            stroke=stroke, stroke_width=0.4, dash=dash))
    rel = conn.execute(select(releases.c.hazard, releases.c.method, releases.c.release_date,
                              releases.c.geom)).all()
    end = period.end or date.max
    rel = [r for r in rel if r.hazard in status.index and (r.release_date or date.min) <= end]
    layers.append(Layer([r.geom for r in rel], [charts.PALETTE.get(r.method, "#999")
                                                for r in rel]))
    units = conn.execute(select(locations.c.code, locations.c.name, locations.c.geom).where(
        locations.c.level == LocationLevel.ADMIN2.value)).all()
    outlines = [(u.geom, u.name) for u in units if u.code in codes and u.geom is not None
                and u.geom.geom_type in ("Polygon", "MultiPolygon")]
    where = unit.label if unit else "the registry"
    return map_svg(layers, f"Hazard areas and released land of {where}", outlines=outlines)


def progress_html(conn: Connection, period: Period, unit: AdminUnit | None) -> str:
    """The land-release progress report of a period (and optionally one admin unit)."""
    figures = progress_figures(conn, period, unit)
    units = [u for u in figures["remaining_by_unit"] if u["remaining_m2"] > 0]
    figures["charts"] = {
        "monthly": charts.stacked_bars(figures["monthly"], METHODS,
                                       "Land released per month by method (m²)")
        if figures["monthly"] else None,
        "cumulative": charts.line(figures["monthly"], "cumulative",
                                  "Land released since the period began (m²)")
        if figures["monthly"] else None,
        "remaining": charts.hbars(units, [c.value for c in Classification],
                                  "Remaining hazardous area by admin unit (m²)")
        if units else None,
        "map": _region_map(conn, period, figures, unit),
    }
    return _page("progress.html", f=figures)


def accidents_html(conn: Connection, period: Period, unit: AdminUnit | None,
                   personal: bool = False) -> str:
    """Accidents and victims of a period; names and dates of birth only when `personal`."""
    places = gazetteer(conn)
    figures = accident_figures(conn, period, unit, places, personal)
    return _page("accidents.html", f=figures, period_label=period_label(period),
                 unit=unit)


def handover_html(conn: Connection, code: str) -> str:
    """The completion and handover certificate of a closed hazard area."""
    figures = handover_figures(conn, code)
    hazard = figures["hazard"]
    released = figures["releases"]
    points = [p for r in released for p in r["points"]]
    numbered = len(points) <= 80
    tp_geoms = [shapely.Point(p["lon"], p["lat"]) for p in points]
    tp_labels = [f"{r['code'][-3:]}.{p['n']}" for r in released for p in r["points"]]
    layers = [
        Layer([hazard["geom"]], [charts.PALETTE[hazard["classification"]]],
              stroke="#4a1010", stroke_width=1.5, opacity=0.35),
        Layer([r["geom"] for r in released], [charts.PALETTE.get(r["method"], "#999")
                                              for r in released],
              stroke="#222", stroke_width=0.6, opacity=0.85),
        Layer(tp_geoms, ["#111"] * len(tp_geoms), radius=1.6,
              labels=tp_labels if numbered else []),
        Layer([shapely.Point(f["lon"], f["lat"]) for f in figures["finds"]
               if f["lon"] is not None],
              [charts.PALETTE["find"]] * len(figures["finds"]), stroke="#fff",
              stroke_width=0.6, radius=3.5),
    ]
    figures["map"] = map_svg(layers, f"Hazard area {code} and its released land",
                             max_height=640)
    figures["numbered"] = numbered
    return _page("handover.html", f=figures)
