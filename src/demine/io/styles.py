"""QGIS layer styles for a field package: stored in the GeoPackage's `layer_styles` table, so
QGIS and QField draw hazard areas in the sector's colours as soon as the file is opened."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import quoteattr

CATEGORIES: dict[str, tuple[str, list[tuple[str, str, str]]]] = {
    "hazard_areas": ("classification", [("CHA", "Confirmed hazardous area", "215,25,28"),
                                        ("SHA", "Suspected hazardous area", "253,141,60")]),
    "releases": ("method", [("cancelled", "Cancelled", "199,233,192"),
                            ("reduced", "Reduced", "116,196,118"),
                            ("cleared", "Cleared", "35,139,69")]),
    "land_cover": ("kind", [("farmland", "Farmland", "245,240,200"),
                            ("forest", "Forest", "170,210,160"),
                            ("built_up", "Built-up", "210,200,200")]),
}
SINGLE = {"finds": ("marker", "120,40,160"), "accidents": ("marker", "0,0,0"),
          "roads": ("line", "120,120,120"), "rivers": ("line", "70,130,200"),
          "front_lines": ("line", "150,60,40"), "positions": ("marker", "150,60,40"),
          "evidence": ("marker", "255,200,0"), "teams": ("marker", "30,90,200")}
GRADUATED: dict[str, tuple[str, list[tuple[float, float, str, str]]]] = {
    "risk_cells": ("risk", [(0.0, 0.05, "under 5 %", "255,255,204"),
                            (0.05, 0.1, "5 to 10 %", "254,217,118"),
                            (0.1, 0.25, "10 to 25 %", "253,141,60"),
                            (0.25, 0.5, "25 to 50 %", "227,26,28"),
                            (0.5, 1.0, "50 % and over", "128,0,38")]),
}
"""Layers drawn by classes of a number: (field, [(lower, upper, label, colour)])."""
LAYER_CLASS = {"fill": "SimpleFill", "marker": "SimpleMarker", "line": "SimpleLine"}


def _symbol(name: str, kind: str, rgb: str, outline: bool = True) -> str:
    options = {"fill": {"color": f"{rgb},170", "outline_color": "50,50,50,255",
                        "outline_width": "0.3", "style": "solid",
                        "outline_style": "solid" if outline else "no"},
               "marker": {"color": f"{rgb},255", "name": "circle", "size": "2.4",
                          "outline_color": "255,255,255,255"},
               "line": {"line_color": f"{rgb},255", "line_width": "0.5"}}[kind]
    values = "".join(f'<Option type="QString" name="{k}" value="{v}"/>' for k, v in
                     options.items())
    return (f'<symbol type="{kind}" name="{name}" alpha="1" clip_to_extent="1" force_rhr="0">'
            f'<layer class="{LAYER_CLASS[kind]}" enabled="1" locked="0" pass="0">'
            f'<Option type="Map">{values}</Option></layer></symbol>')


def qml(layer: str, kind: str) -> str | None:
    """The QML style of a layer, or None for layers drawn in QGIS's defaults."""
    head = ("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"
            '<qgis version="3.22.0" styleCategories="Symbology">')
    if layer in CATEGORIES:
        field, cats = CATEGORIES[layer]
        categories = "".join(
            f'<category render="true" value={quoteattr(value)} symbol="{i}" '
            f"label={quoteattr(label)}/>" for i, (value, label, _) in enumerate(cats))
        symbols = "".join(_symbol(str(i), kind, rgb) for i, (_, _, rgb) in enumerate(cats))
        return (f'{head}<renderer-v2 type="categorizedSymbol" attr="{field}" symbollevels="0" '
                f'enableorderby="0" forceraster="0"><categories>{categories}</categories>'
                f"<symbols>{symbols}</symbols></renderer-v2></qgis>")
    if layer in GRADUATED:
        return head + _graduated(layer, kind) + "</qgis>"
    if layer in SINGLE:
        single_kind, rgb = SINGLE[layer]
        return (f'{head}<renderer-v2 type="singleSymbol" symbollevels="0" enableorderby="0" '
                f'forceraster="0"><symbols>{_symbol("0", single_kind, rgb)}</symbols>'
                "</renderer-v2></qgis>")
    return None


def _graduated(layer: str, kind: str) -> str:
    """Classes of a number, each its own colour (cells without outlines: a grid of thousands
    would be all outline at small scales)."""
    field, classes = GRADUATED[layer]
    ranges = "".join(
        f'<range lower="{low:.6f}" upper="{high:.6f}" symbol="{i}" label={quoteattr(label)} '
        'render="true"/>' for i, (low, high, label, _) in enumerate(classes))
    symbols = "".join(_symbol(str(i), kind, rgb, outline=False)
                      for i, (_, _, _, rgb) in enumerate(classes))
    return (f'<renderer-v2 type="graduatedSymbol" attr="{field}" '
            'graduatedMethod="GraduatedColor" symbollevels="0" enableorderby="0" '
            f'forceraster="0"><ranges>{ranges}</ranges><symbols>{symbols}</symbols>'
            "</renderer-v2>")


def write_styles(path: Path, layers: dict[str, str]) -> int:
    """Add default styles for `layers` (name -> fill, marker or line) to a GeoPackage file."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    rows = [(name, "geom", name, text, "", 1, "demine default style", "", now)
            for name, kind in layers.items() if (text := qml(name, kind)) is not None]
    with sqlite3.connect(path) as db:
        db.execute("""CREATE TABLE IF NOT EXISTS layer_styles (
            id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256),
            f_table_schema TEXT(256), f_table_name TEXT(256), f_geometry_column TEXT(256),
            styleName TEXT(30), styleQML TEXT, styleSLD TEXT, useAsDefault BOOLEAN,
            description TEXT, owner TEXT(30), ui TEXT(30), update_time DATETIME)""")
        db.executemany(
            "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
            "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
            "owner, ui, update_time) VALUES ('', '', ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)", rows)
        db.execute("INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, "
                   "last_change) VALUES ('layer_styles', 'attributes', 'layer_styles', ?)",
                   (now,))
    return len(rows)
