// An optional basemap from one local PMTiles file served by the app (raster or vector tiles).
//
// The PMTiles reader is loaded only when a basemap is configured. Raster tiles are drawn as they
// are; vector tiles get a plain grey drawing of every layer the archive lists, since a user's
// file may come from any schema.

const READER = "/static/vendor/pmtiles/pmtiles.js";
const INK = "#9a9a9a";

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`cannot load ${src}`));
    document.head.append(script);
  });
}

function vectorLayers(sourceLayers) {
  const layers = [];
  for (const name of sourceLayers) {
    const common = { source: "basemap", "source-layer": name };
    layers.push(
      { id: `basemap-${name}-fill`, type: "fill", ...common,
        filter: ["==", ["geometry-type"], "Polygon"],
        paint: { "fill-color": INK, "fill-opacity": 0.12 } },
      { id: `basemap-${name}-line`, type: "line", ...common,
        filter: ["==", ["geometry-type"], "LineString"],
        paint: { "line-color": INK, "line-width": 0.8 } },
      { id: `basemap-${name}-point`, type: "circle", ...common,
        filter: ["==", ["geometry-type"], "Point"],
        paint: { "circle-color": INK, "circle-radius": 1.5 } },
    );
  }
  return layers;
}

// Adds the basemap under `beforeId`; returns the ids of the layers it added.
export async function addBasemap(maplibregl, map, url, beforeId) {
  await loadScript(READER);
  const { PMTiles, Protocol, TileType } = window.pmtiles;
  const protocol = new Protocol();
  maplibregl.addProtocol("pmtiles", protocol.tile);
  const archive = new PMTiles(new URL(url, window.location.href).href);
  protocol.add(archive);
  const header = await archive.getHeader();
  const source = `pmtiles://${archive.source.getKey()}`;
  let layers;
  if (header.tileType === TileType.Mvt) {
    const metadata = await archive.getMetadata();
    map.addSource("basemap", { type: "vector", url: source });
    layers = vectorLayers((metadata.vector_layers || []).map((layer) => layer.id));
  } else {
    map.addSource("basemap", { type: "raster", url: source, tileSize: 256 });
    layers = [{ id: "basemap-raster", type: "raster", source: "basemap" }];
  }
  for (const layer of layers) map.addLayer(layer, beforeId);
  return layers.map((layer) => layer.id);
}
