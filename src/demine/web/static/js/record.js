// A hazard area's page: send the edit form to the API and show the record's history.
//
// Only changed fields are sent (PATCH), with If-Match on the version the page was read at, so an
// edit made meanwhile by someone else is refused (412) rather than silently overwritten.

const NUMERIC = new Set(["beneficiaries", "priority"]);

const record = document.getElementById("hazard-record");
const code = record.dataset.code;
const form = document.getElementById("edit-form");
const status = document.getElementById("edit-status");
const itemUrl = `/collections/hazard_areas/items/${encodeURIComponent(code)}`;
const historyUrl = `/registry/hazard_areas/${encodeURIComponent(code)}/history`;

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

function formValues() {
  const values = {};
  for (const element of form.elements) {
    if (element.name) values[element.name] = element.value.trim();
  }
  return values;
}

let saved = form ? formValues() : {};

function asSent(name, text) {
  if (text === "") return null;
  if (NUMERIC.has(name) && /^-?\d+$/.test(text)) return Number(text);
  return text;
}

function clearErrors() {
  for (const small of form.querySelectorAll(".error")) small.textContent = "";
  for (const field of form.querySelectorAll(".field")) field.classList.remove("invalid");
}

function showError(name, message) {
  const small = document.getElementById(`e-${name}`);
  if (small) {
    small.textContent = message;
    small.closest(".field").classList.add("invalid");
    return true;
  }
  return false;
}

async function problemText(response) {
  try {
    const body = await response.json();
    return typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
  } catch {
    return response.statusText;
  }
}

function showProperties(feature) {
  for (const cell of document.querySelectorAll("td[data-property]")) {
    const value = feature.properties[cell.dataset.property];
    if (value === undefined) continue;
    const link = cell.querySelector("a");
    if (link && value !== null) {
      link.textContent = value;
      link.href = link.href.replace(/[^/]*$/, encodeURIComponent(value));
    } else {
      cell.textContent = value ?? "";
    }
  }
  const title = document.getElementById("record-name");
  if (title) title.textContent = feature.properties.name ?? "";
}

async function save(event) {
  event.preventDefault();
  clearErrors();
  const now = formValues();
  const changes = {};
  for (const [name, value] of Object.entries(now)) {
    if (value !== saved[name]) changes[name] = asSent(name, value);
  }
  if (Object.keys(changes).length === 0) {
    status.textContent = "Nothing changed.";
    return;
  }
  status.textContent = "Saving…";
  const response = await fetch(itemUrl, {
    method: "PATCH",
    credentials: "same-origin",
    headers: {
      "Content-Type": "application/json",
      "Accept": "application/geo+json",
      "If-Match": `"${record.dataset.version}"`,
      "X-CSRF-Token": csrfToken(),
    },
    body: JSON.stringify({ properties: changes }),
  });
  if (response.ok) {
    const tag = (response.headers.get("ETag") || "").replace(/^W\//, "").replaceAll('"', "");
    if (tag) record.dataset.version = tag;
    showProperties(await response.json());
    saved = now;
    status.textContent = "Saved.";
    await loadHistory();
  } else if (response.status === 422) {
    const body = await response.json();
    const problems = Array.isArray(body.detail) ? body.detail : [];
    const general = [];
    for (const problem of problems) {
      const name = problem.field ?? (problem.loc ? problem.loc[problem.loc.length - 1] : "");
      const message = problem.message ?? problem.msg ?? String(problem);
      if (!showError(name, message)) general.push(message);
    }
    status.textContent = general.length ? general.join("; ") : "Please correct the fields marked.";
  } else if (response.status === 412) {
    status.textContent = "Someone changed this record since this page was opened: "
      + "reload the page to see their change, then edit again.";
  } else {
    status.textContent = `Not saved (${response.status}): ${await problemText(response)}`;
  }
}

function cell(text) {
  const td = document.createElement("td");
  td.textContent = text ?? "";
  return td;
}

async function loadHistory() {
  const body = document.querySelector("#history tbody");
  const response = await fetch(historyUrl, { credentials: "same-origin",
                                             headers: { Accept: "application/json" } });
  body.replaceChildren();
  if (!response.ok) {
    const tr = document.createElement("tr");
    const td = cell(`The history could not be read (${response.status}).`);
    td.colSpan = 5;
    tr.append(td);
    body.append(tr);
    return;
  }
  for (const event of await response.json()) {
    const tr = document.createElement("tr");
    tr.dataset.event = event.event;
    tr.append(cell(event.date), cell(event.recorded_at), cell(event.actor), cell(event.event),
              cell(event.detail));
    body.append(tr);
  }
  document.body.dataset.historyLoaded = String(body.children.length);
}

if (form) form.addEventListener("submit", save);
loadHistory();
