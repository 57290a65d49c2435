// The viewer's settings: one defaults object, and a validator with exact messages.
//
// Settings come from the page (`data-*` attributes of the map element), the query string
// (`?data=path/`) and the `createViewer(element, options)` call; `resolveSettings` merges them
// over DEFAULTS and throws a `SettingsError` naming the first bad value.

export const DEFAULT_COLORS = [
  "#f0bc00", "#b23993", "#27cc7a", "#15a3ce", "#eb5436",
  "#8a6734", "#ff7474", "#7850ab", "#30b3b3", "#d32f5b",
];

export const DEFAULTS = Object.freeze({
  // Where the exported map is (mapinfo.json, quad_*.json, search/, legend.json); ends with "/".
  dataPath: "data/",
  // Draw image_2400low.jpg then image_2400.jpg under the nodes while zoomed out.
  useBitmap: true,
  // "worker": draw in a worker over an OffscreenCanvas, so drawing never blocks input (the
  // page falls back to "page" where browsers lack it); "page": draw on the main thread.
  renderer: "worker",
  background: "#0d1117",
  // A quad is loaded when its box, on screen, is at least this many pixels (geometric mean of
  // width and height) and intersects the view grown by `quadMargin` of its size.
  quadMinPixels: 240,
  quadMargin: 0.15,
  // Parsed quads kept in memory (the LRU drops the least recently visible beyond this).
  maxCachedQuads: 400,
  // Requests in flight at once.
  maxConcurrentRequests: 6,
  nodeColors: DEFAULT_COLORS,
  nodeMinRadius: 1.5,
  nodeMaxRadius: 11,
  nodeSizePower: 0.5,
  edgeOpacity: 0.35,
  edgeWidth: 0.8,
  labelFont: "12px system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif",
  labelColor: "#e6edf3",
  labelMaxCount: 100,
  labelPadding: 3,
  fadeMs: 300,
  flyMs: 900,
  zoomStep: 1.6,
  // Deepest zoom: an average leaf quad spans this many screen pixels.
  maxLeafPixels: 3000,
  searchMaxResults: 12,
  searchMinChars: 2,
  // A two-letter word whose shard is split loads its three-letter shards up to this many titles.
  searchShardBudget: 4000,
  // Look-up caches (parsed files): equad_ files, search id shards, title shards.
  maxCachedDetails: 24,
  maxCachedShards: 64,
});

const positive = (v) => typeof v === "number" && Number.isFinite(v) && v > 0;
const nonNegative = (v) => typeof v === "number" && Number.isFinite(v) && v >= 0;
const positiveInt = (v) => Number.isInteger(v) && v > 0;
const fraction = (v) => typeof v === "number" && v >= 0 && v <= 1;
const nonEmptyString = (v) => typeof v === "string" && v.length > 0;
const colorString = (v) => typeof v === "string" && /^(#[0-9a-fA-F]{3,8}|[a-z]+|rgba?\([^()]*\))$/.test(v);

// name -> [test, what the message says is expected]
const RULES = {
  dataPath: [(v) => nonEmptyString(v) && v.endsWith("/"), "expecting a non-empty path ending with \"/\""],
  useBitmap: [(v) => typeof v === "boolean", "expecting a boolean"],
  renderer: [(v) => v === "worker" || v === "page", "expecting \"worker\" or \"page\""],
  background: [colorString, "expecting a CSS colour"],
  quadMinPixels: [positive, "expecting a positive number"],
  quadMargin: [fraction, "expecting a number between 0 and 1"],
  maxCachedQuads: [(v) => Number.isInteger(v) && v >= 16, "expecting an integer >= 16"],
  maxConcurrentRequests: [positiveInt, "expecting a positive integer"],
  nodeColors: [(v) => Array.isArray(v) && v.length > 0 && v.every(colorString), "expecting a non-empty array of CSS colours"],
  nodeMinRadius: [positive, "expecting a positive number"],
  nodeMaxRadius: [positive, "expecting a positive number"],
  nodeSizePower: [positive, "expecting a positive number"],
  edgeOpacity: [fraction, "expecting a number between 0 and 1"],
  edgeWidth: [positive, "expecting a positive number"],
  labelFont: [nonEmptyString, "expecting a CSS font string"],
  labelColor: [colorString, "expecting a CSS colour"],
  labelMaxCount: [(v) => Number.isInteger(v) && v >= 0, "expecting an integer >= 0"],
  labelPadding: [nonNegative, "expecting a number >= 0"],
  fadeMs: [nonNegative, "expecting a number >= 0"],
  flyMs: [nonNegative, "expecting a number >= 0"],
  zoomStep: [(v) => typeof v === "number" && v > 1 && Number.isFinite(v), "expecting a number > 1"],
  maxLeafPixels: [positive, "expecting a positive number"],
  searchMaxResults: [positiveInt, "expecting a positive integer"],
  searchMinChars: [positiveInt, "expecting a positive integer"],
  searchShardBudget: [positiveInt, "expecting a positive integer"],
  maxCachedDetails: [positiveInt, "expecting a positive integer"],
  maxCachedShards: [positiveInt, "expecting a positive integer"],
};

export class SettingsError extends Error {
  constructor(message) {
    super(message);
    this.name = "SettingsError";
  }
}

/** Check `options` (a partial settings object); throw a SettingsError for the first bad one. */
export function validateSettings(options) {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new SettingsError("invalid settings: expecting an object");
  }
  for (const [name, value] of Object.entries(options)) {
    const rule = RULES[name];
    if (!rule) {
      throw new SettingsError(`unknown setting \`${name}\`: expecting one of ${Object.keys(RULES).join(", ")}`);
    }
    if (!rule[0](value)) {
      throw new SettingsError(`invalid \`${name}\`: ${rule[1]}`);
    }
  }
  const merged = { ...DEFAULTS, ...options };
  if (merged.nodeMaxRadius < merged.nodeMinRadius) {
    throw new SettingsError("invalid `nodeMaxRadius`: expecting a number >= `nodeMinRadius`");
  }
  return merged;
}

const NUMBER = /^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/** A setting written as text (an HTML attribute or a query parameter) -> its typed value. */
export function parseSettingText(name, text) {
  const sample = DEFAULTS[name];
  if (typeof sample === "number" && NUMBER.test(text.trim())) return Number(text);
  if (typeof sample === "boolean" && (text === "true" || text === "false")) return text === "true";
  if (Array.isArray(sample)) return text.split(",").map((s) => s.trim());
  return text;
}

/** Settings from the map element's data-* attributes (data-path, data-use-bitmap, ...). */
export function settingsFromElement(element) {
  const out = {};
  for (const [key, text] of Object.entries(element.dataset)) {
    const name = key === "path" ? "dataPath" : key;
    out[name] = parseSettingText(name, text);
  }
  return out;
}

/**
 * `?data=` (the map folder; a missing final "/" is added) and `?renderer=` from a query
 * string.
 */
export function settingsFromQuery(search) {
  const params = new URLSearchParams(search);
  const out = {};
  const data = params.get("data");
  if (data) {
    // Only paths on this site: a link must not point the viewer at someone else's server.
    if (/^[a-z][a-z0-9+.-]*:|^[/\\]{2}/i.test(data)) {
      throw new SettingsError("invalid `?data=`: expecting a path on this site, not a URL");
    }
    out.dataPath = data.endsWith("/") ? data : `${data}/`;
  }
  const renderer = params.get("renderer");
  if (renderer !== null) out.renderer = renderer;
  return out;
}

export function resolveSettings(...sources) {
  return validateSettings(Object.assign({}, ...sources));
}
