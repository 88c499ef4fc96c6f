// The plan as a Gantt chart in plain SVG: a row per team, a bar per task from its planned start
// to its planned end (a day, at least), coloured by activity type, under a time axis of
// years and months.
//
// The chart scrolls in its box; the team names (left) and the axis (top) are SVGs of their own,
// sticky in it, so they stay in view. Each bar is a <rect class="bar"> carrying data-task,
// data-team, data-hazard, data-activity, data-start and data-end, with a <title> naming its
// hazard area, and links to that hazard area's record.

import { element } from "./charts.js";
import { dayOf, isoOf, MONTH_NAMES, monthOf, monthStart } from "./dates.js";

const ROW = 18, BAR = 12, LABELS = 132, AXIS = 36;
const MIN_DAY = 1; // pixels per day at least, so a week-long task is still a bar
const UNKNOWN = "#999999";

function svg(width, height, attributes = {}) {
  return element("svg", { width, height, viewBox: `0 0 ${width} ${height}`, ...attributes });
}

// The time axis: years above (with a line at each new year), months below.
function axis(first, months, perDay, width) {
  const top = svg(width, AXIS, { class: "gantt-axis", "aria-hidden": "true" });
  for (let m = first; m < first + months; m += 1) {
    const x = (monthStart(m) - monthStart(first)) * perDay;
    const wide = (monthStart(m + 1) - monthStart(m)) * perDay;
    const january = m % 12 === 0;
    top.append(element("line", { x1: x, x2: x, y1: january || m === first ? 0 : 18, y2: AXIS,
                                 class: january ? "year" : "month" }));
    if (january || m === first) {
      top.append(element("text", { x: x + 4, y: 13, class: "tick" }, String(Math.floor(m / 12))));
    }
    const name = wide >= 26 ? MONTH_NAMES[m % 12] : wide >= 9 ? MONTH_NAMES[m % 12][0] : "";
    if (name) {
      top.append(element("text", { x: x + wide / 2, y: 31, class: "tick",
                                   "text-anchor": "middle" }, name));
    }
  }
  top.append(element("line", { x1: 0, x2: width, y1: AXIS - 0.5, y2: AXIS - 0.5,
                               class: "year" }));
  return top;
}

function describe(team, info) {
  const parts = [team];
  if (info?.type) parts.push(info.type);
  if (info?.organisation) parts.push(info.organisation);
  return parts.join(" · ");
}

// chart = {tasks: [{code, team, hazard, activity_type, planned_start, planned_end}],
// teams: Map(code -> {type, organisation}), colours: {activity type: colour}}.
export function gantt(target, chart) {
  const byTeam = new Map();
  for (const task of chart.tasks) {
    if (!byTeam.has(task.team)) byTeam.set(task.team, []);
    byTeam.get(task.team).push(task);
  }
  const teams = [...byTeam.keys()].sort((a, b) => String(a).localeCompare(String(b)));
  const span = (t) => {
    const start = dayOf(t.planned_start);
    return [start, Math.max(dayOf(t.planned_end ?? t.planned_start), start + 1)];
  };
  const first = monthOf(isoOf(Math.min(...chart.tasks.map((t) => span(t)[0]))));
  const months = monthOf(isoOf(Math.max(...chart.tasks.map((t) => span(t)[1])) - 1)) - first + 1;
  const origin = monthStart(first), days = monthStart(first + months) - origin;
  const room = Math.max(target.clientWidth - LABELS - 2, 200);
  const perDay = Math.max(room / days, MIN_DAY);
  const width = Math.ceil(days * perDay), height = teams.length * ROW;

  const labels = svg(LABELS, height, { class: "gantt-labels" });
  const bars = svg(width, height, { class: "gantt-bars", role: "group",
                                    "aria-label": "Planned tasks by team over time" });
  teams.forEach((team, i) => {
    if (i % 2) {
      bars.append(element("rect", { x: 0, y: i * ROW, width, height: ROW, class: "stripe" }));
      labels.append(element("rect", { x: 0, y: i * ROW, width: LABELS, height: ROW,
                                      class: "stripe" }));
    }
  });
  for (let m = first; m <= first + months; m += 1) {
    const x = (monthStart(m) - origin) * perDay;
    bars.append(element("line", { x1: x, x2: x, y1: 0, y2: height,
                                  class: m % 12 === 0 ? "year" : "month" }));
  }
  teams.forEach((team, i) => {
    const info = chart.teams.get(team);
    const label = element("text", { x: 6, y: i * ROW + 13, class: "team", "data-team": team },
                          info?.type ? `${team} ${info.type}` : String(team));
    label.append(element("title", {}, `${describe(team, info)}: ${byTeam.get(team).length} `
                                      + "planned tasks"));
    labels.append(label);
    for (const task of byTeam.get(team)) {
      const [start, end] = span(task);
      const link = element("a", { href: `/records/hazard_areas/${encodeURIComponent(task.hazard)}` });
      const bar = element("rect", {
        x: (start - origin) * perDay, y: i * ROW + (ROW - BAR) / 2,
        width: Math.max((end - start) * perDay, 2), height: BAR, rx: 2, class: "bar",
        fill: chart.colours[task.activity_type] ?? UNKNOWN,
        "data-task": task.code, "data-team": team, "data-hazard": task.hazard,
        "data-activity": task.activity_type, "data-start": task.planned_start,
        "data-end": task.planned_end ?? task.planned_start,
      });
      bar.append(element("title", {}, `${task.hazard}: ${task.activity_type} by ${team}, `
                 + `${task.planned_start} to ${task.planned_end ?? task.planned_start} `
                 + `(${task.code})`));
      link.append(bar);
      bars.append(link);
    }
  });

  const grid = document.createElement("div");
  grid.className = "gantt-grid";
  grid.style.gridTemplateColumns = `${LABELS}px ${width}px`;
  grid.style.gridTemplateRows = `${AXIS}px ${height}px`;
  const corner = document.createElement("div");
  corner.className = "gantt-corner";
  corner.textContent = "team";
  grid.append(corner, axis(first, months, perDay, width), labels, bars);
  target.replaceChildren(grid);
}
