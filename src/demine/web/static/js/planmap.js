// The plan page's map: hazard areas coloured by the month their planned clearance ends, over the
// web map's context layers (layers.js) and its basemap, when one is configured.
//
// When everything is drawn, <body data-plan-map-ready> is set; `window.demineMap` is the
// MapLibre map. Each feature of the "plan-hazard-fill" layer carries planned_end (the latest
// end of its planned tasks) and plan_colour (its bin's colour), both absent for an area without
// a planned task, which is drawn grey.

import * as maplibregl from "../vendor/maplibre-gl/maplibre-gl.mjs";
import { addBasemap } from "./basemap.js";
import { layerSwitcher, legend, popupContent } from "./controls.js";
import { monthLabel, monthOf } from "./dates.js";
import { extentOf, fetchCollection, union } from "./features.js";
import { blankStyle, GROUPS, styleLayers } from "./layers.js";
import { NO_PLAN, PAPER, PLAN_RAMP } from "./palette.js";

const CONTEXT = new Set(["land_cover", "rivers", "roads", "settlements"]);
const status = document.getElementById("map-status");

function report(message) {
  status.textContent = status.textContent ? `${status.textContent}; ${message}` : message;
  document.body.dataset.mapError = status.textContent;
}

// At most PLAN_RAMP.length bins of whole months from the first end month to the last, each
// {from, to (months, as monthOf counts them), colour, label}; a bin no area ends in is left out
// of the legend.
export function endBins(ends) {
  const months = [...ends.values()].map(monthOf);
  if (months.length === 0) return [];
  const low = Math.min(...months), high = Math.max(...months);
  const span = high - low + 1;
  const wide = Math.ceil(span / Math.min(PLAN_RAMP.length, span));
  const count = Math.ceil(span / wide);
  return Array.from({ length: count }, (_, i) => {
    const from = low + i * wide, to = Math.min(from + wide - 1, high);
    const colour = PLAN_RAMP[count === 1 ? 0 : Math.round((i * (PLAN_RAMP.length - 1))
                                                          / (count - 1))];
    const label = from === to ? monthLabel(from) : `${monthLabel(from)} – ${monthLabel(to)}`;
    return { from, to, colour, label };
  }).filter((b) => months.some((m) => m >= b.from && m <= b.to));
}

function plannedGroup(bins) {
  return {
    id: "plan_hazards", collection: "hazard_areas", title: "Hazard areas",
    layers: [
      { id: "plan-hazard-fill", type: "fill", layout: { visibility: "visible" },
        paint: { "fill-color": ["coalesce", ["get", "plan_colour"], NO_PLAN],
                 "fill-opacity": 0.85 } },
      { id: "plan-hazard-outline", type: "line", layout: { visibility: "visible" },
        paint: { "line-color": "#3a3a3a", "line-width": 0.7 } },
    ],
    legend: [...bins.map((b) => ({ label: b.label, fill: b.colour })),
             { label: "no planned task", fill: NO_PLAN }],
    popup: true,
  };
}

// Each hazard area with the end of its planned clearance and that end's colour.
function withEnds(features, ends, bins) {
  return features.map((feature) => {
    const end = ends.get(feature.properties.code);
    if (!end) return feature;
    const bin = bins.find((b) => monthOf(end) <= b.to);
    return { ...feature, properties: { ...feature.properties, planned_end: end,
                                       plan_colour: bin.colour } };
  });
}

function enablePopups(map, group) {
  const layers = [group.layers[0].id];
  const near = (point) => [[point.x - 3, point.y - 3], [point.x + 3, point.y + 3]];
  map.on("click", (event) => {
    const [hit] = map.queryRenderedFeatures(near(event.point), { layers });
    if (!hit) return;
    const { plan_colour: _, ...shown } = hit.properties;
    new maplibregl.Popup({ maxWidth: "380px" })
      .setLngLat(event.lngLat)
      .setDOMContent(popupContent(group, { ...hit, properties: shown }, true))
      .addTo(map);
  });
  map.on("mousemove", (event) => {
    const over = map.queryRenderedFeatures(near(event.point), { layers }).length > 0;
    map.getCanvas().style.cursor = over ? "pointer" : "";
  });
}

// Draws the map; `ends` maps a hazard area's code to the latest planned_end of its tasks.
export async function drawPlanMap(config, ends) {
  const map = new maplibregl.Map({ container: "plan-map", style: blankStyle(PAPER),
                                   center: [0, 0], zoom: 1,
                                   attributionControl: { compact: true } });
  window.demineMap = map;
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
  map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-left");
  try {
    await map.once("load");
    const bins = endBins(ends);
    const planned = plannedGroup(bins);
    const groups = [...GROUPS.filter((g) => CONTEXT.has(g.id)), planned];
    for (const group of groups) {
      map.addSource(group.id, { type: "geojson",
                                data: { type: "FeatureCollection", features: [] } });
    }
    for (const layer of styleLayers(groups)) map.addLayer(layer);
    const available = new Set(groups.map((g) => g.id));
    const switcher = document.getElementById("layer-switcher");
    layerSwitcher(map, groups, available, switcher);
    legend(groups, available, document.getElementById("legend"));
    enablePopups(map, planned);

    const read = await Promise.all(groups.map(async (group) => {
      try {
        const data = await fetchCollection(group.collection, group.params || {});
        if (group === planned) data.features = withEnds(data.features, ends, bins);
        map.getSource(group.id).setData(data);
        return data.features;
      } catch (error) {
        report(`${group.title} could not be read (${error.message})`);
        return [];
      }
    }));
    const box = extentOf(read[read.length - 1]) || union(read.map(extentOf));
    if (box) {
      map.fitBounds([[box[0], box[1]], [box[2], box[3]]], { padding: 30, duration: 0,
                                                             maxZoom: 16 });
    }
    if (config.basemap) {
      try {
        const ids = await addBasemap(maplibregl, map, config.basemap,
                                     map.getStyle().layers[1]?.id);
        const basemap = { id: "basemap", title: "Basemap", layers: ids.map((id) => ({ id })) };
        available.add("basemap");
        layerSwitcher(map, [basemap, ...groups], available, switcher);
      } catch (error) {
        report(`the basemap could not be read (${error.message})`);
      }
    }
    const idle = map.once("idle");
    map.triggerRepaint();
    await idle;
    document.body.dataset.planHazards = String(read[read.length - 1].length);
  } catch (error) {
    report(error.message);
  }
  document.body.dataset.planMapReady = "1";
}
