// The plan page: the planned tasks as a Gantt chart (gantt.js), the hazard areas by the month
// their planned clearance ends (planmap.js, when MapLibre GL is installed) and the last
// forecast's curves and dates (charts.js).
//
// Reads the planned tasks and the teams from the OGC API, the forecast from /plan/forecast and
// the admin units' names from the locations. When a part is drawn, <body> gets
// data-gantt-drawn (and data-gantt-tasks, the number of bars), data-forecast-drawn ("1", or
// "none" when no forecast has been made) and, from the map, data-plan-map-ready.

import { lines } from "./charts.js";
import { fetchCollection } from "./features.js";
import { gantt } from "./gantt.js";
import { ACTIVITY, PLAN_RUN, WHAT_IF } from "./palette.js";

const config = JSON.parse(document.getElementById("plan-config").textContent);
const BASELINES = new Set(["priority order", "nearest first"]);
const km2 = new Intl.NumberFormat("en", { maximumFractionDigits: 1 });
const percent = new Intl.NumberFormat("en", { maximumFractionDigits: 1 });

function byId(id) {
  return document.getElementById(id);
}

function make(tag, attributes = {}, text = null) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text !== null) node.textContent = text;
  return node;
}

function swatch(colour) {
  const box = make("span", { class: "swatch", "aria-hidden": "true" });
  box.style.background = colour;
  return box;
}

async function readJson(url) {
  const response = await fetch(url, { credentials: "same-origin",
                                      headers: { Accept: "application/json" } });
  const body = await response.json().catch(() => ({}));
  return { status: response.status, ok: response.ok, body };
}

async function namesOf(collection) {
  try {
    const data = await fetchCollection(collection);
    return new Map(data.features.map((f) => [f.properties.code, f.properties]));
  } catch {
    return new Map(); // the names are a help, not a need
  }
}

// The latest planned end of each hazard area's planned tasks.
function latestEnds(tasks) {
  const ends = new Map();
  for (const task of tasks) {
    const end = task.planned_end ?? task.planned_start;
    if (task.hazard && end && !(ends.get(task.hazard) >= end)) ends.set(task.hazard, end);
  }
  return ends;
}

async function drawGantt(tasks) {
  const key = byId("gantt-key");
  for (const [kind, colour] of Object.entries(ACTIVITY)) {
    const item = make("li");
    item.append(swatch(colour), ` ${kind === "NTS" ? "non-technical survey (NTS)" : "clearance"}`);
    key.append(item);
  }
  if (tasks.length === 0) {
    byId("plan-missing").hidden = false;
    key.hidden = true;
  } else {
    const teams = await namesOf("teams");
    gantt(byId("gantt-chart"), { tasks, teams, colours: ACTIVITY });
    const starts = tasks.map((t) => t.planned_start).sort();
    const ends = tasks.map((t) => t.planned_end ?? t.planned_start).sort();
    const crews = new Set(tasks.map((t) => t.team)).size;
    byId("gantt-status").textContent = `${tasks.length.toLocaleString("en")} planned tasks of `
      + `${crews} teams, from ${starts[0]} to ${ends[ends.length - 1]}. Hover a bar for its `
      + "hazard area; click it for the area's record.";
  }
  document.body.dataset.ganttTasks = String(tasks.length);
  document.body.dataset.ganttDrawn = "1";
}

function runStyles(labels) {
  let next = 0;
  return new Map(labels.map((label) => [label, label === "plan"
    ? { colour: PLAN_RUN, width: 3 }
    : { colour: WHAT_IF[next++ % WHAT_IF.length], width: 2,
        dash: BASELINES.has(label) ? "6 3" : null }]));
}

function dateRow(table, name, dates, colour = null) {
  const row = make("tr");
  const cell = make("td");
  if (colour) cell.append(swatch(colour), " ");
  cell.append(name);
  row.append(cell);
  for (const p of ["p10", "p50", "p90"]) row.append(make("td", { class: "date" }, dates[p]));
  byId(table).querySelector("tbody").append(row);
}

async function drawForecast() {
  const { status, ok, body } = await readJson("/plan/forecast");
  if (status === 404) {
    byId("forecast-missing").hidden = false;
    document.body.dataset.forecastDrawn = "none";
    return;
  }
  if (!ok) {
    byId("forecast-status").textContent = `The forecast could not be read (${status}).`;
    return;
  }
  const labels = Object.keys(body);
  const styles = runStyles(labels);
  const series = (value) => labels.map((label) => ({
    name: label, ...styles.get(label),
    points: body[label].curve.map((p) => [p.date, value(p)]) }));
  lines(byId("released-curve"), {
    label: "Released area over time, by run", unit: " km²",
    series: series((p) => p.released_m2 / 1e6), format: (v) => km2.format(v),
  });
  lines(byId("risk-curve"), {
    label: "Risk left over time, by run", unit: "", top: 100, step: 25,
    series: series((p) => p.risk_left * 100), format: (v) => `${percent.format(v)} %`,
  });
  for (const label of labels) dateRow("region-dates", label, body[label].region,
                                      styles.get(label).colour);
  const plan = body.plan ?? body[labels[0]];
  const places = await namesOf("locations");
  for (const [unit, dates] of Object.entries(plan.units)) {
    const name = places.get(unit)?.name;
    dateRow("unit-dates", name ? `${name} (${unit})` : unit, dates);
  }
  byId("forecast-about").textContent = `${plan.draws.toLocaleString("en")} draws from `
    + `${plan.start}, ${plan.winter_stop ? "teams standing down in December to February"
                                         : "teams working all year"}; P10, P50 and P90 are the `
    + "dates by which the land is released in 10, 50 and 90 % of the draws. Dashed lines: the "
    + "baselines (priority order, nearest first).";
  byId("forecast-body").hidden = false;
  document.body.dataset.forecastDrawn = "1";
}

async function main() {
  let tasks = [];
  try {
    const data = await fetchCollection("tasks", { status: "planned" });
    tasks = data.features.map((f) => f.properties).filter((t) => t.status === "planned"
                                                              && t.planned_start);
  } catch (error) {
    byId("gantt-status").textContent = `The tasks could not be read (${error.message}).`;
  }
  const drawing = [drawGantt(tasks), drawForecast().catch((error) => {
    byId("forecast-status").textContent = `The forecast could not be drawn (${error.message}).`;
  })];
  if (config.vendored) {
    const { drawPlanMap } = await import("./planmap.js");
    drawing.push(drawPlanMap(config, latestEnds(tasks)));
  }
  await Promise.all(drawing);
}

main();
