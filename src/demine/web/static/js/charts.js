// Charts drawn as plain SVG: stacked bars as columns (one per month) and rows (one per category),
// and lines over time (one per series).
//
// Each bar segment carries data-category, data-series and data-value, and each line
// data-series, with a <title> giving the exact figures, so what is drawn can be read back by
// people and tests alike.

import { dayOf, isoOf, monthLabel, monthOf, monthStart } from "./dates.js";

const SVG = "http://www.w3.org/2000/svg";
const compact = new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 1 });
const exact = new Intl.NumberFormat("en", { maximumFractionDigits: 0 });

export function element(name, attributes = {}, text = null) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text !== null) node.textContent = text;
  return node;
}

// A "nice" upper bound for an axis (1, 2 or 5 times a power of ten) and its tick step.
export function scale(maximum, ticks = 4) {
  if (!(maximum > 0)) return { top: 1, step: 0.25 };
  const rough = maximum / ticks;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough);
  return { top: Math.ceil(maximum / step) * step, step };
}

function totals(chart) {
  return chart.categories.map((_, i) => chart.series.reduce((sum, s) => sum + s.values[i], 0));
}

function legend(svg, series, x, y) {
  series.forEach((s, k) => {
    const left = x + k * 120;
    svg.append(element("rect", { x: left, y: y - 10, width: 12, height: 12, fill: s.colour }));
    svg.append(element("text", { x: left + 16, y, class: "legend" }, s.name));
  });
}

function segment(chart, s, i, box) {
  const rect = element("rect", { ...box, fill: s.colour, "data-category": chart.categories[i],
                                 "data-series": s.name, "data-value": s.values[i] });
  rect.append(element("title", {},
    `${chart.categories[i]}, ${s.name}: ${exact.format(s.values[i])}${chart.unit ?? ""}`));
  return rect;
}

function empty(target, chart) {
  const p = document.createElement("p");
  p.className = "empty";
  p.textContent = chart.emptyText ?? "Nothing recorded yet.";
  target.replaceChildren(p);
}

// Vertical stacked bars: chart = {categories, series: [{name, colour, values}], unit}.
export function columns(target, chart) {
  if (chart.categories.length === 0) return empty(target, chart);
  const width = 640, height = 280, left = 56, right = 8, top = 28, bottom = 48;
  const inner = { w: width - left - right, h: height - top - bottom };
  const { top: max, step } = scale(Math.max(...totals(chart)));
  const svg = element("svg", { viewBox: `0 0 ${width} ${height}`, role: "img",
                               "aria-label": chart.label ?? "" });
  for (let v = 0; v <= max + step / 2; v += step) {
    const y = top + inner.h - (v / max) * inner.h;
    svg.append(element("line", { x1: left, x2: width - right, y1: y, y2: y, class: "grid" }));
    svg.append(element("text", { x: left - 6, y: y + 4, class: "tick", "text-anchor": "end" },
                       compact.format(v)));
  }
  const band = inner.w / chart.categories.length;
  const bar = Math.max(2, band * 0.7);
  const every = Math.ceil(chart.categories.length / 12);
  chart.categories.forEach((category, i) => {
    const x = left + i * band + (band - bar) / 2;
    let base = top + inner.h;
    for (const s of chart.series) {
      const h = (s.values[i] / max) * inner.h;
      base -= h;
      if (h > 0) svg.append(segment(chart, s, i, { x, y: base, width: bar, height: h }));
    }
    if (i % every === 0) {
      svg.append(element("text", { x: x + bar / 2, y: top + inner.h + 16, class: "tick",
                                   "text-anchor": "middle" }, category));
    }
  });
  legend(svg, chart.series, left, height - 8);
  target.replaceChildren(svg);
}

// Horizontal stacked bars, one row per category (admin units, ordnance categories).
export function rows(target, chart) {
  if (chart.categories.length === 0) return empty(target, chart);
  const rowHeight = 22, left = 150, right = 56, top = 8;
  const width = 640;
  const height = top + chart.categories.length * rowHeight + (chart.series.length > 1 ? 30 : 8);
  const { top: max } = scale(Math.max(...totals(chart)));
  const inner = width - left - right;
  const svg = element("svg", { viewBox: `0 0 ${width} ${height}`, role: "img",
                               "aria-label": chart.label ?? "" });
  const sums = totals(chart);
  chart.categories.forEach((category, i) => {
    const y = top + i * rowHeight;
    svg.append(element("text", { x: left - 6, y: y + 15, class: "tick", "text-anchor": "end" },
                       category));
    let x = left;
    for (const s of chart.series) {
      const w = (s.values[i] / max) * inner;
      if (w > 0) svg.append(segment(chart, s, i, { x, y: y + 3, width: w, height: rowHeight - 6 }));
      x += w;
    }
    svg.append(element("text", { x: x + 4, y: y + 15, class: "tick" },
                       compact.format(sums[i])));
  });
  if (chart.series.length > 1) legend(svg, chart.series, left, height - 6);
  target.replaceChildren(svg);
}

// Legend entries as short line samples, wrapped into rows `width` wide; returns the rows used.
function lineLegend(svg, series, x, y, width) {
  let left = x, row = 0;
  for (const s of series) {
    const wide = 34 + 6.2 * s.name.length;
    if (left > x && left + wide > x + width) {
      left = x;
      row += 1;
    }
    const middle = y + row * 18 - 4;
    if (svg) {
      svg.append(element("line", { x1: left, x2: left + 22, y1: middle, y2: middle,
                                   stroke: s.colour, "stroke-width": s.width ?? 2,
                                   ...(s.dash ? { "stroke-dasharray": s.dash } : {}) }));
      svg.append(element("text", { x: left + 28, y: y + row * 18, class: "legend" }, s.name));
    }
    left += wide;
  }
  return row + 1;
}

// Ticks of a time axis from day `first` to day `last`: 1 January of each year (every second or
// fifth year when there are many), or the start of every third month over a short span.
function timeTicks(first, last) {
  const years = [];
  for (let y = Number(isoOf(first).slice(0, 4)); ; y += 1) {
    const day = dayOf(`${y}-01-01`);
    if (day > last) break;
    if (day >= first) years.push({ day, label: String(y) });
  }
  if (years.length >= 2) {
    const every = years.length > 24 ? 5 : years.length > 12 ? 2 : 1;
    return years.filter((t) => Number(t.label) % every === 0);
  }
  const months = [];
  for (let m = monthOf(isoOf(first)); monthStart(m) <= last; m += 1) {
    if (monthStart(m) >= first && m % 3 === 0) months.push({ day: monthStart(m),
                                                           label: monthLabel(m) });
  }
  return months;
}

// Lines over time: chart = {label, series: [{name, colour, width, dash, points: [[date, value]]}],
// top and step (the value axis, else a nice one), format (a tick's text), unit}.
export function lines(target, chart) {
  const series = chart.series.filter((s) => s.points.length > 0);
  if (series.length === 0) return empty(target, chart);
  const width = 640, left = 56, right = 16, top = 12, plot = 220, bottom = 30;
  const inner = width - left - right;
  const rowsUsed = lineLegend(null, series, left, 0, inner);
  const height = top + plot + bottom + rowsUsed * 18 + 4;
  const days = series.flatMap((s) => s.points.map(([date]) => dayOf(date)));
  const first = Math.min(...days);
  const last = Math.max(Math.max(...days), first + 1);
  const values = series.flatMap((s) => s.points.map(([, value]) => value));
  const nice = scale(Math.max(...values));
  const max = chart.top ?? nice.top, step = chart.step ?? nice.step;
  const format = chart.format ?? ((v) => compact.format(v));
  const x = (date) => left + ((dayOf(date) - first) / (last - first)) * inner;
  const y = (value) => top + plot - (value / max) * plot;
  const svg = element("svg", { viewBox: `0 0 ${width} ${height}`, role: "img",
                               "aria-label": chart.label ?? "" });
  for (let v = 0; v <= max + step / 2; v += step) {
    svg.append(element("line", { x1: left, x2: width - right, y1: y(v), y2: y(v),
                                 class: "grid" }));
    svg.append(element("text", { x: left - 6, y: y(v) + 4, class: "tick", "text-anchor": "end" },
                       format(v)));
  }
  for (const tick of timeTicks(first, last)) {
    const at = x(isoOf(tick.day));
    svg.append(element("line", { x1: at, x2: at, y1: top, y2: top + plot, class: "grid" }));
    svg.append(element("text", { x: at, y: top + plot + 16, class: "tick",
                                 "text-anchor": "middle" }, tick.label));
  }
  for (const s of series) {
    const d = s.points.map(([date, value], i) => `${i ? "L" : "M"}${x(date).toFixed(1)} `
                                                 + `${y(value).toFixed(1)}`).join(" ");
    const path = element("path", { d, fill: "none", stroke: s.colour,
                                   "stroke-width": s.width ?? 2, "stroke-linejoin": "round",
                                   "data-series": s.name,
                                   ...(s.dash ? { "stroke-dasharray": s.dash } : {}) });
    const [end, value] = s.points[s.points.length - 1];
    path.append(element("title", {}, `${s.name}: ${format(value)}${chart.unit ?? ""} by ${end}`));
    svg.append(path);
  }
  lineLegend(svg, series, left, top + plot + bottom + 14, inner);
  target.replaceChildren(svg);
}
