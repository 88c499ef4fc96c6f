// The survey-design calculators: send a form to the web service (/design/...) and show its answer.
//
// The forms are rendered by the server from demine.stats.calculators: each says where it is sent
// (data-url; a {name} in it is filled from the input of that name) and how its result reads
// (data-shows, with the calculator's own reading around it in data-before and data-after).
// Nothing is computed here: a bad input is refused by the service, and its message is shown.

const M2 = " m²";

function fixed(value, digits) {
  return Number(value).toFixed(digits);
}

function grouped(value, digits = 1) {
  return Number(value).toLocaleString("en", { maximumFractionDigits: digits });
}

function probability(value) {
  return `${fixed(value, 4)} (${fixed(100 * value, 2)} %)`;
}

function plan(value) {
  return `code letter ${value.code_letter}: inspect ${value.n}, accept ≤ ${value.ac}, `
    + `reject ≥ ${value.re}`;
}

const SHOWN = {
  probability,
  plan,
  metres: (value) => `${fixed(value, 4)} m`,
  integer: (value) => String(value),
  number: (value) => (Number.isInteger(value) ? String(value) : fixed(value, 4)),
};

function table(rows) {
  const body = document.createElement("tbody");
  for (const [label, text] of rows) {
    const tr = document.createElement("tr");
    const th = document.createElement("th");
    const td = document.createElement("td");
    th.scope = "row";
    th.textContent = label;
    td.textContent = text;
    tr.append(th, td);
    body.append(tr);
  }
  const element = document.createElement("table");
  element.className = "properties";
  element.append(body);
  return element;
}

function qcFigures(result, inputs) {
  const rows = [
    ["hazard area", `${result.hazard} (${result.status})`],
    ["plan", plan(result.plan)],
    ["cleared land", `${grouped(result.cleared_m2)}${M2}: a lot of ${result.lot_size} units of `
      + `${grouped(result.unit_m2)}${M2}`],
    ["to inspect", `${result.inspected_units} units, ${grouped(result.inspected_m2)}${M2}`
      + (result.whole_lot ? " (the whole lot)" : "")],
  ];
  if (result.acceptance_at_aql !== null) {
    rows.push([`chance the lot passes at the AQL (${grouped(inputs.aql, 4)} %)`,
               probability(result.acceptance_at_aql)]);
  }
  if (result.acceptance_at_5x_aql !== null) {
    rows.push([`chance it passes at 5 × the AQL (${grouped(5 * inputs.aql, 4)} %)`,
               probability(result.acceptance_at_5x_aql)]);
  }
  return table(rows);
}

function tsFigures(result) {
  const left = result.if_nothing_found;
  return table([
    ["hazard area", result.hazard],
    ["lane spacing", `${fixed(result.spacing_m, 3)} m`],
    ["lanes", `${result.lanes}, ${grouped(result.lane_length_m)} m in all`],
    ["searched", `${grouped(result.searched_m2)}${M2} of ${grouped(result.remaining_m2)}${M2} `
      + `remaining (${fixed(100 * result.searched_fraction, 2)} %)`],
    ["if nothing is found", `at most ${left.max_items_left} items remain `
      + `(${grouped(100 * left.confidence, 2)} % confidence)`],
  ]);
}

function show(form, answer) {
  const shows = form.dataset.shows;
  if (shows === "qc") return qcFigures(answer.result, answer.inputs);
  if (shows === "ts") return tsFigures(answer.result);
  const format = SHOWN[shows] ?? SHOWN.number;
  const text = (form.dataset.before ?? "") + format(answer.result) + (form.dataset.after ?? "");
  return document.createTextNode(text);
}

// The form's URL: {name} parts filled from their inputs, the other non-empty fields as the query.
function request(form) {
  const query = new URLSearchParams();
  const path = {};
  for (const element of form.elements) {
    if (!element.name) continue;
    const value = element.value.trim();
    if (form.dataset.url.includes(`{${element.name}}`)) path[element.name] = value;
    else if (value !== "") query.append(element.name, value);
  }
  const url = form.dataset.url.replace(/\{(\w+)\}/g,
                                       (_, name) => encodeURIComponent(path[name] ?? ""));
  const search = query.toString();
  return search ? `${url}?${search}` : url;
}

async function detail(response) {
  try {
    const body = await response.json();
    return typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
  } catch {
    return response.statusText || `error ${response.status}`;
  }
}

const asked = new WeakMap();

async function calculate(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const section = form.closest("section");
  const result = section.querySelector(".result");
  const error = section.querySelector(".error-box");
  const turn = (asked.get(form) ?? 0) + 1;
  asked.set(form, turn);
  error.hidden = true;
  error.textContent = "";
  delete result.dataset.value;
  result.setAttribute("aria-busy", "true");
  result.textContent = "Calculating…";
  let response;
  try {
    response = await fetch(request(form), { credentials: "same-origin",
                                            headers: { Accept: "application/json" } });
  } catch {
    response = null;
  }
  if (asked.get(form) !== turn) return;  // a later submission answers instead
  let problem = null;
  if (response === null) {
    problem = "The service could not be reached.";
  } else if (response.status === 401) {
    problem = `${await detail(response)}: log in again (the session has ended).`;
  } else if (!response.ok) {
    problem = await detail(response);
  } else {
    const answer = await response.json();
    result.replaceChildren(show(form, answer));
    result.dataset.value = JSON.stringify(answer.result);
  }
  if (problem !== null) {
    result.textContent = "";
    error.textContent = problem;
    error.hidden = false;
  }
  result.removeAttribute("aria-busy");
  form.dataset.answered = String(turn);
}

for (const form of document.querySelectorAll("form.calculator-form")) {
  form.addEventListener("submit", calculate);
}
document.body.dataset.calculatorsReady = "1";
