// Stacked bar charts drawn as plain SVG: columns (one per month) and rows (one per category).
//
// Each bar segment carries data-category, data-series and data-value, and a <title> with the
// exact figure, so what is drawn can be read back by people and tests alike.

const SVG = "http://www.w3.org/2000/svg";
const compact = new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 1 });
const exact = new Intl.NumberFormat("en", { maximumFractionDigits: 0 });

function element(name, attributes = {}, text = null) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text !== null) node.textContent = text;
  return node;
}

// A "nice" upper bound for an axis (1, 2 or 5 times a power of ten) and its tick step.
function scale(maximum, ticks = 4) {
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
