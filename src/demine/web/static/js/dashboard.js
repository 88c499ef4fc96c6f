// The dashboard: reads /dashboard/data (computed by demine.stats.dashboard) and draws four charts.

import { columns, rows } from "./charts.js";
import { CLASSIFICATION, DEMINING_ACCIDENT, ACCIDENT, FIND, RELEASE } from "./palette.js";

const M2 = " m²";

function show(id, draw, chart) {
  draw(document.getElementById(id), chart);
}

async function main() {
  const response = await fetch("/dashboard/data", { credentials: "same-origin",
                                                    headers: { Accept: "application/json" } });
  if (!response.ok) {
    document.getElementById("dashboard-status").textContent =
      `The figures could not be read (${response.status}).`;
    return;
  }
  const data = await response.json();
  const released = data.released_by_month;
  show("released-by-month", columns, {
    label: "Land released by method per month", unit: M2,
    categories: released.months.map((m) => m.month),
    series: released.methods.map((method) => ({
      name: method, colour: RELEASE[method], values: released.months.map((m) => m[method]) })),
  });
  const units = data.remaining_by_admin_unit;
  show("remaining-by-unit", rows, {
    label: "Remaining hazardous area by admin unit", unit: M2,
    categories: units.map((u) => u.name),
    series: ["CHA", "SHA"].map((cls) => ({
      name: cls, colour: CLASSIFICATION[cls], values: units.map((u) => u[cls]) })),
  });
  const found = data.finds_by_category;
  show("finds-by-category", rows, {
    label: "Finds by ordnance category", unit: "",
    categories: found.map((f) => f.category),
    series: [{ name: "finds", colour: FIND, values: found.map((f) => f.count) }],
  });
  const accidents = data.accidents_by_month;
  show("accidents-by-month", columns, {
    label: "Accidents by month", unit: "",
    categories: accidents.months.map((m) => m.month),
    series: [
      { name: "civilian", colour: ACCIDENT,
        values: accidents.months.map((m) => m.count - m.demining) },
      { name: "demining", colour: DEMINING_ACCIDENT,
        values: accidents.months.map((m) => m.demining) },
    ],
  });
  document.body.dataset.dashboardDrawn = "1";
}

main();
