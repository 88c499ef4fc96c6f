// The map's layer groups, bottom to top: what each reads, how it is drawn, how its legend reads.
//
// A group is one checkbox of the layer switcher and one GeoJSON source; it may draw several
// MapLibre layers (hazard areas: a fill by classification and one outline per status, since a
// line's dash pattern cannot follow a property).

import * as colours from "./palette.js";

const visible = { visibility: "visible" };

function byKind(table, fallback) {
  return ["match", ["get", "kind"], ...Object.entries(table).flat(), fallback];
}

// Evidence is points or polygons in one layer: each MapLibre layer draws its own geometry type
// (a circle layer would otherwise put a circle on every vertex of a polygon).
function ofType(...types) {
  return ["match", ["geometry-type"], types, true, false];
}
const POINTS = ofType("Point", "MultiPoint");
const AREAS = ofType("Polygon", "MultiPolygon");

const percent = new Intl.NumberFormat("en", { style: "percent", maximumFractionDigits: 1 });
const signed = new Intl.NumberFormat("en", { signDisplay: "always", maximumFractionDigits: 2 });

// A risk cell's popup: its probability, then what raised or lowered it, largest effect first
// (contributions are in log-odds: +0.7 roughly doubles the odds, -0.7 halves them).
function describeRisk(props) {
  const rows = [["risk", percent.format(props.risk)], ["as of", props.as_of],
                ["hazard area", props.hazard ?? "none"], ["cell", props.cell]];
  let contributions = {};
  try {
    contributions = JSON.parse(props.contributions || "{}") || {};
  } catch {
    contributions = {};
  }
  const largest = Object.entries(contributions).sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]));
  for (const [name, value] of largest) {
    rows.push([name.replaceAll("_", " "),
               `${value >= 0 ? "raises" : "lowers"} risk (${signed.format(value)} log-odds)`]);
  }
  return rows;
}

const hazardOutlines = Object.entries(colours.STATUS_OUTLINE).map(([status, style]) => ({
  id: `hazard-outline-${status}`, type: "line", filter: ["==", ["get", "status"], status],
  layout: visible,
  paint: { "line-color": style.colour, "line-width": style.width,
           ...(style.dash ? { "line-dasharray": style.dash } : {}) },
}));

export const GROUPS = [
  {
    id: "land_cover", collection: "land_cover", title: "Land cover",
    layers: [{ id: "land-cover", type: "fill", layout: visible,
               paint: { "fill-color": byKind(colours.LAND_COVER, "#eeeeee") } }],
    legend: Object.entries(colours.LAND_COVER).map(([kind, colour]) => (
      { label: kind.replace("_", "-"), fill: colour })),
  },
  {
    // The risk map covers the whole region: read only in view, and only when the view holds
    // fewer cells than `inView.budget` (else the legend asks to zoom in).
    id: "risk", collection: "risk_cells", title: "Contamination risk",
    layers: [{ id: "risk-fill", type: "fill", layout: visible,
               paint: { "fill-color": ["interpolate", ["linear"], ["get", "risk"],
                                       ...colours.RISK_RAMP.flat()],
                        "fill-opacity": 0.6 } }],
    legend: colours.RISK_RAMP.map(([risk, colour]) => (
      { label: `${percent.format(risk)} chance of contamination`, fill: colour })),
    inView: { budget: 40000 },
    popup: true,
    describe: describeRisk,
  },
  {
    id: "rivers", collection: "rivers", title: "Rivers",
    layers: [{ id: "rivers", type: "line", layout: visible,
               paint: { "line-color": colours.RIVER, "line-width": 2.2 } }],
    legend: [{ label: "river", line: colours.RIVER }],
  },
  {
    id: "roads", collection: "roads", title: "Roads",
    layers: [
      { id: "roads", type: "line", layout: visible, filter: ["!=", ["get", "kind"], "track"],
        paint: { "line-color": colours.ROAD,
                 "line-width": ["match", ["get", "kind"], "main", 2.6, 1.6] } },
      { id: "tracks", type: "line", layout: visible, filter: ["==", ["get", "kind"], "track"],
        paint: { "line-color": colours.ROAD, "line-width": 1, "line-dasharray": [3, 2] } },
    ],
    legend: [{ label: "road", line: colours.ROAD }, { label: "track", line: colours.ROAD,
                                                      dash: true }],
  },
  {
    id: "front_lines", collection: "front_lines", title: "Former front lines",
    layers: [{ id: "front-lines", type: "line", layout: visible,
               paint: { "line-color": colours.FRONT_LINE, "line-width": 2,
                        "line-opacity": ["match", ["get", "kind"], "front_line", 0.9, 0.5],
                        "line-dasharray": [4, 2] } }],
    legend: [{ label: "former front line", line: colours.FRONT_LINE, dash: true }],
  },
  {
    id: "positions", collection: "positions", title: "Former positions",
    layers: [{ id: "positions", type: "circle", layout: visible,
               paint: { "circle-radius": 3, "circle-color": colours.POSITION,
                        "circle-opacity": 0.7 } }],
    legend: [{ label: "position", circle: colours.POSITION }],
    popup: true,
  },
  {
    id: "settlements", collection: "locations", params: { level: "settlement" },
    title: "Settlements",
    layers: [{ id: "settlements", type: "circle", layout: visible,
               paint: { "circle-radius": 4.5, "circle-color": "#ffffff",
                        "circle-stroke-color": colours.SETTLEMENT,
                        "circle-stroke-width": 2 } }],
    legend: [{ label: "settlement", circle: "#ffffff", stroke: colours.SETTLEMENT }],
    popup: true,
  },
  {
    id: "hazards", collection: "hazard_areas", title: "Hazard areas",
    layers: [{ id: "hazard-fill", type: "fill", layout: visible,
               paint: { "fill-color": ["match", ["get", "classification"],
                                       "CHA", colours.CLASSIFICATION.CHA,
                                       colours.CLASSIFICATION.SHA],
                        "fill-opacity": ["match", ["get", "status"], "closed", 0.15, 0.5] } }],
    // Outlines go above released land, which lies inside its hazard area.
    overlay: hazardOutlines, overlayAfter: "releases",
    legend: [
      { label: "confirmed (CHA)", fill: colours.CLASSIFICATION.CHA },
      { label: "suspected (SHA)", fill: colours.CLASSIFICATION.SHA },
      ...Object.values(colours.STATUS_OUTLINE).map((s) => (
        { label: s.label, line: s.colour, dash: Boolean(s.dash) })),
    ],
    popup: true,
  },
  {
    id: "releases", collection: "releases", title: "Released land",
    layers: [{ id: "release-fill", type: "fill", layout: visible,
               paint: { "fill-color": ["match", ["get", "method"],
                                       "cleared", colours.RELEASE.cleared,
                                       "reduced", colours.RELEASE.reduced,
                                       colours.RELEASE.cancelled],
                        "fill-opacity": 0.8 } }],
    legend: Object.entries(colours.RELEASE).map(([method, colour]) => (
      { label: method, fill: colour })),
    popup: true,
  },
  {
    id: "evidence", collection: "evidence", title: "Evidence",
    layers: [
      { id: "evidence-fill", type: "fill", layout: visible, filter: AREAS,
        paint: { "fill-color": colours.EVIDENCE, "fill-opacity": 0.25 } },
      { id: "evidence-outline", type: "line", layout: visible, filter: AREAS,
        paint: { "line-color": colours.EVIDENCE, "line-width": 1.5 } },
      { id: "evidence", type: "circle", layout: visible, filter: POINTS,
        paint: { "circle-radius": 4, "circle-color": colours.EVIDENCE,
                 "circle-stroke-color": "#ffffff", "circle-stroke-width": 1 } },
    ],
    legend: [{ label: "evidence (point)", circle: colours.EVIDENCE },
             { label: "evidence (area)", fill: `${colours.EVIDENCE}40`, stroke: colours.EVIDENCE }],
    popup: true,
  },
  {
    id: "finds", collection: "finds", title: "Finds",
    layers: [{ id: "finds", type: "circle", layout: visible,
               paint: { "circle-radius": 4, "circle-color": colours.FIND,
                        "circle-stroke-color": "#ffffff", "circle-stroke-width": 1 } }],
    legend: [{ label: "explosive ordnance found", circle: colours.FIND }],
    popup: true,
  },
  {
    id: "accidents", collection: "accidents", title: "Accidents",
    layers: [{ id: "accidents", type: "circle", layout: visible,
               paint: { "circle-radius": 5.5,
                        "circle-color": ["case", ["to-boolean", ["get", "demining"]],
                                         colours.DEMINING_ACCIDENT, colours.ACCIDENT],
                        "circle-stroke-color": "#ffffff", "circle-stroke-width": 1.5 } }],
    legend: [{ label: "accident (civilian)", circle: colours.ACCIDENT },
             { label: "accident (demining)", circle: colours.DEMINING_ACCIDENT }],
    popup: true,
  },
];

// Each group's MapLibre layers, with the source they draw and in drawing order.
export function styleLayers(groups) {
  const layers = [];
  for (const group of groups) {
    for (const layer of group.layers) layers.push({ ...layer, source: group.id });
    for (const over of groups.filter((g) => g.overlayAfter === group.id)) {
      for (const layer of over.overlay) layers.push({ ...layer, source: over.id });
    }
  }
  return layers;
}

export function layerIds(group) {
  return [...group.layers, ...(group.overlay || [])].map((layer) => layer.id);
}

// A style with no tiles, sprites or fonts: a plain background the context layers draw over.
export function blankStyle(background) {
  return {
    version: 8,
    sources: {},
    layers: [{ id: "background", type: "background", paint: { "background-color": background } }],
  };
}
