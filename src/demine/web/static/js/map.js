// The web map: the registry's layers over a blank background, from the OGC API items endpoints.
//
// When everything is drawn, <body data-map-ready> is set, <body data-hazards-loaded> holds the
// number of hazard areas read and <body data-risk-loaded> that of risk cells in view;
// `window.demineMap` is the MapLibre map (for checks such as queryRenderedFeatures on the
// "hazard-fill" layer).

import * as maplibregl from "../vendor/maplibre-gl/maplibre-gl.mjs";
import { addBasemap } from "./basemap.js";
import { layerSwitcher, legend, popupContent } from "./controls.js";
import { extentOf, fetchCollection, union } from "./features.js";
import { blankStyle, GROUPS, styleLayers } from "./layers.js";
import { PAPER } from "./palette.js";

const config = JSON.parse(document.getElementById("map-config").textContent);
const status = document.getElementById("map-status");
const readable = new Set(config.collections);
const available = new Set(GROUPS.filter((g) => readable.has(g.collection)).map((g) => g.id));
const counts = {};

const map = new maplibregl.Map({
  container: "map",
  style: blankStyle(PAPER),
  center: [0, 0],
  zoom: 1,
  attributionControl: { compact: true },
});
window.demineMap = map;
map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-left");

function report(message) {
  status.textContent = status.textContent ? `${status.textContent}; ${message}` : message;
  document.body.dataset.mapError = status.textContent;
}

async function loadGroup(group) {
  try {
    const data = await fetchCollection(group.collection, group.params || {});
    map.getSource(group.id).setData(data);
    counts[group.id] = data.features.length;
    return data.features;
  } catch (error) {
    report(`${group.title} could not be read (${error.message})`);
    return [];
  }
}

// A group read in view (the risk map): again after each move, the latest answer drawn only, and
// nothing but a note in the legend when the view holds more than its budget.
const asked = {};
async function loadInView(group) {
  const b = map.getBounds();
  const lon = (v) => Math.min(180, Math.max(-180, v));
  const bbox = [lon(b.getWest()), b.getSouth(), lon(b.getEast()), b.getNorth()]
    .map((v) => v.toFixed(6)).join(",");
  const mine = (asked[group.id] = (asked[group.id] || 0) + 1);
  const note = document.querySelector(`#legend [data-note="${group.id}"]`);
  try {
    const data = await fetchCollection(group.collection, { ...(group.params || {}), bbox },
                                       group.inView.budget);
    if (mine !== asked[group.id]) return;
    map.getSource(group.id).setData(data || { type: "FeatureCollection", features: [] });
    counts[group.id] = data ? data.features.length : 0;
    if (note) note.textContent = data ? "" : "Zoom in to see it.";
    document.body.dataset[`${group.id}Loaded`] = String(counts[group.id]);
  } catch (error) {
    report(`${group.title} could not be read (${error.message})`);
  }
}

function focusOn(code, hazards) {
  const target = hazards.filter((f) => f.properties.code === code);
  if (target.length === 0) {
    report(`no hazard area ${code} on the map`);
    return null;
  }
  map.addLayer({ id: "hazard-focus", type: "line", source: "hazards",
                 filter: ["==", ["get", "code"], code],
                 paint: { "line-color": "#000000", "line-width": 4 } });
  return extentOf(target);
}

function enablePopups() {
  const groupOf = new Map();
  for (const group of GROUPS.filter((g) => g.popup)) {
    for (const layer of group.layers) groupOf.set(layer.id, group);
  }
  const near = (point) => [[point.x - 4, point.y - 4], [point.x + 4, point.y + 4]];
  const hits = (point) => map.queryRenderedFeatures(near(point), { layers: [...groupOf.keys()] });
  map.on("click", (event) => {
    const [hit] = hits(event.point);
    if (!hit) return;
    new maplibregl.Popup({ maxWidth: "380px" })
      .setLngLat(event.lngLat)
      .setDOMContent(popupContent(groupOf.get(hit.layer.id), hit, config.records))
      .addTo(map);
  });
  map.on("mousemove", (event) => {
    map.getCanvas().style.cursor = hits(event.point).length ? "pointer" : "";
  });
}

async function main() {
  await map.once("load");
  for (const group of GROUPS) {
    map.addSource(group.id, { type: "geojson", data: { type: "FeatureCollection", features: [] } });
  }
  for (const layer of styleLayers(GROUPS)) map.addLayer(layer);
  const switcher = document.getElementById("layer-switcher");
  layerSwitcher(map, GROUPS, available, switcher);
  legend(GROUPS, available, document.getElementById("legend"));
  enablePopups();

  const readableGroups = GROUPS.filter((g) => available.has(g.id));
  const whole = readableGroups.filter((g) => !g.inView);
  const inView = readableGroups.filter((g) => g.inView);
  const loaded = Object.fromEntries(await Promise.all(
    whole.map(async (g) => [g.id, await loadGroup(g)])));
  const box = (config.focus && focusOn(config.focus, loaded.hazards || []))
    || union(Object.values(loaded).map(extentOf));
  if (box) {
    map.fitBounds([[box[0], box[1]], [box[2], box[3]]], { padding: 40, duration: 0,
                                                           maxZoom: 16 });
  }
  await Promise.all(inView.map(loadInView));
  map.on("moveend", () => inView.forEach(loadInView));
  if (config.basemap) {
    try {
      const ids = await addBasemap(maplibregl, map, config.basemap, map.getStyle().layers[1]?.id);
      const basemap = { id: "basemap", title: "Basemap", layers: ids.map((id) => ({ id })) };
      available.add("basemap");
      layerSwitcher(map, [basemap, ...GROUPS], available, switcher);
    } catch (error) {
      report(`the basemap could not be read (${error.message})`);
    }
  }
  const idle = map.once("idle");
  map.triggerRepaint();
  await idle;
  document.body.dataset.hazardsLoaded = String(counts.hazards ?? 0);
  document.body.dataset.mapReady = "1";
}

main().catch((error) => report(error.message));
