"""Map figures of the reports as inline SVG: polygons drawn in metres on the plane tangent at
the map's centre (`demine.geo.local`), in the sector's colours (the /map page's palette), with a
scale bar and north up. Polygons are simplified to half a drawing unit so that a region of
thousands of hazard areas stays a small figure."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

import numpy as np
import shapely
from markupsafe import Markup

from demine.geo.local import local_metres
from demine.report.charts import FONT, PALETTE, nice_step


@dataclass
class Layer:
    """Polygons (or points) drawn alike, each with its own fill colour."""

    geoms: Sequence[shapely.Geometry]
    fills: Sequence[str]
    stroke: str = "none"
    stroke_width: float = 0.0
    dash: str | None = None
    opacity: float = 1.0
    labels: Sequence[str] = field(default_factory=list)
    radius: float = 2.5


class Frame:
    """Lon/lat to drawing units: local metres about the centre, scaled to fit the box.

    A map much wider than high (a strip along a border) is cut into `panels` strips, west to
    east, laid one under the other at a larger scale; they are drawn from one copy of the
    figure, each through its own clip."""

    def __init__(self, geoms: Sequence[shapely.Geometry], width: int, max_height: int,
                 pad: int = 12, gap: int = 14):
        xmin, ymin, xmax, ymax = shapely.total_bounds(np.array(geoms, dtype=object))
        self.lon0, self.lat0 = (xmin + xmax) / 2, (ymin + ymax) / 2
        box = self.metres([shapely.box(xmin, ymin, xmax, ymax)])[0]
        bx0, by0, bx1, by1 = box.bounds
        span_x, span_y = max(bx1 - bx0, 1.0), max(by1 - by0, 1.0)
        inner = width - 2 * pad
        self.panels = 1 if span_x / span_y < 2.4 else min(3, math.ceil(span_x / span_y / 2.4))
        self.scale = min(inner * self.panels / span_x,
                         ((max_height - 2 * pad) / self.panels - gap) / span_y)
        self.panel_width = span_x * self.scale / self.panels
        self.panel_height = span_y * self.scale
        self.width = width
        self.height = math.ceil(self.panels * (self.panel_height + gap) - gap + 2 * pad)
        spare = inner / self.scale - span_x if self.panels == 1 else 0.0  # centre a tall map
        self.x0, self.y1, self.pad, self.gap = bx0 - spare / 2, by1, pad, gap

    def metres(self, geoms: Sequence[shapely.Geometry]) -> np.ndarray:
        arr = np.array(geoms, dtype=object)
        return local_metres(arr, np.full(len(arr), self.lon0), np.full(len(arr), self.lat0))

    def draw(self, geoms: Sequence[shapely.Geometry], simplify: bool = True) -> np.ndarray:
        """The geometries in drawing units (y down), simplified to half a unit."""
        if not len(geoms):
            return np.array([], dtype=object)
        s, x0, y1, pad = self.scale, self.x0, self.y1, self.pad
        drawn = shapely.transform(self.metres(geoms), lambda c: np.column_stack(
            [(c[:, 0] - x0) * s + pad, (y1 - c[:, 1]) * s + pad]))
        return np.asarray(shapely.simplify(drawn, 0.5, preserve_topology=True)) if simplify \
            else drawn


def path_data(geom: shapely.Geometry) -> str:
    """An SVG path's `d` for a (multi)polygon in drawing units (holes by the even-odd rule)."""
    parts = []
    for polygon in getattr(geom, "geoms", [geom]):
        if polygon.is_empty or polygon.geom_type != "Polygon":
            continue
        for ring in [polygon.exterior, *polygon.interiors]:
            xy = np.asarray(ring.coords)[:-1]
            if len(xy) >= 3:
                parts.append("M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in xy) + "Z")
    return "".join(parts)


def map_svg(layers: Sequence[Layer], label: str, width: int = 720, max_height: int = 760,
            outlines: Sequence[tuple[shapely.Geometry, str]] = ()) -> Markup:
    """The layers bottom to top, admin-unit `outlines` with their names on top."""
    every = [g for layer in layers for g in layer.geoms if g is not None and not g.is_empty]
    every += [g for g, _ in outlines if g is not None and not g.is_empty]
    if not every:
        return Markup('<p class="empty">Nothing to map.</p>')
    frame = Frame(every, width, max_height)
    body = []
    for layer in layers:
        body += _layer(frame, layer)
    if outlines:
        shapes = frame.draw([g for g, _ in outlines])
        for shape, (_, name) in zip(shapes, outlines, strict=True):
            body.append(f'<path d="{path_data(shape)}" fill="none" stroke="#333" '
                        f'stroke-width="0.8" stroke-dasharray="6 3"/>')
            spot = shape.representative_point()
            body.append(f'<text x="{spot.x:.1f}" y="{spot.y:.1f}" text-anchor="middle" '
                        f'font-size="12" fill="#222" stroke="#fff" stroke-width="3" '
                        f'paint-order="stroke">{escape(name)}</text>')
    drawing = [f'<rect width="{frame.width}" height="{frame.height}" fill="#fff"/>']
    if frame.panels == 1:
        drawing += [f'<rect width="{frame.width}" height="{frame.height}" '
                    f'fill="{PALETTE["paper"]}"/>', *body]
    else:
        drawing += _panels(frame, body)
    drawing += _scale_bar(frame)
    drawing.append(f'<text x="{frame.width - 18}" y="24" text-anchor="middle" font-size="14" '
                   f'font-weight="bold">N</text><path d="M{frame.width - 18} 28l-5 12h10z" '
                   f'fill="#222"/>')
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="map" viewBox="0 0 {frame.width} '
        f'{frame.height}" role="img" aria-label="{escape(label)}" {FONT} font-size="10">'
        f"<title>{escape(label)}</title>{''.join(drawing)}</svg>")


def _panels(frame: Frame, body: list[str]) -> list[str]:
    """The drawing once, shown through one clipped window per strip, strips one under another."""
    uid = f"m{id(frame):x}"
    pad, w, h = frame.pad, frame.panel_width, frame.panel_height
    out = [f'<defs><g id="{uid}">{"".join(body)}</g>']
    out += [f'<clipPath id="{uid}c{k}"><rect x="{pad + k * w:.1f}" y="{pad}" width="{w:.1f}" '
            f'height="{h:.1f}"/></clipPath>' for k in range(frame.panels)]
    out.append("</defs>")
    for k in range(frame.panels):
        dy = k * (h + frame.gap)
        out.append(f'<rect x="{pad}" y="{pad + dy:.1f}" width="{w:.1f}" height="{h:.1f}" '
                   f'fill="{PALETTE["paper"]}" stroke="#999" stroke-width="0.5"/>')
        out.append(f'<g transform="translate({-k * w:.1f} {dy:.1f})">'
                   f'<g clip-path="url(#{uid}c{k})"><use href="#{uid}"/></g></g>')
    return out


def _layer(frame: Frame, layer: Layer) -> list[str]:
    keep = [k for k, g in enumerate(layer.geoms) if g is not None and not g.is_empty]
    if not keep:
        return []
    geoms = [layer.geoms[k] for k in keep]
    style = (f'stroke="{layer.stroke}" stroke-width="{layer.stroke_width}" '
             f'fill-opacity="{layer.opacity}"' + (f' stroke-dasharray="{layer.dash}"'
                                                  if layer.dash else ""))
    body = []
    if all(g.geom_type == "Point" for g in geoms):
        for k, point in zip(keep, frame.draw(geoms, simplify=False), strict=True):
            body.append(f'<circle cx="{point.x:.1f}" cy="{point.y:.1f}" r="{layer.radius}" '
                        f'fill="{layer.fills[k]}" {style}/>')
            if layer.labels:
                body.append(f'<text x="{point.x + 4:.1f}" y="{point.y - 3:.1f}" font-size="8">'
                            f"{escape(layer.labels[k])}</text>")
        return body
    by_fill: dict[str, list[str]] = {}
    for k, shape in zip(keep, frame.draw(geoms), strict=True):
        by_fill.setdefault(layer.fills[k], []).append(path_data(shape))
    for fill, paths in by_fill.items():  # one path per colour keeps the figure small
        body.append(f'<path d="{"".join(paths)}" fill="{fill}" fill-rule="evenodd" {style}/>')
    return body


def _scale_bar(frame: Frame) -> list[str]:
    metres = nice_step(frame.width / frame.scale / 5, 1)
    length = metres * frame.scale
    x, y = frame.pad + 4, frame.height - frame.pad - 4
    text = f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"
    return [f'<rect x="{x - 3}" y="{y - 16}" width="{length + 6 + 8 * len(text)}" height="22" '
            f'fill="#fff" fill-opacity="0.8"/>',
            f'<path d="M{x} {y - 4}v4h{length:.1f}v-4" fill="none" stroke="#222" '
            f'stroke-width="1.5"/>',
            f'<text x="{x + length + 6:.1f}" y="{y + 1}" font-size="11">{text}</text>']
