// The map's side panel (layer switcher and legend) and its feature popups, built from GROUPS.

import { layerIds } from "./layers.js";

const HIDDEN = new Set(["id", "created_at", "updated_at", "created_by", "fingerprint"]);
const number = new Intl.NumberFormat("en", { maximumFractionDigits: 1 });

function make(tag, attributes = {}, text = null) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text !== null) node.textContent = text;
  return node;
}

function swatch(item) {
  const box = make("span", { class: "swatch", "aria-hidden": "true" });
  if (item.fill) box.style.background = item.fill;
  if (item.line) {
    box.classList.add("line");
    box.style.borderTop = `3px ${item.dash ? "dashed" : "solid"} ${item.line}`;
  }
  if (item.circle) {
    box.classList.add("circle");
    box.style.background = item.circle;
  }
  if (item.stroke) box.style.border = `2px solid ${item.stroke}`;
  return box;
}

// One checkbox per group, top-most first; a group the user may not read is shown disabled.
export function layerSwitcher(map, groups, available, target) {
  const list = make("ul", { class: "switcher" });
  for (const group of [...groups].reverse()) {
    const readable = available.has(group.id);
    const box = make("input", { type: "checkbox", "data-group": group.id });
    box.checked = readable;
    box.disabled = !readable;
    box.addEventListener("change", () => {
      for (const id of layerIds(group)) {
        if (map.getLayer(id)) {
          map.setLayoutProperty(id, "visibility", box.checked ? "visible" : "none");
        }
      }
    });
    const label = make("label");
    label.append(box, ` ${group.title}`);
    if (!readable) label.append(make("small", {}, " (log in to see)"));
    const item = make("li");
    item.append(label);
    list.append(item);
  }
  target.replaceChildren(list);
}

export function legend(groups, available, target) {
  const body = make("div", { class: "legend" });
  for (const group of [...groups].reverse()) {
    if (!available.has(group.id)) continue;
    body.append(make("h3", {}, group.title));
    const list = make("ul");
    for (const item of group.legend) {
      const row = make("li");
      row.append(swatch(item), ` ${item.label}`);
      list.append(row);
    }
    body.append(list);
    if (group.inView) body.append(make("p", { class: "note", "data-note": group.id }));
  }
  target.replaceChildren(body);
}

function shown(value) {
  if (typeof value === "number" && !Number.isInteger(value)) return number.format(value);
  return String(value);
}

// A feature's properties as (label, text) rows, bookkeeping and empty values left out.
function rows(props) {
  return Object.entries(props)
    .filter(([key, value]) => !HIDDEN.has(key) && value !== null && value !== "")
    .map(([key, value]) => [key.replaceAll("_", " "), shown(value)]);
}

// The popup of a clicked feature: its properties and, for a logged-in user, its record page.
export function popupContent(group, feature, withRecords) {
  const props = feature.properties || {};
  const id = props.code ?? feature.id;
  const box = make("div", { class: "feature-popup" });
  box.append(make("h3", {}, `${group.title}: ${id ?? ""}`));
  const table = make("table");
  for (const [label, value] of (group.describe ? group.describe(props) : rows(props))) {
    const row = make("tr");
    row.append(make("th", {}, label), make("td", {}, value));
    table.append(row);
  }
  box.append(table);
  if (withRecords && id !== undefined && id !== null) {
    const link = make("a", { href: `/records/${group.collection}/${encodeURIComponent(id)}`,
                             class: "record-link" }, "Open the record");
    box.append(link);
  }
  return box;
}
