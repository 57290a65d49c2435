// The view and the selected title in the URL: the fragment's format and the browser history
// it is written to. #t=tt0133093&x=12.5&y=-3.25&z=4.17 (x, y: the view's centre in map
// coordinates; z: log2 of the scale in CSS pixels per map unit). Any part may be missing:
// "#t=tt0133093" opens the title at a default zoom. The filter (filters.js) follows the view:
// "#x=…&z=4&runtime=100&genres=Comedy".

import { formatFilter, parseFilter } from "./filters.js";

const ID = /^[A-Za-z0-9_.:-]{1,64}$/;

export function parseHash(hash) {
  const params = new URLSearchParams(String(hash).replace(/^#/, ""));
  const state = { id: null, x: null, y: null, z: null, filter: parseFilter(params) };
  const id = params.get("t");
  if (id && ID.test(id)) state.id = id;
  for (const k of ["x", "y", "z"]) {
    const text = params.get(k);
    const v = text === null || text.trim() === "" ? NaN : Number(text);
    if (Number.isFinite(v)) state[k] = v;
  }
  return state;
}

/** Decimals that keep positions to ~1e-6 of the map (a pixel at the deepest zoom). */
export function formatHash({ id, x, y, z, filter = null }, mapWidth) {
  const digits = Math.max(0, Math.min(10, 6 - Math.floor(Math.log10(Math.max(mapWidth, 1e-9)))));
  const parts = [];
  if (id) parts.push(`t=${encodeURIComponent(id)}`);
  if (Number.isFinite(x) && Number.isFinite(y) && Number.isFinite(z)) {
    parts.push(`x=${+x.toFixed(digits)}`, `y=${+y.toFixed(digits)}`, `z=${+z.toFixed(3)}`);
  }
  parts.push(...formatFilter(filter));
  return parts.length ? `#${parts.join("&")}` : "";
}

/**
 * The browser history side: `replaceSoon(hashOf)` writes the view into the URL at most every
 * `intervalMs` while it moves (replaceState: moving adds no history entries), `push(hash)`
 * adds an entry (a title was opened or closed), `listen(onChange)` hears back and forward.
 */
export class UrlHistory {
  constructor(intervalMs) {
    this.intervalMs = intervalMs;
    this.timer = null;
  }

  /** A replace is waiting to be written. */
  get pending() {
    return this.timer !== null;
  }

  replaceSoon(hashOf) {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      const hash = hashOf();
      if (hash !== location.hash) history.replaceState(null, "", hash || location.pathname + location.search);
    }, this.intervalMs);
  }

  push(hash) {
    clearTimeout(this.timer);
    this.timer = null;
    if (hash !== location.hash) history.pushState(null, "", hash || location.pathname + location.search);
  }

  listen(onChange) {
    window.addEventListener("popstate", () => onChange(location.hash));
    window.addEventListener("hashchange", () => onChange(location.hash));
  }
}
