// Reading a collection from the OGC API - Features endpoints, and the extent of what was read.

export const PAGE = 10000; // the API's largest page

async function readPage(collection, url) {
  const response = await fetch(url, { credentials: "same-origin",
                                       headers: { Accept: "application/geo+json" } });
  if (!response.ok) throw new Error(`${collection}: ${response.status} ${response.statusText}`);
  return response.json();
}

// Every feature of a collection: the first page, then each `next` link until there is none.
// With a `budget`, null when more features than that match: a one-feature page asks first, so
// that a view of half a million risk cells costs a count, not megabytes.
export async function fetchCollection(collection, params = {}, budget = Infinity) {
  const items = `/collections/${collection}/items`;
  if (Number.isFinite(budget)) {
    const probe = new URLSearchParams({ ...params, limit: "1" });
    if ((await readPage(collection, `${items}?${probe}`)).numberMatched > budget) return null;
  }
  const query = new URLSearchParams({ limit: String(PAGE), ...params });
  let url = `${items}?${query}`;
  const features = [];
  while (url) {
    const page = await readPage(collection, url);
    features.push(...page.features);
    const next = (page.links || []).find((link) => link.rel === "next");
    url = next && page.features.length > 0 ? next.href : null;
  }
  return { type: "FeatureCollection", features };
}

function extendWith(box, coordinates) {
  if (typeof coordinates[0] === "number") {
    const [x, y] = coordinates;
    box[0] = Math.min(box[0], x); box[1] = Math.min(box[1], y);
    box[2] = Math.max(box[2], x); box[3] = Math.max(box[3], y);
  } else {
    for (const part of coordinates) extendWith(box, part);
  }
}

// [minLon, minLat, maxLon, maxLat] over features, or null when none has a geometry.
export function extentOf(features) {
  const box = [Infinity, Infinity, -Infinity, -Infinity];
  for (const feature of features) {
    if (feature.geometry) extendWith(box, feature.geometry.coordinates);
  }
  return box[0] <= box[2] ? box : null;
}

export function union(boxes) {
  const present = boxes.filter(Boolean);
  if (present.length === 0) return null;
  return [Math.min(...present.map((b) => b[0])), Math.min(...present.map((b) => b[1])),
          Math.max(...present.map((b) => b[2])), Math.max(...present.map((b) => b[3]))];
}
